//go:build linux && cgo

package pysignal

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// usr1..alrm are the signals the tests own; each test restores them.
const (
	usr1 = unix.SIGUSR1
	usr2 = unix.SIGUSR2
	alrm = unix.SIGALRM
)

func TestMainThreadIsTheMainGoroutine(t *testing.T) {
	if onMainThread() {
		t.Fatal("a test goroutine claims to be the main goroutine")
	}
	var on bool
	var tid int
	Call(func() { on, tid = onMainThread(), unix.Gettid() })
	if !on {
		t.Fatal("Call did not run f on the main goroutine")
	}
	// Main keeps the main goroutine on one thread, and names it.
	if tid != MainThreadID() {
		t.Fatalf("Call ran f on thread %d, MainThreadID says %d", tid, MainThreadID())
	}
}

// CPython: PosixTests.test_out_of_range_signal_number_raises_error.
func TestOutOfRangeSignals(t *testing.T) {
	for _, sig := range []unix.Signal{0, -1, 65, 1000} {
		must(t, onMain(func() error {
			if _, err := Signal(sig, Ignore); !errors.Is(err, ErrInvalidSignal) {
				return errorf("Signal(%d): %v, want ErrInvalidSignal", sig, err)
			}
			if _, err := SetWakeupFD(-1, true); err != nil {
				return err
			}
			return nil
		}))
		if _, err := GetSignal(sig); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("GetSignal(%d): %v", sig, err)
		}
		if err := Siginterrupt(sig, true); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("Siginterrupt(%d): %v", sig, err)
		}
		if err := SetInterruptEx(sig); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("SetInterruptEx(%d): %v", sig, err)
		}
		// As CPython, RaiseSignal hands these to the kernel: 0 is the
		// "does it exist" probe, the others are EINVAL.
		if err := RaiseSignal(sig); (sig == 0 && err != nil) || (sig != 0 && !errors.Is(err, unix.EINVAL)) {
			t.Errorf("RaiseSignal(%d): %v", sig, err)
		}
		if n := Deliveries(sig); n != 0 {
			t.Errorf("Deliveries(%d) = %d", sig, n)
		}
	}
}

func TestReservedSignalsAreRefused(t *testing.T) {
	for _, sig := range []unix.Signal{unix.SIGURG, unix.SIGPROF, unix.SIGSEGV, unix.SIGBUS,
		unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, 32, 33} {
		before, err := GetSignal(sig)
		if err != nil || before != nil {
			t.Errorf("GetSignal(%v) = %v, %v; want nil, nil", sig, before, err)
		}
		flagsBefore, errBefore := saFlags(sig) // glibc refuses 32 and 33
		must(t, onMain(func() error {
			if _, err := Signal(sig, newRecorder()); !errors.Is(err, ErrReservedSignal) {
				return errorf("Signal(%v): %v, want ErrReservedSignal", sig, err)
			}
			return nil
		}))
		if err := Siginterrupt(sig, false); !errors.Is(err, ErrReservedSignal) {
			t.Errorf("Siginterrupt(%v): %v", sig, err)
		}
		if err := SetInterruptEx(sig); !errors.Is(err, ErrReservedSignal) {
			t.Errorf("SetInterruptEx(%v): %v", sig, err)
		}
		if err := RaiseSignal(sig); !errors.Is(err, ErrReservedSignal) {
			t.Errorf("RaiseSignal(%v): %v", sig, err)
		}
		flagsAfter, errAfter := saFlags(sig)
		if flagsAfter != flagsBefore || (errBefore == nil) != (errAfter == nil) {
			t.Errorf("%v changed: flags %#x (%v) -> %#x (%v)", sig, flagsBefore, errBefore, flagsAfter, errAfter)
		}
	}
}

