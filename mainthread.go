//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

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
	goexit   bool // f called runtime.Goexit
	panicked bool
	panicVal any
}

// A mainRun is one run of Main or MainContext: fn on its own goroutine,
// the main thread serving until fn has ended.
type mainRun struct {
	name string
	// idleError receives a handler error from the idle loop, where no
	// code of the program could receive it.
	idleError func(error)
	// doing names what the main thread runs, for a Goexit's report.
	doing string
	// ended is set, once, when fn has ended: true if by runtime.Goexit.
	ended atomic.Pointer[bool]
}

// Main runs fn on a new goroutine while the main thread serves Call
// requests and runs signal handlers, until fn returns; it returns fn's
// result. It must be called on the main thread, from main or TestMain:
//
//	func main() { os.Exit(pysignal.Main(run)) }
//	func TestMain(m *testing.M) { os.Exit(pysignal.Main(m.Run)) }
//
// MainContext is the recommended entry point for programs: it also gives
// Ctrl-C CPython's meaning. Main is the building block, and what a TestMain
// needs.
//
// While no call is waiting, the main thread sleeps in a way that any signal
// the package handles ends at once (wherever the kernel delivered it), so
// handlers run promptly. A handler error there has no code to receive it.
// If the program installed an unraisable hook (SetUnraisableHook), the
// error goes to it, as CPython's "Exception ignored" reports do; otherwise
// it ends the process through Exit, as an uncaught exception ends CPython:
// an idle-loop KeyboardInterrupt kills the process by SIGINT. Either way the
// other handlers tripped in the same scan run at once. Calls still queued
// when fn returns are run before Main returns; later Calls panic.
//
// Main panics if called on another thread or while it is already running:
// both are programming errors that no return value could report in time. A
// panic in fn ends the program as any goroutine's panic does. If fn calls
// runtime.Goexit (t.Fatal in a TestMain's m.Run, say), Main panics saying
// so instead of waiting forever. A handler or Call function that calls
// runtime.Goexit on the main thread ends the main goroutine, which cannot be
// undone: Main then panics with a message naming the culprit (recovering
// that panic does not stop the Goexit). A handler that panics in the idle
// loop makes Main panic with that value; queued Calls then panic in their
// callers, and Main may be called again.
func Main(fn func() int) int {
	if fn == nil {
		panic("pysignal.Main(nil)")
	}
	var result int
	run := &mainRun{name: "pysignal.Main"}
	run.idleError = run.unraisableOrExit
	runMain(run, func() { result = fn() })
	return result
}

// unraisableOrExit is what Main's idle loop does with a handler error: the
// unraisable hook gets it if the program installed one, else Exit.
func (run *mainRun) unraisableOrExit(err error) {
	if !hookInstalled() {
		Exit(err)
	}
	reportUnraisable(&UnraisableError{
		Msg: "Exception ignored in a signal handler run by " + run.name,
		Err: err,
	})
}

// hookInstalled reports whether the program installed an unraisable hook.
func hookInstalled() bool { return unraisableHook.Load() != nil }

// runMain is Main and MainContext: it runs fn on a new goroutine and serves
// the main thread until fn has ended, then runs the Calls still queued.
func runMain(run *mainRun, fn func()) {
	run.start()
	defer pin()()
	intr.takeNudge()
	go run.runFn(fn)
	if goexit := run.serveGuarded(); goexit {
		run.fail(run.name + ": fn called runtime.Goexit (t.Fatal?) before returning a result")
	}
	for _, c := range stopServing() {
		c.run()
	}
}

// start makes the main thread the run's server, or panics saying why not.
func (run *mainRun) start() {
	if !onMainThread() {
		panic(run.name + " must be called on the main thread (from main or TestMain)")
	}
	executor.mu.Lock()
	defer executor.mu.Unlock()
	if executor.serving {
		panic(run.name + ": pysignal.Main is already running")
	}
	if !executor.haveEFD {
		efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			panic(fmt.Sprintf("%s: eventfd: %v", run.name, err))
		}
		executor.efd, executor.haveEFD = efd, true
	}
	executor.serving = true
	atomic.StoreInt32(cIdleFD, int32(executor.efd))
}

// runFn runs fn on its goroutine and tells the main thread how it ended. A
// panic in fn ends the program, as any goroutine's panic does.
func (run *mainRun) runFn(fn func()) {
	goexit := true
	defer func() {
		if r := recover(); r != nil {
			panic(r)
		}
		run.ended.Store(&goexit)
		wake()
	}()
	fn()
	goexit = false
}

// serveGuarded is serve, and reports whether fn ended by Goexit. A panic
// or a Goexit on the main thread (in a handler or a Call) abandons the run
// and panics.
func (run *mainRun) serveGuarded() (goexit bool) {
	served := false
	defer func() {
		if served {
			return
		}
		if r := recover(); r != nil {
			abandon(run)
			panic(r)
		}
		run.fail(fmt.Sprintf("%s: %s called runtime.Goexit (t.Fatal?) on the main thread; the main thread cannot serve any more", run.name, run.doing))
	}()
	goexit = run.serve()
	served = true
	return goexit
}

// fail says why the run ends before abandon wakes the callers of queued
// Calls (whose panics could otherwise end the program first), then panics.
func (run *mainRun) fail(msg string) {
	writeStderr(msg)
	abandon(run)
	panic(msg)
}

// stopServing marks the main thread as no longer serving and returns the
// calls still queued, for the caller to run or fail.
func stopServing() []*call {
	executor.mu.Lock()
	defer executor.mu.Unlock()
	executor.serving = false
	rest := executor.queue
	executor.queue = nil
	return rest
}

// abandon ends a run that leaves by a panic or a Goexit: Main may be called
// again, and the calls still queued panic in their callers instead of
// waiting forever.
func abandon(run *mainRun) {
	atomic.StoreInt32(cIdleWaiting, 0)
	for _, c := range stopServing() {
		c.panicked, c.panicVal = true, run.name+" ended (a panic or Goexit on the main thread) before running this Call"
		close(c.done)
	}
}

// serve is Main's loop: run pending handlers, run queued calls, sleep,
// until fn has ended; it reports whether by Goexit. fn's own Calls have
// all returned before it ends, so none is left behind.
func (run *mainRun) serve() (goexit bool) {
	for {
		atomic.StoreInt32(cIdleWaiting, 1)
		run.doing = "a signal handler"
		loopPasses.started.Add(1)
		if err := CheckSignals(); err != nil {
			run.idleError(err)
			loopPasses.finished.Add(1)
			// The scan stopped at the failing handler: the others
			// tripped with it run now, not at the next wake-up.
			continue
		}
		loopPasses.finished.Add(1)
		if c := pop(); c != nil {
			atomic.StoreInt32(cIdleWaiting, 0)
			run.doing = "a function run by Call"
			c.run()
			continue
		}
		if g := run.ended.Load(); g != nil {
			atomic.StoreInt32(cIdleWaiting, 0)
			return *g
		}
		sleepIdle()
	}
}

// sleepIdle blocks until the eventfd has a count: a queued call or, while
// pysig_idle_waiting is set, a signal. EINTR simply returns to the loop,
// whose CheckSignals then runs the handler.
func sleepIdle() {
	var buf [8]byte
	keepP()
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
