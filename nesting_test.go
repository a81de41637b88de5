//go:build linux && cgo

package pysignal

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// CPython clears is_tripped as a check starts: a check made inside a
// handler runs nothing unless a signal arrived after the outer pass began,
// and if one did it runs every tripped signal, the older ones too. Here
// SIGUSR1 and SIGUSR2 are pending together; SIGUSR1's handler checks, then
// trips SIGALRM (no check) and checks again. (The conformance scenario
// "nesting" compares the same rule with CPython through Signal,
// PthreadSigmask and RaiseSignal.)
func TestNestedCheckRunsOnlyAfterANewSignal(t *testing.T) {
	var log []string
	var inner [2]error
	rec := func(name string) Handler {
		return HandlerFunc(func(unix.Signal) error { log = append(log, name); return nil })
	}
	own(t, usr1, HandlerFunc(func(unix.Signal) error {
		log = append(log, "a-start")
		inner[0] = CheckSignals()
		log = append(log, "a-checked")
		tripSignal(alrm)
		inner[1] = CheckSignals()
		log = append(log, "a-end")
		return nil
	}))
	own(t, usr2, rec("b"))
	own(t, alrm, rec("c"))
	var outer error
	var after uint64
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(usr2, usr1); err != nil {
			return err
		}
		outer = CheckSignals()
		after = atomic.LoadUint64(cPending)
		return CheckSignals()
	}))
	want := []string{"a-start", "a-checked", "b", "c", "a-end"}
	if diff := cmp.Diff(want, log); diff != "" || outer != nil || inner != [2]error{} {
		t.Errorf("runs (-want +got):\n%s\nouter check %v, inner checks %v; want nil", diff, outer, inner)
	}
	if after&^pendingMore != 0 {
		t.Errorf("pending word %#x after the pass, want no signal left", after)
	}
}

// A handler that panics with signal 64 still pending behind it: 64 (bit 0)
// is not lost, the next check runs it. Before, bit 0 was cleared as the
// pass began, and nothing ever ran 64 again.
func TestHandlerPanicLeavesSignal64Pending(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	rec := newRecorder()
	own(t, usr1, HandlerFunc(func(unix.Signal) error { panic("handler panic") }))
	own(t, 64, rec)
	var recovered any
	var pending uint64
	var runsAfterPanic int
	must(t, onMain(func() error {
		tripSignal(64)
		tripSignal(usr1)
		func() {
			defer func() { recovered = recover() }()
			CheckSignals()
		}()
		pending, runsAfterPanic = atomic.LoadUint64(cPending), len(rec.runs())
		return CheckSignals()
	}))
	if recovered != "handler panic" || pending&pendingMore == 0 || runsAfterPanic != 0 {
		t.Errorf("recovered %v, pending word %#x, 64's runs %d after the panic; want the panic, bit 0 set, 0 runs",
			recovered, pending, runsAfterPanic)
	}
	if diff := cmp.Diff([]unix.Signal{64}, rec.runs()); diff != "" {
		t.Errorf("signal 64's runs (-want +got):\n%s", diff)
	}
}

// The same after a handler error, as CPython: the check that follows runs
// 64 once.
func TestHandlerErrorLeavesSignal64Pending(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	failing, rec := newRecorder(), newRecorder()
	failing.err = errTest
	own(t, usr1, failing)
	own(t, 64, rec)
	var first, second, third error
	var runs [2]int
	must(t, onMain(func() error {
		tripSignal(64)
		tripSignal(usr1)
		first = CheckSignals()
		runs[0] = len(rec.runs())
		second = CheckSignals()
		runs[1] = len(rec.runs())
		third = CheckSignals()
		return nil
	}))
	if !errors.Is(first, errTest) || second != nil || third != nil || runs != [2]int{0, 1} || len(rec.runs()) != 1 {
		t.Errorf("checks %v, %v, %v; 64's runs after the first two %v, in all %d; want errTest, nil, nil, [0 1], 1",
			first, second, third, runs, len(rec.runs()))
	}
}