// CPython: signal(SIGKILL, ...) fails with OSError EINVAL.
func TestKillAndStopGiveEINVAL(t *testing.T) {
	for _, sig := range []unix.Signal{unix.SIGKILL, unix.SIGSTOP} {
		err := onMain(func() error { _, err := Signal(sig, Ignore); return err })
		if !errors.Is(err, unix.EINVAL) {
			t.Errorf("Signal(%v): %v, want EINVAL", sig, err)
		}
		if h, _ := GetSignal(sig); h != Default {
			t.Errorf("GetSignal(%v) = %v after a refused Signal, want Default", sig, h)
		}
	}
}

// CPython: PosixTests.test_setting_signal_handler_to_none_raises_error.
func TestInvalidHandlers(t *testing.T) {
	before, err := GetSignal(usr1)
	must(t, err)
	for _, h := range []Handler{nil, HandlerFunc(nil), Disposition(7)} {
		err := onMain(func() error { _, err := Signal(usr1, h); return err })
		if !errors.Is(err, ErrInvalidHandler) {
			t.Errorf("Signal(SIGUSR1, %#v): %v, want ErrInvalidHandler", h, err)
		}
	}
	if after, _ := GetSignal(usr1); after != before {
		t.Errorf("a refused Signal changed the handler: %v -> %v", before, after)
	}
}

// CPython: PosixTests.test_getsignal, and the handler returned by signal().
func TestSignalAndGetSignalRoundTrip(t *testing.T) {
	if h, err := GetSignal(usr1); err != nil || h != nil {
		t.Fatalf("GetSignal(SIGUSR1) before any Signal = %v, %v; want nil (the Go runtime's handler)", h, err)
	}
	rec := newRecorder()
	t.Cleanup(func() { release(t, usr1) })
	steps := []struct {
		set     Handler
		wantOld Handler
	}{
		{rec, nil},
		{Ignore, rec},
		{Default, Ignore},
		{DefaultIntHandler, Default},
		{rec, DefaultIntHandler},
	}
	for _, s := range steps {
		var old Handler
		must(t, onMain(func() (err error) { old, err = Signal(usr1, s.set); return err }))
		if old != s.wantOld {
			t.Errorf("Signal(SIGUSR1, %v) returned old %v, want %v", s.set, old, s.wantOld)
		}
		if got, err := GetSignal(usr1); err != nil || got != s.set {
			t.Errorf("GetSignal after Signal(SIGUSR1, %v) = %v, %v", s.set, got, err)
		}
	}
}

func TestInstalledFlagsAndSiginterrupt(t *testing.T) {
	own(t, usr1, newRecorder())
	flags, err := saFlags(usr1)
	must(t, err)
	if flags&saOnStack == 0 || flags&saRestart != 0 {
		t.Fatalf("sa_flags %#x: want SA_ONSTACK and no SA_RESTART", flags)
	}
	must(t, Siginterrupt(usr1, false))
	if flags, _ := saFlags(usr1); flags&saRestart == 0 {
		t.Errorf("after Siginterrupt(false) sa_flags %#x lack SA_RESTART", flags)
	}
	must(t, Siginterrupt(usr1, true))
	if flags, _ := saFlags(usr1); flags&saRestart != 0 {
		t.Errorf("after Siginterrupt(true) sa_flags %#x have SA_RESTART", flags)
	}
	// As in CPython, installing a handler again resets the restart flag.
	must(t, Siginterrupt(usr1, false))
	own(t, usr1, newRecorder())
	if flags, _ := saFlags(usr1); flags&saRestart != 0 {
		t.Errorf("Signal did not reset SA_RESTART: sa_flags %#x", flags)
	}
}

