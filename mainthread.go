//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// mainTID is the thread id of the main thread: the process's first thread,
// where package initialisation runs. CPython's "main thread" rule refers to
// it.
var mainTID int

func init() {
	// Locked during init, the main goroutine stays locked to this thread
	// into main.main: no other goroutine ever runs here.
	runtime.LockOSThread()
	mainTID = recordMainThread()
}

// MainThreadID returns the kernel thread id of the main thread (equal to the
// process id): CPython's threading.main_thread().native_id.
func MainThreadID() int { return mainTID }

// The main-thread executor: a queue of calls, and an eventfd the main thread
// sleeps on while the queue is empty. The C handler adds to the same eventfd
// while pysig_idle_waiting is set, which is what makes the wait race-free:
// the loop sets the flag, then checks for signals, then sleeps; a signal that
// lands after the check finds the flag set and wakes the sleep.
var executor struct {
	mu      sync.Mutex
	serving bool
	queue   []*call
	efd     int // eventfd, created by the first Main
	haveEFD bool
}

type call struct {
	f        func()
	done     chan struct{}
	stop     bool // the end of Main's fn, not a call
	panicked bool
	panicVal any
	goexit   bool
}

// Main runs fn on a new goroutine while the main thread serves Call
// requests and runs signal handlers, until fn returns; it returns fn's
// result. It must be called on the main thread, from main or TestMain:
//
//	func main() { os.Exit(pysignal.Main(run)) }
//	func TestMain(m *testing.M) { os.Exit(pysignal.Main(m.Run)) }
//
// While no call is waiting, the main thread sleeps in a way that any signal
// the package handles ends at once (wherever the kernel delivered it), so
// handlers run promptly. A handler error there has nobody to receive it and
// goes to the unraisable hook. Calls still queued when fn returns are run
// before Main returns; later Calls panic.
//
// Main panics if called on another thread or while it is already running:
// both are programming errors that no return value could report in time.
func Main(fn func() int) int {
	if !onMainThread() {
		panic("pysignal: Main must be called on the main thread (from main or TestMain)")
	}
	executor.mu.Lock()
	if executor.serving {
		executor.mu.Unlock()
		panic("pysignal: Main is already running")
	}
	if !executor.haveEFD {
		efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			executor.mu.Unlock()
			panic(fmt.Sprintf("pysignal: Main: eventfd: %v", err))
		}
		executor.efd, executor.haveEFD = efd, true
	}
	executor.serving = true
	executor.mu.Unlock()
	atomic.StoreInt32(cIdleFD, int32(executor.efd))

	var result int
	go func() {
		// If fn panics, no stop marker is queued: the panic ends the
		// program, and Main must not return a result first.
		result = fn()
		post(&call{stop: true})
	}()
	serve()

	executor.mu.Lock()
	executor.serving = false
	rest := executor.queue
	executor.queue = nil
	executor.mu.Unlock()
	for _, c := range rest {
		c.run()
	}
	return result
}

// serve is Main's loop: run pending handlers, run queued calls, sleep.
func serve() {
	for {
		atomic.StoreInt32(cIdleWaiting, 1)
		if err := CheckSignals(); err != nil {
			reportUnraisable(&UnraisableError{
				Msg: "Exception ignored in a signal handler run by pysignal.Main",
				Err: err,
			})
		}
		c := pop()
		if c == nil {
			sleepIdle()
			continue
		}
		atomic.StoreInt32(cIdleWaiting, 0)
		if c.stop {
			return
		}
		c.run()
	}
}

// sleepIdle blocks until the eventfd has a count: a queued call or, while
// pysig_idle_waiting is set, a signal. EINTR simply returns to the loop,
// whose CheckSignals then runs the handler.
func sleepIdle() {
	var buf [8]byte
	_, err := unix.Read(executor.efd, buf[:])
	if err != nil && err != unix.EINTR {
		panic(fmt.Sprintf("pysignal: Main: reading the eventfd: %v", err))
	}
}

func pop() *call {
	executor.mu.Lock()
	defer executor.mu.Unlock()
	if len(executor.queue) == 0 {
		return nil
	}
	c := executor.queue[0]
	executor.queue[0] = nil
	executor.queue = executor.queue[1:]
	return c
}

// post queues c (the caller holds no lock) and wakes the main thread.
func post(c *call) {
	executor.mu.Lock()
	executor.queue = append(executor.queue, c)
	executor.mu.Unlock()
	wake()
}

func wake() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	if _, err := unix.Write(executor.efd, one[:]); err != nil {
		panic(fmt.Sprintf("pysignal: waking the main thread: %v", err))
	}
}

// Call runs f on the main thread and returns when f has returned. A panic in
// f is re-raised in the caller. On the main thread itself f runs at once.
// Elsewhere Call needs Main to be running and panics if it is not.
//
// f must not call runtime.Goexit (testing's t.Fatal, t.Skip, t.FailNow): that
// would end the main thread's goroutine. Return a result and fail in the
// calling goroutine instead; Call panics with a clear message if it happens.
func Call(f func()) {
	if f == nil {
		panic("pysignal: Call(nil)")
	}
	if onMainThread() {
		f()
		return
	}
	c := &call{f: f, done: make(chan struct{})}
	executor.mu.Lock()
	if !executor.serving {
		executor.mu.Unlock()
		panic("pysignal: Call needs pysignal.Main to be running on the main thread")
	}
	executor.queue = append(executor.queue, c)
	executor.mu.Unlock()
	wake()
	<-c.done
	switch {
	case c.panicked:
		panic(c.panicVal)
	case c.goexit:
		fmt.Fprintln(os.Stderr, "pysignal: a function run by Call called runtime.Goexit (t.Fatal?) on the main thread")
		panic("pysignal: a function run by Call called runtime.Goexit on the main thread")
	}
}

// run executes a queued call on the main thread.
func (c *call) run() {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				c.panicked, c.panicVal = true, r
			} else {
				c.goexit = true
			}
		}
		close(c.done)
	}()
	c.f()
	returned = true
}
