//go:build linux && cgo

package pysignal

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// MainContext is the recommended entry point: CPython's interpreter start-up,
// main module run and exit, for a Go program. Call it from main; it never
// returns:
//
//	func main() { pysignal.MainContext(run) }
//
//	func run(ctx context.Context) error {
//		// work; a handler's error comes out of the wrapped call it
//		// interrupts, as CPython's exception comes out of the call
//	}
//
// It does what CPython does around a script:
//
//   - Like the interpreter's start-up, it installs DefaultIntHandler for
//     SIGINT, so that Ctrl-C raises KeyboardInterrupt, unless SIGINT is
//     ignored (a program started in the background by a non-interactive
//     shell keeps ignoring it, as CPython does) or the program already set
//     a handler for it with Signal.
//   - Like it too, it ignores SIGPIPE and SIGXFSZ (a write to a closed pipe
//     fails with EPIPE: `prog | head -1` exits 1 reporting it, rather than
//     dying by SIGPIPE), and keeps ignored every signal the process was
//     started with ignored, which the Go runtime had replaced (SIGCHLD
//     aside; see InheritedSignal and docs/design.md, difference 6).
//   - It runs fn on its own goroutine while the main thread serves Call and
//     runs the handlers as signals arrive, as Main does.
//   - fn's goroutine plays CPython's main thread for exceptions: a handler
//     error (KeyboardInterrupt, most often) is raised there once, and the
//     program can catch it and go on, as a Python script catches the
//     exception (below).
//   - When fn returns, MainContext calls Exit with fn's result, or with the
//     cancellation cause if fn returned ctx's error (errors.Is(err,
//     context.Canceled)), or with an error raised in fn's goroutine that
//     it never took: KeyboardInterrupt then kills the process by SIGINT, as
//     an uncaught KeyboardInterrupt ends CPython.
//
// # Where a handler's error goes
//
// Handlers run on the main thread. An error one returns is raised in fn's
// goroutine, and comes out of exactly one place:
//
//   - fn's goroutine is in a wrapped blocking call (Read, Write, Poll,
//     Sleep, Wait4, Accept, Sigtimedwait, ... every function of this package
//     that runs the PEP 475 loop, and File's methods): that call returns it,
//     promptly, wherever it blocks (the thread is sent SIGRTMAX, whose
//     handler does nothing but make the call fail with EINTR). A call that
//     fails with EINTR while a signal is pending waits for the main thread
//     to run its handler (at most a second) before it retries, as CPython's
//     EINTR path runs the handlers first, so that their error comes out of
//     it. A File's Read or Write whose system call completed first returns
//     the error with its count (see File); a plain wrapper then returns its
//     result, and the error comes out of the next call, as below.
//   - Otherwise, if anything has asked for ctx.Done() (fn waiting in a
//     select, a library ctx was passed to): ctx is cancelled with the error
//     as its cause (context.Cause). That is how Go-shaped code that waits on
//     ctx learns of it.
//   - Otherwise fn's goroutine's next wrapped call or CheckSignals returns
//     it (a loop that calls CheckSignals is interruptible, as CPython's
//     bytecode is). If ctx.Done() is asked for first, ctx gets it instead.
//
// Once fn's goroutine has taken the error, its wrapped calls work again: a
// timeout caught from a Read can be gone on from, a REPL can print "^C" and
// prompt again, and deferred cleanup (flushing a bufio.Writer over Stdout,
// draining a server) can still do I/O. ctx stays uncancelled.
//
// When ctx is cancelled, the wrapped calls of fn's other goroutines return
// the cause, those blocked at once and every later one, so that workers
// stop; fn's own goroutine keeps working wrapped calls for its cleanup.
//
// A second handler error while the first has not been taken, or after it
// cancelled ctx, is treated as Main treats one: it goes to the unraisable
// hook if the program installed one, or else ends the process at once
// through Exit (a second Ctrl-C stops a program slow to stop). After fn has
// taken the first, a second is raised in the same way (a Ctrl-C during the
// cleanup interrupts the cleanup, as in CPython).
//
// An error that nothing takes within the limit set by SetUntakenLimit
// (500 ms unless changed) ends the process through Exit, after a line on
// standard error saying why: fn's goroutine is then blocked where the
// package cannot reach it (an os.File or net read, a channel) and nothing
// waits on ctx. CPython's "for line in sys.stdin" dies by SIGINT there.
//
// Calls that the Go standard library makes and retries itself (os.File,
// net.Conn, time.Sleep) cannot be interrupted: use the package's File and
// wrappers, or select on ctx.Done() around them.
//
// On the main thread, a Call's wrapped call is interrupted by any handled
// signal, even one the kernel delivered to another thread: the C handler
// then also sends SIGRTMAX to the main thread. The handler runs there and
// its error comes out of the wrapped call, for fn to handle. A signal that
// lands just before such a call blocks still waits for the call (the race
// window of docs/race-windows.md); Wakeup's methods have none.
//
// If the program set a handler for SIGRTMAX with Signal before calling
// MainContext, or a C library installed one with sigaction, MainContext
// ends the process through Exit with an error saying so, rather than take
// the signal from under it. (An os/signal.Notify registration for SIGRTMAX
// leaves no trace in the kernel, so it cannot be seen: such a channel
// receives nothing while MainContext runs.) Signal refuses
// SIGRTMAX (ErrReservedSignal) while MainContext runs.
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
	if err := startup(); err != nil {
		Exit(err)
	}
	if err := ownInterruptSignal(); err != nil {
		Exit(err)
	}
	// Only a panic gets past Exit: wrapped calls go back to their plain
	// behaviour for whoever recovers it.
	defer intr.reset()
	ctx := newFnContext()
	run := &mainRun{name: "pysignal.MainContext"}
	run.idleError = func(err error) { ctx.raise(run, err) }
	var result error
	runMain(run, func() {
		intr.isNowFn()
		result = fn(ctx)
	})
	if ctx.Err() != nil && errors.Is(result, context.Canceled) {
		result = context.Cause(ctx)
	}
	if p := intr.raised.Swap(nil); p != nil && result == nil {
		result = *p // raised, never taken: it ends the program, as in CPython
	}
	Exit(result)
}