// CPython: RaiseSignalTest.test_handler and test_sigint.
func TestRaiseSignalRunsTheHandlerBeforeReturning(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	before := Deliveries(usr1)
	var runsAtReturn []unix.Signal
	must(t, onMain(func() error {
		err := RaiseSignal(usr1)
		runsAtReturn = rec.runs()
		return err
	}))
	if diff := cmp.Diff([]unix.Signal{usr1}, runsAtReturn); diff != "" {
		t.Errorf("handler runs when RaiseSignal returned (-want +got):\n%s", diff)
	}
	if got := rec.threads(); got[0] != MainThreadID() {
		t.Errorf("handler ran on thread %d, want the main thread %d", got[0], MainThreadID())
	}
	if got := Deliveries(usr1) - before; got != 1 {
		t.Errorf("Deliveries rose by %d, want 1", got)
	}

	rec.err = errTest
	if err := onMain(func() error { return RaiseSignal(usr1) }); !errors.Is(err, errTest) {
		t.Errorf("RaiseSignal returned %v, want the handler's error", err)
	}

	own(t, unix.SIGINT, DefaultIntHandler)
	if err := onMain(func() error { return RaiseSignal(unix.SIGINT) }); !errors.Is(err, ErrKeyboardInterrupt) {
		t.Errorf("RaiseSignal(SIGINT) with DefaultIntHandler: %v, want ErrKeyboardInterrupt", err)
	}
}

// CPython (measured): a signal tripped before signal(U2, new) runs the old
// handler, and if it fails, signal() fails and changes nothing.
func TestSignalRunsPendingHandlersFirst(t *testing.T) {
	oldRec, newRec := newRecorder(), newRecorder()
	own(t, usr2, oldRec)
	must(t, onMain(func() error {
		if err := raise(usr2); err != nil { // trips, no CheckSignals
			return err
		}
		_, err := Signal(usr2, newRec)
		return err
	}))
	if len(oldRec.runs()) != 1 || len(newRec.runs()) != 0 {
		t.Fatalf("old handler ran %d times, new %d; want 1 and 0", len(oldRec.runs()), len(newRec.runs()))
	}

	newRec.err = errTest
	third := newRecorder()
	err := onMain(func() error {
		if err := raise(usr2); err != nil {
			return err
		}
		_, err := Signal(usr2, third)
		return err
	})
	if !errors.Is(err, errTest) {
		t.Fatalf("Signal returned %v, want the pending handler's error", err)
	}
	if h, _ := GetSignal(usr2); h != Handler(newRec) {
		t.Errorf("a Signal that failed changed the handler to %v", h)
	}
}

// CPython's main-thread rule: Signal and SetWakeupFD refuse other threads,
// CheckSignals runs nothing there, InterruptOccurred says false.
func TestNotMainThread(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	if _, err := Signal(usr1, Ignore); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("Signal from a test goroutine: %v, want ErrNotMainThread", err)
	}
	if h, _ := GetSignal(usr1); h != Handler(rec) {
		t.Errorf("a refused Signal changed the handler to %v", h)
	}
	_, w := pipe(t, unix.O_NONBLOCK)
	if _, err := SetWakeupFD(w, true); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("SetWakeupFD from a test goroutine: %v", err)
	}
	if fd := atomic.LoadInt32(cWakeupFD); fd != -1 {
		t.Errorf("a refused SetWakeupFD set the fd to %d", fd)
	}

	// The main thread trips SIGUSR1 (and SIGINT) and, while it is busy, another
	// thread checks: nothing may run there.
	own(t, unix.SIGINT, DefaultIntHandler)
	type result struct {
		err         error
		runs        int
		interrupted bool
	}
	var other result
	var stillTripped bool
	must(t, onMain(func() error {
		if err := raise(usr1); err != nil {
			return err
		}
		if err := raise(unix.SIGINT); err != nil {
			return err
		}
		done := make(chan result)
		go func() {
			err := CheckSignals()
			done <- result{err, len(rec.runs()), InterruptOccurred()}
		}()
		other = <-done
		stillTripped = isTripped(usr1) && isTripped(unix.SIGINT)
		if !InterruptOccurred() { // clears SIGINT without running its handler
			return errorf("InterruptOccurred on the main thread = false")
		}
		return CheckSignals()
	}))
	if other.err != nil || other.runs != 0 || other.interrupted {
		t.Errorf("CheckSignals off the main thread: err %v, handler runs %d, InterruptOccurred %v; want nil, 0, false",
			other.err, other.runs, other.interrupted)
	}
	if !stillTripped {
		t.Error("a CheckSignals off the main thread cleared the tripped flags")
	}
	if got := rec.runs(); len(got) != 1 {
		t.Errorf("the main thread's CheckSignals ran the handler %d times, want 1", len(got))
	}
}