// An unraisable hook that panics on the first of three queued wakeup-write
// errors: the panic propagates, and the other two are reported at the next
// check, with the handlers (CPython's pending calls go on after a failing
// hook; the reports are not lost).
func TestPanickingHookLeavesTheOtherWakeupErrors(t *testing.T) {
	rec := newRecorder()
	for _, sig := range []unix.Signal{usr1, usr2, alrm} {
		own(t, sig, rec)
	}
	r, _ := pipe(t, unix.O_NONBLOCK)
	setWakeup(t, r, true) // the read end: every write fails with EBADF
	var reports []error
	t.Cleanup(SetUnraisableHook(func(e *UnraisableError) {
		reports = append(reports, e)
		if len(reports) == 1 {
			panic("hook panic")
		}
	}))
	var recovered any
	var pending uint64
	var reportsAfterPanic int
	must(t, onMain(func() error {
		for _, sig := range []unix.Signal{usr1, usr2, alrm} {
			tripSignal(sig)
		}
		func() {
			defer func() { recovered = recover() }()
			CheckSignals()
		}()
		pending, reportsAfterPanic = atomic.LoadUint64(cPending), len(reports)
		return CheckSignals()
	}))
	if recovered != "hook panic" || reportsAfterPanic != 1 || pending&pendingMore == 0 {
		t.Errorf("recovered %v, %d reports, pending word %#x after the panic; want the hook's panic, 1, bit 0 set",
			recovered, reportsAfterPanic, pending)
	}
	if len(reports) != 3 {
		t.Fatalf("%d reports in all, want 3: %v", len(reports), reports)
	}
	for _, e := range reports {
		if !errors.Is(e, unix.EBADF) {
			t.Errorf("report %v, want a failed wakeup write (EBADF)", e)
		}
	}
	if diff := cmp.Diff([]unix.Signal{usr1, usr2, alrm}, rec.runs()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
}

// Under Main, a handler error in the idle loop with signal 64 tripped
// with it: the loop runs 64 at once, not at some later wake-up (before,
// bit 0 was gone and the loop slept with 64 tripped).
func TestMainIdleRunsSignal64AfterAHandlerError(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	hook := captureUnraisable(t)
	failing, rec := newRecorder(), newRecorder()
	failing.err = errTest
	own(t, usr1, failing)
	own(t, 64, rec)
	for round := 0; round < 5; round++ {
		Call(func() {
			tripSignal(64)
			tripSignal(usr1)
		})
		failing.waitRun(t, "the failing handler")
		rec.waitRun(t, "signal 64, tripped with the failing handler")
	}
	if n := len(hook.reports()); n != 5 {
		t.Errorf("%d unraisable reports, want 5", n)
	}
}

// InterruptOccurred inside a handler sees and clears a SIGINT the running
// pass has taken out of the pending word but not reached: SIGHUP (1) and
// SIGINT (2) pending together, SIGHUP's handler asks. SIGINT's handler then
// never runs, as CPython's PyOS_InterruptOccurred clears its flag.
func TestInterruptOccurredInsideAHandler(t *testing.T) {
	intr := newRecorder()
	var asked, askedAgain bool
	own(t, unix.SIGHUP, HandlerFunc(func(unix.Signal) error {
		asked = InterruptOccurred()
		askedAgain = InterruptOccurred()
		return nil
	}))
	own(t, unix.SIGINT, intr)
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(unix.SIGINT, unix.SIGHUP); err != nil {
			return err
		}
		if err := CheckSignals(); err != nil {
			return err
		}
		return CheckSignals()
	}))
	if !asked || askedAgain || len(intr.runs()) != 0 {
		t.Errorf("InterruptOccurred in SIGHUP's handler: %v then %v, SIGINT's handler ran %d times; want true, false, 0",
			asked, askedAgain, len(intr.runs()))
	}
}
