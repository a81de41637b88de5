//go:build linux && cgo

package pysignal

import (
	"fmt"
	"math/bits"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// CheckSignals runs the handlers of the signals that have arrived since the
// last call: CPython's PyErr_CheckSignals. Call it at the program's safe
// points; the wrapped system calls, Main's idle loop, Signal and RaiseSignal
// call it for you.
//
// With nothing pending it costs one atomic load and allocates nothing. On
// any thread but the main thread it returns nil and runs nothing. Otherwise
// it goes once through the tripped signals in ascending order, clearing each
// one's flag and running its handler. A signal whose handler has become
// Default or Ignore since it tripped is reported to the unraisable hook
// (ErrIgnoredSignal), never run. The first handler error ends the pass: the
// signals after it stay pending and run at the next call, and the error is
// returned unchanged. A handler that panics leaves the remaining signals
// pending in the same way and the panic propagates.
//
// Handlers nest: a handler that makes a wrapped blocking call, or calls
// CheckSignals, runs the handlers of signals that arrive meanwhile, itself
// included. With MaxHandlerNesting handlers already running, CheckSignals
// runs nothing and returns ErrRecursion, leaving the signals pending for a
// check further out.
func CheckSignals() error {
	if atomic.LoadUint64(cPending) == 0 {
		return nil
	}
	return runPending()
}

// runPending is CheckSignals' slow path: one pass in ascending signal order,
// as CPython's. Each signal's bit is cleared just before its handler runs,
// so a signal that trips again before its turn coalesces; one numbered above
// the running handler's that trips meanwhile runs in this pass, one below it
// at the next check. A handler error or panic leaves the bits not yet
// reached set, and so pending.
func runPending() error {
	if !onMainThread() {
		return nil
	}
	if handlerDepth >= MaxHandlerNesting {
		return ErrRecursion // the pending word stays as it is
	}
	// Bit 0 is cleared before the ring is read: an error queued after the
	// read sets it again.
	if atomic.LoadUint64(cPending)&pendingMore != 0 {
		atomic.AndUint64(cPending, ^uint64(pendingMore))
		reportWakeupErrors()
	}
	for sig := unix.Signal(1); sig < nsig-1; sig++ {
		above := atomic.LoadUint64(cPending) >> sig << sig
		if above == 0 {
			break
		}
		sig = unix.Signal(bits.TrailingZeros64(above)) // the next tripped signal
		if err := runTripped(sig); err != nil {
			return err
		}
	}
	if atomic.LoadInt32(cTripped64) == 0 {
		return nil
	}
	return runTripped(nsig - 1)
}

// runTripped clears the flag of sig, which has tripped, and runs its
// handler.
func runTripped(sig unix.Signal) error {
	untrip(sig)
	h := loadHandler(sig)
	if h == nil || h == Default || h == Ignore {
		reportUnraisable(&UnraisableError{
			Msg: "Exception ignored while running signal handlers",
			Err: fmt.Errorf("%w: signal %d", ErrIgnoredSignal, int(sig)),
		})
		return nil
	}
	return callHandler(h, sig)
}

// handlerDepth counts the handlers running on the main thread, the only
// thread that runs them.
var handlerDepth int

// callHandler runs one handler, counted in handlerDepth.
func callHandler(h Handler, sig unix.Signal) error {
	handlerDepth++
	defer func() { handlerDepth-- }()
	return h.Handle(sig)
}

const wakeupErrMsg = "Exception ignored when trying to write to the signal wakeup fd"

// reportWakeupErrors hands each failed wakeup write the C handler queued to
// the unraisable hook, one report per failure and in order, as CPython does
// with one pending call per failure. Main thread only: it is the queue's one
// consumer.
func reportWakeupErrors() {
	for {
		tail := atomic.LoadUint32(cWakeupTail)
		if tail == atomic.LoadUint32(cWakeupHead) {
			break
		}
		slot := &cWakeupErrs[tail%wakeupQueue]
		e := atomic.LoadInt32(slot)
		if e == 0 {
			break // reserved, not yet written: the handler trips again after writing
		}
		atomic.StoreInt32(slot, 0)
		atomic.StoreUint32(cWakeupTail, tail+1)
		reportUnraisable(&UnraisableError{Msg: wakeupErrMsg, Err: &Error{"write", 0, unix.Errno(e)}})
	}
	// Beyond CPython, whose pending-call queue drops failures silently
	// when full: the overflow is counted and reported once.
	if atomic.LoadUint32(cWakeupDropped) != 0 {
		if n := atomic.SwapUint32(cWakeupDropped, 0); n != 0 {
			e := unix.Errno(atomic.LoadInt32(cWakeupDropE))
			reportUnraisable(&UnraisableError{Msg: wakeupErrMsg,
				Err: fmt.Errorf("%d more failed writes, not reported one by one (%d were already queued), the last: %w",
					n, wakeupQueue, &Error{"write", 0, e})})
		}
	}
}