// CPython: WakeupSignalTests.test_pending and test_signum. Three signals
// raised while blocked and unblocked together: the C handler writes the bytes
// in delivery order (lowest first, since handlers do not nest), and
// CheckSignals runs the handlers in ascending order.
func TestPendingSignalsOrderAndWakeupBytes(t *testing.T) {
	rec := newRecorder()
	for _, sig := range []unix.Signal{usr1, usr2, alrm} {
		own(t, sig, rec)
	}
	r, _ := wakeupPipe(t, true)
	d := [3]uint64{Deliveries(usr1), Deliveries(usr2), Deliveries(alrm)}
	var bytesBefore []byte
	var runsBefore []unix.Signal
	var tripped [3]bool
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(alrm, usr2, usr1); err != nil {
			return err
		}
		bytesBefore, runsBefore = drain(r), rec.runs()
		tripped = [3]bool{isTripped(usr1), isTripped(usr2), isTripped(alrm)}
		return CheckSignals()
	}))
	if diff := cmp.Diff([]byte{10, 12, 14}, bytesBefore); diff != "" {
		t.Errorf("wakeup bytes (-want +got):\n%s", diff)
	}
	if len(runsBefore) != 0 || tripped != [3]bool{true, true, true} {
		t.Errorf("before CheckSignals: runs %v, tripped %v; want none run, all tripped", runsBefore, tripped)
	}
	if diff := cmp.Diff([]unix.Signal{usr1, usr2, alrm}, rec.runs()); diff != "" {
		t.Errorf("handler order (-want +got):\n%s", diff)
	}
	got := [3]uint64{Deliveries(usr1) - d[0], Deliveries(usr2) - d[1], Deliveries(alrm) - d[2]}
	if got != [3]uint64{1, 1, 1} {
		t.Errorf("Deliveries rose by %v, want 1 each", got)
	}
}

// 22 owned signals pending at once, unblocked together: the handler runs on
// Go's 32 KiB signal stack and must not nest (sa_mask), or the process dies.
func TestManyPendingSignalsDoNotNest(t *testing.T) {
	rec := newRecorder()
	var sigs []unix.Signal
	for sig := unix.Signal(34); sig < 34+20; sig++ { // glibc's SIGRTMIN is 34
		sigs = append(sigs, sig)
	}
	sigs = append(sigs, usr1, usr2)
	for _, sig := range sigs {
		own(t, sig, rec)
	}
	r, _ := wakeupPipe(t, true)
	var bytes []byte
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(sigs...); err != nil {
			return err
		}
		bytes = drain(r)
		return CheckSignals()
	}))
	var want []unix.Signal
	var wantBytes []byte
	for sig := unix.Signal(1); sig < nsig; sig++ {
		for _, s := range sigs {
			if s == sig {
				want = append(want, sig)
				wantBytes = append(wantBytes, byte(sig))
			}
		}
	}
	if diff := cmp.Diff(want, rec.runs()); diff != "" {
		t.Errorf("handler runs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantBytes, bytes); diff != "" {
		t.Errorf("wakeup bytes (-want +got):\n%s", diff)
	}
}

