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
// any thread but the main thread it runs nothing and returns nil, except on
// MainContext's fn goroutine, which takes an error raised in it (see
// MainContext). Otherwise
// it goes once through the tripped signals in ascending order, clearing each
// one's flag and running its handler. A signal whose handler has become
// Default or Ignore since it tripped is reported to the unraisable hook
// (ErrIgnoredSignal), never run. The first handler error ends the pass: the
// signals after it stay pending and run at the next call, and the error is
// returned unchanged. A handler that panics leaves the remaining signals
// pending in the same way and the panic propagates; so does an unraisable
// hook that panics.
//
// Handlers nest as CPython's: a check made inside a handler (CheckSignals,
// Signal, PthreadSigmask, RaiseSignal, a wrapped call after EINTR) runs
// nothing unless a signal has arrived since the outer pass began, or a
// nested handler failed. If one has, the nested check runs every tripped
// signal in ascending order, the older ones the outer pass has not reached
// yet included, and the outer pass then finds them done. With
// MaxHandlerNesting handlers already running, CheckSignals runs nothing and
// returns ErrRecursion, leaving the signals pending for a check further out.
func CheckSignals() error {
	if atomic.LoadUint64(cPending) == 0 {
		return nil
	}
	return checkPending() // protect.go
}

// stash holds the tripped flags a pass has taken out of the pending word
// and not yet run. CPython keeps one flag per signal and a separate
// is_tripped, which a check clears as it starts; here the pending word is
// both, so a pass moves the word into the stash with one atomic swap: the
// word is then 0 (is_tripped cleared) while the flags stay set. A signal
// is tripped while its bit is set in either. Main thread only, and 0
// whenever no pass runs: each pass puts back into the word what it leaves.
var stash uint64

// runPending is CheckSignals' slow path: one pass in ascending signal order,
// as CPython's. Each signal's flag is cleared (in the stash and the word)
// just before its handler runs, so a signal that trips again before its
// turn coalesces; one numbered above the running handler's that trips
// meanwhile runs in this pass, one below it at the next check. However the
// pass ends, what it has not run goes back into the word: after a handler
// error or a panic the rest runs at the next check, as CPython sets
// is_tripped again on failure.
func runPending() error {
	if !onMainThread() {
		return intr.takeRaised() // MainContext's fn takes an error raised in it
	}
	if handlerDepth >= MaxHandlerNesting {
		return ErrRecursion // the pending word stays as it is
	}
	stash |= atomic.SwapUint64(cPending, 0)
	defer putBack()
	// Bit 0 stays in the stash until signal 64 has run: a hook that panics
	// here, or a failing handler, leaves it for the next check.
	if stash&pendingMore != 0 {
		reportWakeupErrors()
	}
	for sig := unix.Signal(1); sig < nsig-1; sig++ {
		word := atomic.LoadUint64(cPending)
		above := (stash | word) >> sig << sig
		if above == 0 {
			break
		}
		sig = unix.Signal(bits.TrailingZeros64(above)) // the next tripped signal
		if bit := uint64(1) << sig; word&bit == 0 {
			stash &^= bit
		} else {
			takeFromWord(bit)
		}
		if err := runHandler(sig); err != nil {
			return err
		}
	}
	if (stash|atomic.LoadUint64(cPending))&pendingMore == 0 {
		return nil
	}
	if atomic.LoadInt32(cTripped64) != 0 {
		atomic.StoreInt32(cTripped64, 0)
		if err := runHandler(nsig - 1); err != nil {
			return err
		}
	}
	stash &^= pendingMore
	return nil
}

// takeFromWord clears bit, a signal that tripped after the pass began (it
// may be in the stash too), as CPython clears that one signal's flag and
// leaves is_tripped set: the word's other bits join the stash, and bit 0
// stays in the word, so that a check nested in this handler, or the next
// one, runs whatever is tripped. A bit 0 that finds nothing costs one
// check.
func takeFromWord(bit uint64) {
	stash |= atomic.SwapUint64(cPending, pendingMore)
	stash &^= bit
}

// putBack ends a pass: the flags it has not cleared go back into the word,
// so the next check runs them. The atomic OR is CPython's setting of
// is_tripped after a handler error. Bit 0 also goes back while an error
// raised in MainContext's fn waits to be taken (interrupter.go), so that
// CheckSignals' one load sees it there.
func putBack() {
	if intr.raised.Load() != nil {
		stash |= pendingMore // an error raised in MainContext's fn, still to take
	}
	if stash != 0 {
		atomic.OrUint64(cPending, stash)
		stash = 0
	}
}

// runHandler runs the handler of sig, whose flag the pass has just
// cleared.
func runHandler(sig unix.Signal) error {
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
