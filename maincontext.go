//go:build linux && cgo

package pysignal

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// MainContext is the recommended entry point: CPython's interpreter start-up,
// main module run and exit, for a Go program. Call it from main; it never
// returns:
//
//	func main() { pysignal.MainContext(run) }
//
//	func run(ctx context.Context) error {
//		// work; return ctx.Err() (or context.Cause(ctx)) once ctx is done
//	}
//
// It does what CPython does around a script:
//
//   - Like the interpreter's start-up, it installs DefaultIntHandler for
//     SIGINT, so that Ctrl-C raises KeyboardInterrupt, unless SIGINT is
//     ignored (a program started by nohup, or in the background by a
//     non-interactive shell, keeps ignoring it, as CPython does) or the
//     program already set a handler for it with Signal.
//   - It runs fn on its own goroutine while the main thread serves Call and
//     runs the handlers as signals arrive, as Main does.
//   - A handler error in the idle loop (KeyboardInterrupt, most often) is
//     what CPython would raise in the main code: it cancels ctx, with the
//     error as its cause (context.Cause), and interrupts fn's wrapped
//     blocking calls (below). A further handler error, while fn has not yet
//     returned, is treated as Main treats one: it goes to the unraisable
//     hook if the program installed one, or else it ends the process at
//     once through Exit (a second Ctrl-C stops a program slow to stop).
//   - When fn returns, MainContext calls Exit with fn's result, or with the
//     cancellation cause if fn returned ctx's error (errors.Is(err,
//     context.Canceled)): KeyboardInterrupt then kills the process by
//     SIGINT, as an uncaught KeyboardInterrupt ends CPython.
//
// Wrapped blocking calls (Read, Write, Poll, Sleep, Wait4, Accept,
// Sigtimedwait, ... every function of this package that runs the PEP 475
// loop) made by fn's goroutines return the cancellation cause promptly
// (typically well under a millisecond; docs/design.md has measurements),
// wherever they block: each one registers its thread while it runs, and the
// main thread interrupts the registered threads with SIGRTMAX (64), whose
// handler does nothing but make the call fail with EINTR; the wrapper then
// sees the cause. Once ctx is cancelled
// every wrapped call returns the cause at once, so cleanup that must still
// do I/O uses golang.org/x/sys/unix or os directly. Signal refuses SIGRTMAX
// (ErrReservedSignal) from then on.
//
// Calls that the Go standard library makes and retries itself (os.File,
// net.Conn, time.Sleep) cannot be interrupted this way: select on
// ctx.Done() around them, or use the wrappers on raw descriptors (see the
// example reading standard input).
//
// On the main thread, a Call's wrapped call is interrupted by any handled
// signal, even one the kernel delivered to another thread: the C handler
// then also sends SIGRTMAX to the main thread. The handler runs there and
// its error comes out of the wrapped call, for fn to handle. A signal that
// lands just before such a call blocks still waits for the call (the race
// window of docs/race-windows.md); Wakeup's methods have none.
//
// If the program set a handler for SIGRTMAX with Signal before calling
// MainContext, MainContext ends the process through Exit with an error
// saying so, rather than take the signal from under it.
//
// MainContext panics where Main does (not on the main thread, Main already
// running, Goexit in fn or on the main thread).
func MainContext(fn func(ctx context.Context) error) {
	if fn == nil {
		panic("pysignal.MainContext(nil)")
	}
	if !onMainThread() {
		panic("pysignal.MainContext must be called on the main thread (from main)")
	}
	executor.mu.Lock()
	serving := executor.serving
	executor.mu.Unlock()
	if serving { // before anything changes; runMain checks again
		panic("pysignal.MainContext: pysignal.Main is already running")
	}
	if err := takeSIGINT(); err != nil {
		Exit(err)
	}
	if err := ownInterruptSignal(); err != nil {
		Exit(err)
	}
	defer func() {
		// Only a panic gets here (Exit never returns): wrapped calls go
		// back to their plain behaviour for whoever recovers it.
		atomic.StoreInt32(cNudgeSig, 0)
		cancelCause.Store(nil)
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	run := &mainRun{name: "pysignal.MainContext"}
	run.idleError = func(err error) {
		if cancelCause.Load() != nil {
			run.unraisableOrExit(err)
			return
		}
		cancelCause.Store(&err)
		cancel(err)
		interruptBlocked()
	}
	var result error
	runMain(run, func() { result = fn(ctx) })
	if ctx.Err() != nil && errors.Is(result, context.Canceled) {
		result = context.Cause(ctx)
	}
	Exit(result)
}

// takeSIGINT installs DefaultIntHandler for SIGINT as CPython's start-up
// does: not if SIGINT is ignored (CPython installs it only over SIG_DFL; in
// a Go program the runtime's handler stands where SIG_DFL was, and it
// leaves an ignored SIGINT ignored), nor over a handler the program set.
func takeSIGINT() error {
	if loadHandler(unix.SIGINT) != nil {
		return nil
	}
	d, err := disposition(unix.SIGINT)
	if err != nil || d == dispIgnore {
		return err
	}
	_, err = Signal(unix.SIGINT, DefaultIntHandler)
	return err
}

// interruptSignal is the signal MainContext interrupts blocked calls with:
// SIGRTMAX, a real-time signal that neither the Go runtime nor glibc uses.
// Its handler does nothing (pysig_nudge); its only effect is EINTR.
const interruptSignal = unix.Signal(64)

// interruptOwned is set once MainContext has installed interruptSignal's
// handler: from then on wrapped calls register their thread.
var interruptOwned atomic.Bool

// cancelCause is the handler error that cancelled MainContext's ctx.
var cancelCause atomic.Pointer[error]

func ownInterruptSignal() error {
	if loadHandler(interruptSignal) != nil {
		return fmt.Errorf("pysignal.MainContext: SIGRTMAX (%d) has a handler set with Signal; MainContext needs it to interrupt blocked calls (Release it first)", int(interruptSignal))
	}
	if err := setNudgeHandler(interruptSignal); err != nil {
		return err
	}
	interruptOwned.Store(true)
	atomic.StoreInt32(cNudgeSig, int32(interruptSignal))
	return nil
}

// blocked holds the threads (kernel ids) inside a wrapped call under
// MainContext, other than the main thread; a thread may appear more than
// once.
var blocked struct {
	mu   sync.Mutex
	tids []int
}

// interruptible is attempt under MainContext: the goroutine stays on its
// thread while the thread is registered, and once ctx is cancelled no call
// is made. Registering before the check means the main thread either sees
// the registration or the call sees the cause; interruptBlocked repeats its
// signal until the thread has left, which covers a signal that lands between
// the check and the moment the call blocks.
func interruptible(hook *TraceHook, name string, call func() (int, error)) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if tid := unix.Gettid(); tid != mainTID {
		blocked.mu.Lock()
		blocked.tids = append(blocked.tids, tid)
		blocked.mu.Unlock()
		defer unregister(tid)
	}
	if p := cancelCause.Load(); p != nil {
		return -1, *p
	}
	return attemptNow(hook, name, call)
}