// CPython: a failing handler re-trips the pending flag; the next handler runs
// at a later check, exactly once.
func TestHandlerErrorLeavesTheRestPending(t *testing.T) {
	failing, later := newRecorder(), newRecorder()
	failing.err = errTest
	own(t, usr1, failing)
	own(t, usr2, later)
	var first, second, third error
	var laterRuns [3]int
	var pendingAfterError bool
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(usr1, usr2); err != nil {
			return err
		}
		first = CheckSignals()
		laterRuns[0] = len(later.runs())
		pendingAfterError = atomic.LoadUint64(cPending) != 0
		second = CheckSignals()
		laterRuns[1] = len(later.runs())
		third = CheckSignals()
		laterRuns[2] = len(later.runs())
		return nil
	}))
	if !errors.Is(first, errTest) || second != nil || third != nil {
		t.Errorf("CheckSignals returned %v, %v, %v; want errTest, nil, nil", first, second, third)
	}
	if laterRuns != [3]int{0, 1, 1} || !pendingAfterError {
		t.Errorf("second handler runs after each check %v (want [0 1 1]); pending after the error: %v",
			laterRuns, pendingAfterError)
	}
	if n := len(failing.runs()); n != 1 {
		t.Errorf("failing handler ran %d times, want 1", n)
	}
}

func TestHandlerPanicLeavesTheRestPending(t *testing.T) {
	later := newRecorder()
	own(t, usr1, HandlerFunc(func(unix.Signal) error { panic("handler panic") }))
	own(t, usr2, later)
	var recovered any
	var runsAfterPanic int
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(usr1, usr2); err != nil {
			return err
		}
		func() {
			defer func() { recovered = recover() }()
			CheckSignals()
		}()
		runsAfterPanic = len(later.runs())
		return CheckSignals()
	}))
	if recovered != "handler panic" {
		t.Errorf("recovered %v, want the handler's panic", recovered)
	}
	if runsAfterPanic != 0 || len(later.runs()) != 1 {
		t.Errorf("second handler ran %d times during the panicking check and %d in all; want 0 and 1",
			runsAfterPanic, len(later.runs()))
	}
}

// CPython bpo-43406: a signal that tripped while its handler was being
// replaced by SIG_IGN/SIG_DFL is reported, not run and not lost silently.
func TestIgnoredDueToRaceIsReported(t *testing.T) {
	hook := captureUnraisable(t)
	own(t, usr1, Ignore)
	must(t, onMain(func() error {
		tripSignal(usr1) // as if the signal had landed just before Signal(…, Ignore)
		return CheckSignals()
	}))
	reports := hook.reports()
	if len(reports) != 1 || !errors.Is(reports[0], ErrIgnoredSignal) || !strings.Contains(reports[0].Error(), "signal 10") {
		t.Fatalf("unraisable reports %v, want one ErrIgnoredSignal for signal 10", reports)
	}
}

// CPython: WakeupSignalTests.test_wakeup_write_error. The read end of a pipe
// is a valid non-blocking fd that refuses writes with EBADF.
func TestWakeupWriteErrorIsReported(t *testing.T) {
	hook := captureUnraisable(t)
	rec := newRecorder()
	own(t, usr1, rec)
	r, _ := pipe(t, unix.O_NONBLOCK)
	setWakeup(t, r, true)
	must(t, onMain(func() error { return RaiseSignal(usr1) }))
	reports := hook.reports()
	if len(reports) != 1 || !errors.Is(reports[0], unix.EBADF) ||
		reports[0].Msg != "Exception ignored when trying to write to the signal wakeup fd" {
		t.Fatalf("unraisable reports %v, want one EBADF wakeup-write report", reports)
	}
	if len(rec.runs()) != 1 {
		t.Errorf("handler ran %d times, want 1", len(rec.runs()))
	}
}

