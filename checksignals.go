//go:build linux && cgo

package pysignal

import (
	"fmt"
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
// it clears the "pending" flag, then, in ascending signal-number order, clears
// each tripped signal's flag and runs its handler. A signal whose handler has
// become Default or Ignore since it tripped is reported to the unraisable
// hook (ErrIgnoredSignal), never run. The first handler error stops the scan:
// the pending flag is set again so the remaining signals run at the next
// call, and the error is returned unchanged. A handler that panics leaves the
// remaining signals pending in the same way and the panic propagates.
//
// Handlers nest: a handler that makes a wrapped blocking call, or calls
// CheckSignals, runs the handlers of signals that arrive meanwhile, itself
// included. With MaxHandlerNesting handlers already running, CheckSignals
// runs nothing and returns ErrRecursion, leaving the signals pending for a
// check further out.
func CheckSignals() error {
	if atomic.LoadInt32(cIsTripped) == 0 {
		return nil
	}
	return runPending()
}

// runPending is CheckSignals' slow path.
func runPending() error {
	if !onMainThread() {
		return nil
	}
	if handlerDepth >= MaxHandlerNesting {
		return ErrRecursion // the pending flag stays set
	}
	// Clear the global flag first: a signal that arrives during the scan
	// sets it again, and at worst the next call scans for nothing.
	atomic.StoreInt32(cIsTripped, 0)
	reportWakeupErrors()
	// The flags two at a time (flag 0 is never set), then flag 64: one
	// load per pair halves the scan, most of this function's cost.
	for w := range cTrippedPairs {
		if atomic.LoadUint64(&cTrippedPairs[w]) == 0 {
			continue
		}
		for sig := unix.Signal(2 * w); sig < unix.Signal(2*w+2); sig++ {
			if err := runTripped(sig); err != nil {
				return err
			}
		}
	}
	return runTripped(nsig - 1)
}

// runTripped runs sig's handler if sig has tripped, clearing its flag.
func runTripped(sig unix.Signal) error {
	if atomic.LoadInt32(&cTripped[sig]) == 0 {
		return nil
	}
	atomic.StoreInt32(&cTripped[sig], 0)
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

// callHandler runs one handler. If it fails or panics, the pending flag is
// set again so the signals after it in the scan run at the next check.
func callHandler(h Handler, sig unix.Signal) (err error) {
	returned := false
	handlerDepth++
	defer func() {
		handlerDepth--
		if !returned || err != nil {
			atomic.StoreInt32(cIsTripped, 1)
		}
	}()
	err = h.Handle(sig)
	returned = true
	return err
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