func ownInterruptSignal() error {
	if loadHandler(interruptSignal) != nil {
		return fmt.Errorf("pysignal.MainContext: SIGRTMAX (%d) has a handler set with Signal; MainContext needs it to interrupt blocked calls (Release it first)", int(interruptSignal))
	}
	if foreignHandler(interruptSignal) {
		return fmt.Errorf("pysignal.MainContext: SIGRTMAX (%d) has a handler installed outside Go (a C library's sigaction); MainContext needs it to interrupt blocked calls and will not take it from under that code", int(interruptSignal))
	}
	return intr.own()
}

// fnContext is fn's ctx. It notes whether anybody has asked for Done: from
// then on an error raised while fn's goroutine is outside a wrapped call
// goes to ctx, where it is awaited.
type fnContext struct {
	context.Context
	cancel  context.CancelCauseFunc
	watched atomic.Bool
}

func newFnContext() *fnContext {
	c := new(fnContext)
	c.Context, c.cancel = context.WithCancelCause(context.Background())
	return c
}

// Done is the embedded context's Done. Asking for it marks ctx as
// watched, and an error raised in fn's goroutine and not yet taken goes to
// ctx now.
func (c *fnContext) Done() <-chan struct{} {
	c.watched.Store(true)
	if p := intr.raised.Load(); p != nil {
		c.cancelWith(p)
	}
	return c.Context.Done()
}

// cancelWith cancels ctx with the error p stands for, unless fn's
// goroutine has taken it meanwhile.
func (c *fnContext) cancelWith(p *error) {
	if intr.takeBack(p) {
		intr.cancelOthers(*p)
		c.cancel(*p)
	}
}

// raise is MainContext's answer to a handler error in the idle loop: see
// "Where a handler's error goes" in MainContext's doc.
func (c *fnContext) raise(run *mainRun, err error) {
	switch {
	case intr.waiting():
		run.unraisableOrExit(err) // the first has not been taken
	case c.watched.Load() && !intr.fnInCall():
		intr.cancelOthers(err)
		c.cancel(err)
	default:
		endIfUntaken(intr.raiseInFn(err), err)
	}
}

// endIfUntaken ends the process through Exit if the error p stands for is
// still untaken after the untaken limit (SetUntakenLimit), and fn's
// goroutine is not inside Protect, which waits for its own end.
func endIfUntaken(p *error, err error) {
	limit := time.Duration(untakenLimit.Load())
	if limit <= 0 {
		return
	}
	time.AfterFunc(limit, func() {
		if fnGuard.protected() {
			endIfUntaken(p, err)
			return
		}
		if intr.takeBack(p) {
			writeStderr(fmt.Sprintf("pysignal.MainContext: nothing took %v within %v: fn's goroutine is blocked where pysignal cannot interrupt it (os.File or net I/O? a channel? use pysignal's File and wrappers, or wait on ctx); ending the process", err, limit))
			Exit(err)
		}
	})
}