// Each failed write is its own report, as CPython queues one pending call
// per failure: three signals delivered before one check give three reports;
// beyond the queue's 64 the rest are counted in one more report.
func TestWakeupWriteErrorsReportedOneEach(t *testing.T) {
	hook := captureUnraisable(t)
	own(t, usr1, newRecorder())
	own(t, usr2, newRecorder())
	own(t, alrm, newRecorder())
	r, _ := pipe(t, unix.O_NONBLOCK)
	setWakeup(t, r, true)
	must(t, onMain(func() error {
		if err := raisePendingThenUnblock(usr1, usr2, alrm); err != nil {
			return err
		}
		return CheckSignals()
	}))
	if reports := hook.reports(); len(reports) != 3 {
		t.Errorf("%d reports for three failed writes, want 3: %v", len(reports), reports)
	}
	// Overflow the queue: on the main thread, signals sent to itself with a
	// bare tgkill run the C handler with no check between them.
	must(t, onMain(func() error {
		for i := 0; i < wakeupQueue+5; i++ {
			if err := unix.Tgkill(unix.Getpid(), unix.Gettid(), usr1); err != nil {
				return err
			}
		}
		return CheckSignals()
	}))
	reports := hook.reports()[3:]
	if len(reports) != wakeupQueue+1 || !errors.Is(reports[0], unix.EBADF) ||
		!strings.Contains(reports[wakeupQueue].Error(), "5 more failed writes") || !errors.Is(reports[wakeupQueue], unix.EBADF) {
		t.Errorf("%d reports (last %v), want %d EBADF and one for the 5 more", len(reports), reports[len(reports)-1], wakeupQueue+1)
	}
}

