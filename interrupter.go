//go:build linux && cgo

package pysignal

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal/internal/gptr"
	"golang.org/x/sys/unix"
)

// The interrupter is how a handler's error reaches goroutines that the main
// thread cannot run code on: MainContext's fn, which plays CPython's main
// thread for exceptions, and the other goroutines fn started. It is the one
// seam between MainContext and the wrappers: the PEP 475 loop asks it
// whether a call may go on (enter, cause), CheckSignals asks it for an
// error raised in fn's goroutine (takeRaised), and MainContext decides,
// through raiseInFn and cancelOthers, where an error goes.
//
// While MainContext runs (owned), every wrapped call locks its goroutine to
// its thread and registers the thread for the call's duration, noting
// whether it is fn's goroutine. A registered thread can then be sent
// interruptSignal, whose C handler (pysig_nudge) does nothing: the call
// fails with EINTR, and the loop asks cause what to return.
//
//   - An error raised in fn's goroutine (raiseInFn) waits in raised until
//     fn's goroutine takes it, once: the wrapped call it is blocked in (sent
//     interruptSignal until it has), its next wrapped call, or its next
//     CheckSignals (bit 0 of the pending word stays set while it waits, so
//     that CheckSignals' single load sees it). Later calls work as usual.
//   - An error that cancelled ctx (cancelOthers) is returned by every
//     wrapped call of the other goroutines, those blocked now (sent
//     interruptSignal until none is left) and all later ones: they stop.
//     fn's own calls are not affected, so its cleanup can still do I/O.
var intr interrupter

// interruptSignal is the signal the interrupter sends: SIGRTMAX, a
// real-time signal that neither the Go runtime nor glibc uses.
const interruptSignal = unix.Signal(64)

type interrupter struct {
	owned     atomic.Bool           // MainContext runs: wrapped calls register
	unblock   atomic.Bool           // interruptSignal was blocked at start
	nudge     atomic.Int32          // nudgeUntried, nudgeOn or nudgeOff
	fnG       atomic.Uintptr        // fn's goroutine (gptr.Get)
	raised    atomic.Pointer[error] // raised in fn's goroutine, not yet taken
	cancelled atomic.Pointer[error] // ctx's cause, for the other goroutines

	mu    sync.Mutex
	calls []inCall // wrapped calls in progress, off the main thread
}

// inCall is a thread inside a wrapped call; a thread may appear more than
// once (a handler's nested call).
type inCall struct {
	tid int
	fn  bool // the call is fn's goroutine's
}

// The nudge (handler.h): a signal handled on another thread sends
// interruptSignal to the thread the main goroutine is in a wrapped call on.
// The package takes interruptSignal for it the first time it needs it (the
// first Signal that sets a Handler, Main, MainContext), if the Go runtime's
// handler is still there: the runtime does nothing with a SIGRTMAX nobody
// asked for, and os/signal.Notify for it leaves no trace the package could
// see (docs/design.md, difference 22). If the program handles SIGRTMAX
// itself with Signal, the nudges go on, marked, and its C handler drops
// them. If the program sets SIGRTMAX to Default or Ignore, or Releases it,
// the nudge is off for good (MainContext aside): a signal handled on
// another thread then interrupts the main goroutine's call only where the
// kernel also chose its thread.
const (
	nudgeUntried = iota
	nudgeOn
	nudgeOff
)

// takeNudge turns the nudge on if it was never tried; see above.
func (in *interrupter) takeNudge() {
	if in.nudge.Load() != nudgeUntried {
		return
	}
	if loadHandler(interruptSignal) == nil {
		if d, err := disposition(interruptSignal); err != nil || d != dispOther ||
			foreignHandler(interruptSignal) || setNudgeHandler(interruptSignal) != nil {
			in.nudge.Store(nudgeOff)
			return
		}
	}
	in.nudgeOn()
}

// nudgeOn starts the nudge. A process started with interruptSignal blocked
// (by a parent using signalfd, say) passes the mask to every thread the
// runtime makes, and the nudge would stay pending forever: then the calling
// thread unblocks it now, and each wrapped call unblocks it on its own
// thread (one more system call per call, only in that case).
func (in *interrupter) nudgeOn() {
	var old unix.Sigset_t
	if unix.PthreadSigmask(unix.SIG_UNBLOCK, sigsetOf(interruptSignal), &old) == nil &&
		old.Val[(interruptSignal-1)/64]>>((interruptSignal-1)%64)&1 != 0 {
		in.unblock.Store(true)
	}
	in.nudge.Store(nudgeOn)
	atomic.StoreInt32(cNudgeSig, int32(interruptSignal))
}