func unregister(tid int) {
	blocked.mu.Lock()
	if i := slices.Index(blocked.tids, tid); i >= 0 {
		last := len(blocked.tids) - 1
		blocked.tids[i] = blocked.tids[last]
		blocked.tids = blocked.tids[:last]
	}
	blocked.mu.Unlock()
}

// checkOrCancelled is CheckSignals, then the cancellation cause, if any.
func checkOrCancelled() error {
	if err := CheckSignals(); err != nil {
		return err
	}
	if p := cancelCause.Load(); p != nil {
		return *p
	}
	return nil
}

// interruptBlocked signals every registered thread now (on the main thread),
// then again from a goroutine, every 1 ms at first and every 20 ms at most,
// until no thread is registered.
func interruptBlocked() {
	if signalBlocked() {
		go func() {
			for delay := time.Millisecond; signalBlocked(); delay = min(2*delay, 20*time.Millisecond) {
				time.Sleep(delay)
			}
		}()
	}
}

// signalBlocked sends interruptSignal to each registered thread and reports
// whether there was any.
func signalBlocked() bool {
	blocked.mu.Lock()
	tids := slices.Clone(blocked.tids)
	blocked.mu.Unlock()
	for _, tid := range tids {
		unix.Tgkill(unix.Getpid(), tid, interruptSignal)
	}
	return len(tids) > 0
}