// CPython: WakeupSocketSignalTests.test_warn_on_full_buffer.
func TestWakeupFullBuffer(t *testing.T) {
	for _, warn := range []bool{true, false} {
		hook := captureUnraisable(t)
		rec := newRecorder()
		own(t, usr1, rec)
		r, w := wakeupPipe(t, warn)
		for { // fill the pipe
			if _, err := unix.Write(w, make([]byte, 4096)); err == unix.EAGAIN {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		before := Deliveries(usr1)
		must(t, onMain(func() error { return RaiseSignal(usr1) }))
		reports := hook.reports()
		if warn && (len(reports) != 1 || !errors.Is(reports[0], unix.EAGAIN)) {
			t.Errorf("warn=true: reports %v, want one EAGAIN", reports)
		}
		if !warn && len(reports) != 0 {
			t.Errorf("warn=false: reports %v, want none", reports)
		}
		if len(rec.runs()) != 1 || Deliveries(usr1)-before != 1 {
			t.Errorf("warn=%v: handler runs %d, deliveries +%d; want 1 and 1", warn, len(rec.runs()), Deliveries(usr1)-before)
		}
		drain(r)
	}
}

// CPython: WakeupFDTests (invalid_fd, set_wakeup_fd_result, socket_result,
// set_wakeup_fd_blocking).
func TestSetWakeupFD(t *testing.T) {
	var lim unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	closedFD := int(lim.Cur) // can never be open
	blockingR, _ := pipe(t, 0)
	_, w1 := pipe(t, unix.O_NONBLOCK)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	t.Cleanup(func() { unix.Close(pair[0]); unix.Close(pair[1]) })

	must(t, onMain(func() error {
		for _, fd := range []int{-2, closedFD} {
			if _, err := SetWakeupFD(fd, true); !errors.Is(err, unix.EBADF) {
				return errorf("SetWakeupFD(%d): %v, want EBADF", fd, err)
			}
		}
		_, err := SetWakeupFD(blockingR, true)
		if !errors.Is(err, ErrBlockingFD) || !strings.Contains(err.Error(), "fd "+itoa(blockingR)+" is blocking") {
			return errorf("SetWakeupFD(blocking fd): %v, want ErrBlockingFD naming the fd", err)
		}
		if fd := atomic.LoadInt32(cWakeupFD); fd != -1 {
			return errorf("refused calls left the wakeup fd at %d", fd)
		}
		results := []int{}
		for _, fd := range []int{w1, pair[0], -1, -1} {
			old, err := SetWakeupFD(fd, true)
			if err != nil {
				return err
			}
			results = append(results, old)
		}
		if diff := cmp.Diff([]int{-1, w1, pair[0], -1}, results); diff != "" {
			return errorf("old fds (-want +got):\n%s", diff)
		}
		return nil
	}))

	// A socket works as a wakeup fd (WakeupSocketSignalTests.test_socket).
	rec := newRecorder()
	own(t, usr2, rec)
	setWakeup(t, pair[0], true)
	must(t, onMain(func() error { return RaiseSignal(usr2) }))
	if got := drain(pair[1]); !cmp.Equal(got, []byte{12}) {
		t.Errorf("socket wakeup bytes %v, want [12]", got)
	}
}

// CPython: PyErr_SetInterruptEx trips a handled signal (with its wakeup byte)
// and does nothing for SIG_DFL / SIG_IGN.
func TestSetInterruptEx(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	r, _ := wakeupPipe(t, true)
	before := Deliveries(usr1)
	var bytes []byte
	var runsBeforeCheck int
	must(t, onMain(func() error {
		if err := SetInterruptEx(usr1); err != nil {
			return err
		}
		bytes, runsBeforeCheck = drain(r), len(rec.runs())
		return CheckSignals()
	}))
	if !cmp.Equal(bytes, []byte{10}) || runsBeforeCheck != 0 || len(rec.runs()) != 1 {
		t.Errorf("SetInterruptEx: bytes %v, runs before/after check %d/%d; want [10], 0, 1",
			bytes, runsBeforeCheck, len(rec.runs()))
	}
	if Deliveries(usr1) != before {
		t.Errorf("SetInterruptEx counted as a delivery")
	}

	for _, h := range []Handler{Default, Ignore} {
		own(t, usr1, h)
		var tripped bool
		must(t, onMain(func() error {
			if err := SetInterruptEx(usr1); err != nil { // must not kill the process
				return err
			}
			tripped = isTripped(usr1)
			return CheckSignals()
		}))
		if tripped || len(drain(r)) != 0 {
			t.Errorf("SetInterruptEx with %v tripped the signal or wrote a byte", h)
		}
	}
}

// CPython: RaiseSignalTest._thread_interrupt_main (SetInterrupt ->
// KeyboardInterrupt), and PyOS_InterruptOccurred.
func TestSetInterruptAndInterruptOccurred(t *testing.T) {
	own(t, unix.SIGINT, DefaultIntHandler)
	if err := onMain(func() error {
		if err := SetInterrupt(); err != nil {
			return err
		}
		return CheckSignals()
	}); !errors.Is(err, ErrKeyboardInterrupt) {
		t.Errorf("SetInterrupt then CheckSignals: %v, want ErrKeyboardInterrupt", err)
	}
	var first, second bool
	var checkErr error
	must(t, onMain(func() error {
		if err := SetInterrupt(); err != nil {
			return err
		}
		first = InterruptOccurred()
		checkErr = CheckSignals()
		second = InterruptOccurred()
		return nil
	}))
	if !first || second || checkErr != nil {
		t.Errorf("InterruptOccurred %v then %v, CheckSignals %v; want true, false, nil (handler skipped)", first, second, checkErr)
	}
}

// A signal whose handler was never set through the package is the Go
// runtime's: from the program's side that is the default action, and
// CPython's interrupt_main does nothing for SIG_DFL. No trip, no byte, no
// "ignored due to race" report.
func TestSetInterruptExOnForeignHandler(t *testing.T) {
	hook := captureUnraisable(t)
	if h, _ := GetSignal(usr2); h != nil {
		t.Fatalf("SIGUSR2 has handler %v, want the Go runtime's (nil)", h)
	}
	must(t, onMain(func() error {
		if err := SetInterruptEx(usr2); err != nil {
			return err
		}
		if isTripped(usr2) {
			return errorf("SetInterruptEx tripped SIGUSR2")
		}
		return CheckSignals()
	}))
	if r := hook.reports(); len(r) != 0 {
		t.Errorf("reports %v, want none", r)
	}
}

func TestDeliveriesCountEveryRun(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	before := Deliveries(usr1)
	must(t, onMain(func() error {
		for i := 0; i < 5; i++ {
			if err := RaiseSignal(usr1); err != nil {
				return err
			}
		}
		return nil
	}))
	if got := Deliveries(usr1) - before; got != 5 || len(rec.runs()) != 5 {
		t.Errorf("deliveries +%d, handler runs %d; want 5 and 5", got, len(rec.runs()))
	}
}

// One check is one pass in ascending order, as CPython's loop over its
// tripped flags: each flag is cleared just before its handler runs. Here
// SIGUSR1's handler trips SIGHUP (below it: the next check), SIGUSR2 (still
// pending: it coalesces, one run) and 63 (above it: this pass); 64 was
// pending from the start and runs last. 63 and 64 sit at the two ends of
// the pending word, 64 in its shared bit 0.
func TestOneCheckIsOneAscendingPass(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	rec := newRecorder()
	var tripErr error
	first := HandlerFunc(func(sig unix.Signal) error {
		for _, s := range []unix.Signal{unix.SIGHUP, usr2, 63} {
			if err := SetInterruptEx(s); err != nil && tripErr == nil {
				tripErr = err
			}
		}
		return rec.Handle(sig)
	})
	own(t, usr1, first)
	for _, sig := range []unix.Signal{unix.SIGHUP, usr2, 63, 64} {
		own(t, sig, rec)
	}
	var firstPass, secondPass []unix.Signal
	var afterwards bool
	must(t, onMain(func() error {
		for _, sig := range []unix.Signal{64, usr2, usr1} {
			tripSignal(sig)
		}
		if err := CheckSignals(); err != nil {
			return err
		}
		firstPass = rec.runs()
		if err := CheckSignals(); err != nil {
			return err
		}
		secondPass = rec.runs()[len(firstPass):]
		afterwards = atomic.LoadUint64(cPending) != 0 || atomic.LoadInt32(cTripped64) != 0
		return tripErr
	}))
	if diff := cmp.Diff([]unix.Signal{usr1, usr2, 63, 64}, firstPass); diff != "" {
		t.Errorf("first check (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]unix.Signal{unix.SIGHUP}, secondPass); diff != "" {
		t.Errorf("second check (-want +got):\n%s", diff)
	}
	if afterwards {
		t.Errorf("pending word %#x, signal 64's flag %d after both checks; want both 0",
			atomic.LoadUint64(cPending), atomic.LoadInt32(cTripped64))
	}
}

// Bit 0 of the pending word stands for both signal 64 and a queued wakeup
// error: one check takes both, the report first, and leaves nothing.
func TestSignal64AndAWakeupErrorShareOneBit(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	rec := newRecorder()
	var reports []error
	var runsAtReport []int
	t.Cleanup(SetUnraisableHook(func(e *UnraisableError) {
		reports = append(reports, e)
		runsAtReport = append(runsAtReport, len(rec.runs()))
	}))
	own(t, 64, rec)
	r, _ := pipe(t, unix.O_NONBLOCK)
	setWakeup(t, r, true) // the read end: the handler's write fails with EBADF
	var pendingAfter uint64
	must(t, onMain(func() error {
		tripSignal(64)
		err := CheckSignals()
		pendingAfter = atomic.LoadUint64(cPending)
		return err
	}))
	if len(reports) != 1 || !errors.Is(reports[0], unix.EBADF) || runsAtReport[0] != 0 {
		t.Fatalf("unraisable reports %v (handler runs before each: %v), want one EBADF wakeup-write report before the handler", reports, runsAtReport)
	}
	if diff := cmp.Diff([]unix.Signal{64}, rec.runs()); diff != "" || pendingAfter != 0 {
		t.Errorf("runs (-want +got):\n%s; pending word after the check %#x, want 0", diff, pendingAfter)
	}
}