// nudgeOff stops the nudge for good: the program set interruptSignal to
// Default or Ignore, or released it.
func (in *interrupter) nudgeOff() {
	atomic.StoreInt32(cNudgeSig, 0)
	in.nudge.Store(nudgeOff)
}

// own installs interruptSignal's handler for MainContext, turns the nudge
// on and starts registering wrapped calls; fn's goroutine names itself
// with isNowFn.
func (in *interrupter) own() error {
	if err := setNudgeHandler(interruptSignal); err != nil {
		return err
	}
	in.nudgeOn()
	in.owned.Store(true)
	return nil
}

// reset forgets MainContext: wrapped calls go back to their plain path and
// Signal may take SIGRTMAX again (the nudge stays on until it does).
// Called on every way out of MainContext that returns (a panic).
func (in *interrupter) reset() {
	in.owned.Store(false)
	in.fnG.Store(0)
	in.raised.Store(nil)
	in.cancelled.Store(nil)
}

// sigsetOf is the kernel set holding sig alone.
func sigsetOf(sig unix.Signal) *unix.Sigset_t {
	var set unix.Sigset_t
	set.Val[(sig-1)/64] |= 1 << ((sig - 1) % 64)
	return &set
}

// isNowFn records the caller as fn's goroutine.
func (in *interrupter) isNowFn() { in.fnG.Store(gptr.Get()) }

// isFn reports whether the caller is fn's goroutine.
func (in *interrupter) isFn() bool { return gptr.Get() == in.fnG.Load() }

// enter is attempt under MainContext: the goroutine stays on its thread
// while the thread is registered, and a call that has an error to return
// makes no system call. Registering before asking means that whoever
// raises an error either sees the registration (and signals the thread
// until the call has returned) or the call sees the error.
func (in *interrupter) enter(hook *TraceHook, name string, call func() (int, error)) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if in.unblock.Load() {
		unix.PthreadSigmask(unix.SIG_UNBLOCK, sigsetOf(interruptSignal), nil)
	}
	fn := in.isFn()
	tid := unix.Gettid()
	in.mu.Lock()
	in.calls = append(in.calls, inCall{tid, fn})
	in.mu.Unlock()
	defer in.leave(tid)
	if err := in.causeFor(fn); err != nil {
		return -1, err
	}
	return attemptNow(hook, name, call)
}

func (in *interrupter) leave(tid int) {
	in.mu.Lock()
	if i := slices.IndexFunc(in.calls, func(c inCall) bool { return c.tid == tid }); i >= 0 {
		last := len(in.calls) - 1
		in.calls[i] = in.calls[last]
		in.calls = in.calls[:last]
	}
	in.mu.Unlock()
}

// causeFor is what a wrapped call must return instead of going on: for
// fn's goroutine the raised error, taken (once); for the others ctx's
// cause.
func (in *interrupter) causeFor(fn bool) error {
	if fn {
		if p := in.raised.Load(); p != nil && in.raised.CompareAndSwap(p, nil) {
			if fnGuard.protected() {
				fnGuard.hold(*p) // Protect returns it
				return nil
			}
			return *p
		}
		return nil
	}
	if p := in.cancelled.Load(); p != nil {
		return *p
	}
	return nil
}

// cause is causeFor for the calling goroutine; nil unless MainContext runs.
func (in *interrupter) cause() error {
	if !in.owned.Load() {
		return nil
	}
	return in.causeFor(in.isFn())
}

// takeRaised is CheckSignals off the main thread: fn's goroutine takes
// the error raised in it; any other goroutine gets nil.
func (in *interrupter) takeRaised() error {
	if !in.owned.Load() || !in.isFn() {
		return nil
	}
	return in.causeFor(true)
}

// raisedAfterCall is what a File call on fn's goroutine whose system call
// completed returns with its count: an error raised in fn's goroutine
// meanwhile, after waiting for the handlers of the signals pending now
// (awaitHandlers). CPython runs the handlers of a signal that arrived
// during a read that completed at its next bytecode, so their exception
// comes out before the program acts on the bytes; here they run on the
// main thread, and the File call waits for them. nil elsewhere (and in
// builds without Linux or cgo: unsupported_base.go).
func raisedAfterCall() error {
	if !intr.owned.Load() || !intr.isFn() {
		return nil
	}
	intr.awaitHandlers()
	return intr.causeFor(true)
}

// checkThenCause is what the PEP 475 loop does after EINTR: CheckSignals,
// then the interrupter's error for the caller. On fn's goroutine it first
// waits for the main thread to run the handlers of the signals pending
// now (awaitHandlers).
func checkThenCause() error {
	if err := CheckSignals(); err != nil {
		return err
	}
	if intr.owned.Load() && intr.isFn() {
		intr.awaitHandlers()
	}
	return intr.cause()
}

// Passes of Main's loop (mainthread.go's serve): started counts the
// CheckSignals calls it begins, finished those whose error it has also
// dispatched (raised in fn's goroutine, for MainContext).
var loopPasses struct{ started, finished atomic.Uint64 }

// awaitHandlerLimit bounds awaitHandlers: a main thread kept busy longer
// (a long Call, a slow handler) leaves the call to retry, as before.
const awaitHandlerLimit = time.Second

// awaitHandlers is CPython's EINTR step for fn's goroutine. CPython's read
// that fails with EINTR runs the handlers itself before it retries, so a
// handler's exception always comes out of that read. Here the handlers run
// on the main thread, at its own pace: a retry that did not wait could
// complete (input arriving, or its end, with the signal) before the error
// is raised, which would then come out of some later call (a deferred
// Flush, say) or, fn having returned, not at all. So while a signal is
// pending, it waits until a pass of Main's loop that began after it has
// dispatched its result, or an error has been raised, at most
// awaitHandlerLimit. A pass already running may hold the signals (taken
// out of the pending word, their handlers running): it waits for that pass
// too.
func (in *interrupter) awaitHandlers() {
	if in.raised.Load() != nil {
		return
	}
	begun := loopPasses.started.Load()
	if !signalsPending() && loopPasses.finished.Load() == begun {
		return // nothing pending, and no pass running with the signals taken out
	}
	deadline := time.Now().Add(awaitHandlerLimit)
	for delay := 20 * time.Microsecond; ; delay = min(2*delay, time.Millisecond) {
		done := loopPasses.finished.Load()
		if in.raised.Load() != nil || done > begun || (done == begun && !signalsPending()) ||
			time.Now().After(deadline) {
			return
		}
		time.Sleep(delay)
	}
}

// signalsPending reports whether a signal has tripped and its handler has
// not been taken by a pass (bit 0 alone may be an error waiting in fn or
// a queued wakeup-fd report: no signal).
func signalsPending() bool {
	return atomic.LoadUint64(cPending)&^pendingMore != 0 || atomic.LoadInt32(cTripped64) != 0
}

// waiting reports whether an error is on its way and not yet taken: raised
// in fn's goroutine and untaken, or ctx cancelled.
func (in *interrupter) waiting() bool {
	return in.raised.Load() != nil || in.cancelled.Load() != nil
}

// fnInCall reports whether fn's goroutine is inside a wrapped call.
func (in *interrupter) fnInCall() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.ContainsFunc(in.calls, func(c inCall) bool { return c.fn })
}

// raiseInFn raises err in fn's goroutine and returns the pointer that
// stands for it until taken. If fn's goroutine is in a wrapped call, its
// thread is signalled (again every 1 to 20 ms, covering a signal that
// lands before the call blocks) until the error has been taken or the call
// has ended.
func (in *interrupter) raiseInFn(err error) *error {
	p := &err
	in.raised.Store(p)
	atomic.OrUint64(cPending, pendingMore) // CheckSignals' one load must see it
	in.keepSignalling(true, func() bool { return in.raised.Load() == p })
	return p
}

// takeBack takes back the error p stands for if fn's goroutine has not
// taken it, and reports whether it did.
func (in *interrupter) takeBack(p *error) bool {
	return in.raised.CompareAndSwap(p, nil)
}

// cancelOthers makes err the cause that every wrapped call of a goroutine
// other than fn's returns from now on, and interrupts those blocked.
func (in *interrupter) cancelOthers(err error) {
	in.cancelled.Store(&err)
	in.keepSignalling(false, func() bool { return true })
}

// keepSignalling signals the registered threads of fn's goroutine (fn) or
// of the others (!fn) now, then again from a goroutine, every 1 ms at first
// and every 20 ms at most, while want() holds and any is left.
func (in *interrupter) keepSignalling(fn bool, want func() bool) {
	if !in.signal(fn) {
		return
	}
	go func() {
		for delay := time.Millisecond; ; delay = min(2*delay, 20*time.Millisecond) {
			time.Sleep(delay)
			if !want() || !in.signal(fn) {
				return
			}
		}
	}()
}

// signal sends interruptSignal to each registered thread of fn's goroutine
// (fn) or of the others (!fn) and reports whether there was any.
func (in *interrupter) signal(fn bool) bool {
	in.mu.Lock()
	var tids []int
	for _, c := range in.calls {
		if c.fn == fn {
			tids = append(tids, c.tid)
		}
	}
	in.mu.Unlock()
	for _, tid := range tids {
		unix.Tgkill(unix.Getpid(), tid, interruptSignal)
	}
	return len(tids) > 0
}
