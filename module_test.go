//go:build linux && cgo

package pysignal

// Ports of CPython's ItimerTest, PendingSignalsTests, strsignal,
// valid_signals and pidfd_send_signal tests, for the rest of the signal
// module (timers.go, masks.go, send.go, names.go, sigwait.go).

import (
	"errors"
	"math"
	"os/exec"
	"runtime"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// CPython: ItimerTest.test_itimer_exc, plus negative durations.
func TestItimerErrors(t *testing.T) {
	// CPython's ItimerError is an *Error whose Op is setitimer or getitimer.
	itimerError := func(err error, op string) bool {
		var e *Error
		return errors.As(err, &e) && e.Op == op && errors.Is(err, unix.EINVAL)
	}
	if _, _, err := Setitimer(-1, time.Second, 0); !itimerError(err, "setitimer") {
		t.Errorf("Setitimer(-1): %v, want a setitimer *Error wrapping EINVAL", err)
	}
	if _, _, err := Getitimer(3); !itimerError(err, "getitimer") {
		t.Errorf("Getitimer(3): %v, want a getitimer *Error wrapping EINVAL", err)
	}
	// CPython 3.10-3.13: ItimerError(EINVAL) for negative values.
	for _, d := range [][2]time.Duration{{-time.Second, 0}, {time.Second, -1}} {
		if _, _, err := Setitimer(ItimerReal, d[0], d[1]); !itimerError(err, "setitimer") {
			t.Errorf("Setitimer(%v, %v): %v, want a setitimer *Error wrapping EINVAL", d[0], d[1], err)
		}
	}
	if s, i, err := Getitimer(ItimerReal); err != nil || s != 0 || i != 0 {
		t.Errorf("refused calls armed the timer: %v %v %v", s, i, err)
	}
}

// CPython: ItimerTest.test_itimer_real and test_setitimer_tiny (a 1 ns
// timer is rounded up to 1 µs, never down to "disarm").
func TestItimerReal(t *testing.T) {
	for _, first := range []time.Duration{20 * time.Millisecond, time.Nanosecond} {
		rec := newRecorder()
		own(t, alrm, rec)
		oldS, oldI, err := Setitimer(ItimerReal, first, 0)
		must(t, err)
		if oldS != 0 || oldI != 0 {
			t.Errorf("previous timer %v/%v, want disarmed", oldS, oldI)
		}
		rec.waitRun(t, "ITIMER_REAL "+first.String())
		if s, i, err := Getitimer(ItimerReal); err != nil || s != 0 || i != 0 {
			t.Errorf("after expiry Getitimer = %v, %v, %v; want 0, 0, nil", s, i, err)
		}
	}
}

// Setitimer returns the previous setting; Getitimer reads it back.
func TestSetitimerReturnsThePreviousSetting(t *testing.T) {
	own(t, alrm, newRecorder())
	_, _, err := Setitimer(ItimerReal, 10*time.Second, 5*time.Second)
	must(t, err)
	s, i, err := Getitimer(ItimerReal)
	must(t, err)
	if s <= 9*time.Second || s > 10*time.Second || i != 5*time.Second {
		t.Errorf("Getitimer = %v, %v; want about 10s, 5s", s, i)
	}
	oldS, oldI, err := Setitimer(ItimerReal, 0, 0)
	must(t, err)
	if oldS <= 9*time.Second || oldI != 5*time.Second {
		t.Errorf("Setitimer returned %v, %v; want about 10s, 5s", oldS, oldI)
	}
}

// CPython: ItimerTest.test_itimer_virtual. The timer counts the process's
// user CPU time; a spinning goroutine provides it.
func TestItimerVirtual(t *testing.T) {
	rec := newRecorder()
	own(t, unix.SIGVTALRM, rec)
	_, _, err := Setitimer(ItimerVirtual, 30*time.Millisecond, 20*time.Millisecond)
	must(t, err)
	t.Cleanup(func() { Setitimer(ItimerVirtual, 0, 0) })
	var stop atomic.Bool
	go func() { // burn user CPU time, which is what ITIMER_VIRTUAL counts
		for !stop.Load() {
		}
	}()
	rec.waitRun(t, "ITIMER_VIRTUAL")
	stop.Store(true)
	if _, i, err := Getitimer(ItimerVirtual); err != nil || i != 20*time.Millisecond {
		t.Errorf("Getitimer(ItimerVirtual) interval %v, %v; want 20ms", i, err)
	}
}

// CPython: ItimerTest.test_itimer_prof. SIGPROF belongs to the Go
// profiler, so the test checks the timer itself, not a handler. CPU-time
// timers are kept in scheduler ticks, so the value read back may exceed the
// one set by up to a tick.
func TestItimerProf(t *testing.T) {
	_, _, err := Setitimer(ItimerProf, 10*time.Second, time.Second)
	must(t, err)
	t.Cleanup(func() { Setitimer(ItimerProf, 0, 0) })
	s, i, err := Getitimer(ItimerProf)
	if err != nil || s <= 9*time.Second || s > 10*time.Second+20*time.Millisecond || i != time.Second {
		t.Errorf("Getitimer(ItimerProf) = %v, %v, %v", s, i, err)
	}
}

func TestAlarm(t *testing.T) {
	rec := newRecorder()
	own(t, alrm, rec)
	if prev, err := Alarm(100); prev != 0 || err != nil {
		t.Errorf("Alarm(100) = %d, %v; want 0 (no alarm before)", prev, err)
	}
	// 1<<32+1 would arm a 1 s alarm if truncated: refused, nothing changes.
	if prev, err := Alarm(1<<32 + 1); !errors.Is(err, ErrOverflow) || prev != 0 {
		t.Errorf("Alarm(1<<32+1) = %d, %v; want ErrOverflow", prev, err)
	}
	if prev, _ := Alarm(0); prev < 99 || prev > 100 {
		t.Errorf("Alarm(0) = %d, want the 100 s left on the cancelled alarm", prev)
	}
	Alarm(1)
	rec.waitRun(t, "alarm(1)")
}

// TestAlarmRounding: Alarm reports the previous alarm as alarm(2) does
// (arm64 has no alarm system call, so Alarm is written with setitimer):
// rounded to the nearest second, and at least 1 while any time is left.
func TestAlarmRounding(t *testing.T) {
	t.Cleanup(func() { Alarm(0) })
	for _, c := range []struct {
		left time.Duration
		want uint
	}{
		{2400 * time.Millisecond, 2},
		{2600 * time.Millisecond, 3},
		{200 * time.Millisecond, 1},
		{0, 0},
	} {
		if _, _, err := Setitimer(ItimerReal, c.left, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := Alarm(0); got != c.want {
			t.Errorf("with %v left, Alarm(0) = %d; want %d", c.left, got, c.want)
		}
	}
}

// CPython: signal.pause returns after a handler ran, or raises its error.
// pauseWchan is where a thread in Pause sleeps: arm64 has no pause(2), and
// x/sys makes the call with ppoll there.
var pauseWchan = "pause"

func init() {
	if runtime.GOARCH == "arm64" {
		pauseWchan = "poll"
	}
}

func TestPause(t *testing.T) {
	for _, fail := range []bool{false, true} {
		rec := newRecorder()
		if fail {
			rec.err = errTest
		}
		own(t, usr1, rec)
		go func() {
			if err := waitBlockedIn(MainThreadID(), pauseWchan); err != nil {
				t.Error(err) // and send the signal anyway, so Pause returns
			}
			unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
		}()
		err := onMain(Pause)
		if (fail && !errors.Is(err, errTest)) || (!fail && err != nil) || len(rec.runs()) != 1 {
			t.Errorf("handler error %v: Pause returned %v after %d handler runs", fail, err, len(rec.runs()))
		}
	}
}

// CPython: PendingSignalsTests.test_sigpending_empty, test_sigpending and
// test_pthread_sigmask: a signal raised while blocked is pending, its
// handler has not run, and unblocking runs it before PthreadSigmask returns.
func TestPthreadSigmaskAndSigpending(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	var empty, pending, oldBlock, oldUnblock []unix.Signal
	var runsBlocked, runsAfter int
	must(t, onMain(func() (err error) {
		if empty, err = Sigpending(); err != nil {
			return err
		}
		if oldBlock, err = PthreadSigmask(SigBlock, []unix.Signal{usr1}); err != nil {
			return err
		}
		if err := raise(usr1); err != nil {
			return err
		}
		runsBlocked = len(rec.runs())
		if pending, err = Sigpending(); err != nil {
			return err
		}
		if oldUnblock, err = PthreadSigmask(SigUnblock, []unix.Signal{usr1}); err != nil {
			return err
		}
		runsAfter = len(rec.runs())
		return nil
	}))
	if len(empty) != 0 {
		t.Errorf("Sigpending() = %v before anything was blocked, want empty", empty)
	}
	if slices.Contains(oldBlock, usr1) || !slices.Contains(oldUnblock, usr1) {
		t.Errorf("old masks %v then %v: want SIGUSR1 absent, then present", oldBlock, oldUnblock)
	}
	if !cmp.Equal(pending, []unix.Signal{usr1}) || runsBlocked != 0 || runsAfter != 1 {
		t.Errorf("pending %v, runs while blocked %d, after unblocking %d; want [SIGUSR1], 0, 1", pending, runsBlocked, runsAfter)
	}
}

// CPython: test_pthread_sigmask_arguments (and bad input).
func TestPthreadSigmaskArguments(t *testing.T) {
	if _, err := PthreadSigmask(SigBlock, nil); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("off the main thread: %v, want ErrNotMainThread", err)
	}
	cases := []struct {
		how  int
		set  []unix.Signal
		want error
	}{
		{1700, nil, unix.EINVAL},
		{SigBlock, []unix.Signal{0}, ErrInvalidSignal},
		{SigBlock, []unix.Signal{65}, ErrInvalidSignal},
		{SigBlock, []unix.Signal{unix.SIGURG}, ErrReservedSignal},
	}
	for _, c := range cases {
		err := onMain(func() error { _, err := PthreadSigmask(c.how, c.set); return err })
		if !errors.Is(err, c.want) {
			t.Errorf("PthreadSigmask(%d, %v): %v, want %v", c.how, c.set, err, c.want)
		}
	}
}

// CPython: test_pthread_sigmask_valid_signals, without the signals the
// Go runtime needs (refused).
func TestPthreadSigmaskValidSignals(t *testing.T) {
	var blockable []unix.Signal
	for _, sig := range ValidSignals() {
		if !reserved[sig] {
			blockable = append(blockable, sig)
		}
	}
	var old, during []unix.Signal
	must(t, onMain(func() (err error) {
		if old, err = PthreadSigmask(SigBlock, blockable); err != nil {
			return err
		}
		if during, err = PthreadSigmask(SigSetmask, old); err != nil {
			return err
		}
		return nil
	}))
	for _, sig := range blockable {
		if qemu != "" && sig >= 63 {
			t.Logf("%v not checked under %s: it keeps the host's signals 63 and 64 for itself", sig, qemu)
			continue
		}
		if sig != unix.SIGKILL && sig != unix.SIGSTOP && !slices.Contains(during, sig) {
			t.Errorf("%v was not blocked", sig)
		}
	}
}

// A process-directed signal blocked on the main thread is not held: the
// kernel delivers it to another thread, where the C handler trips the flag.
func TestBlockedOnMainProcessSignalGoesElsewhere(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	before := Deliveries(usr1)
	var delivered bool
	var pendingOnMain []unix.Signal
	must(t, onMain(func() (err error) {
		if _, err = PthreadSigmask(SigBlock, []unix.Signal{usr1}); err != nil {
			return err
		}
		if err = unix.Kill(unix.Getpid(), usr1); err != nil {
			return err
		}
		delivered = waitFor(func() bool { return Deliveries(usr1) > before })
		pendingOnMain, err = Sigpending()
		if _, uerr := PthreadSigmask(SigUnblock, []unix.Signal{usr1}); err == nil {
			err = uerr
		}
		return err
	}))
	if !delivered || len(pendingOnMain) != 0 {
		t.Errorf("delivered elsewhere %v, pending on main %v; want true and none", delivered, pendingOnMain)
	}
	if len(rec.runs()) != 1 {
		t.Errorf("handler ran %d times, want 1", len(rec.runs()))
	}
}

// CPython: test_pthread_kill (to the calling thread: the handler's error
// comes out of pthread_kill) and test_pthread_kill_main_thread.
func TestPthreadKill(t *testing.T) {
	rec := newRecorder()
	rec.err = errTest
	own(t, usr1, rec)
	if err := onMain(func() error { return PthreadKill(MainThreadID(), usr1) }); !errors.Is(err, errTest) {
		t.Errorf("PthreadKill to itself: %v, want the handler's error", err)
	}
	rec.setErr(nil)
	if err := PthreadKill(MainThreadID(), usr1); err != nil { // from a test goroutine
		t.Errorf("PthreadKill to the main thread: %v", err)
	}
	rec.waitRun(t, "PthreadKill to the main thread")
	rec.waitRun(t, "PthreadKill to the main thread") // the first run was the error's
	if threads := rec.threads(); threads[len(threads)-1] != MainThreadID() {
		t.Errorf("handler ran on thread %d", threads[len(threads)-1])
	}
	if err := PthreadKill(MainThreadID(), unix.SIGPROF); !errors.Is(err, ErrReservedSignal) {
		t.Errorf("PthreadKill(SIGPROF): %v", err)
	}
	if err := PthreadKill(-1, usr1); !errors.Is(err, unix.EINVAL) {
		t.Errorf("PthreadKill(-1): %v, want EINVAL", err)
	}
}

// CPython: test_sigwait, test_sigwaitinfo, test_sigtimedwait,
// test_sigtimedwait_poll, test_sigtimedwait_timeout,
// test_sigtimedwait_negative_timeout and test_sigwait_thread: a signal
// blocked on the main thread and sent to it by another thread is taken by
// the wait, and its handler never runs.
func TestSigwaitFamily(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	sendLater := func() {
		go func() {
			if waitBlockedIn(MainThreadID(), "sigtimedwait") == nil {
				unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
			}
		}()
	}
	var sig unix.Signal
	var info, polled SigInfo
	var ok, okPolled, okTimeout bool
	var waited time.Duration
	must(t, onMain(func() (err error) {
		if _, err = PthreadSigmask(SigBlock, []unix.Signal{usr1}); err != nil {
			return err
		}
		defer PthreadSigmask(SigUnblock, []unix.Signal{usr1})
		sendLater()
		if sig, err = Sigwait([]unix.Signal{usr1}); err != nil {
			return err
		}
		sendLater()
		if info, err = Sigwaitinfo([]unix.Signal{usr1}); err != nil {
			return err
		}
		sendLater()
		if _, ok, err = Sigtimedwait([]unix.Signal{usr1}, 10*time.Second); err != nil {
			return err
		}
		if err = raise(usr1); err != nil { // already pending: a zero timeout takes it
			return err
		}
		if polled, okPolled, err = Sigtimedwait([]unix.Signal{usr1}, 0); err != nil {
			return err
		}
		start := time.Now()
		_, okTimeout, err = Sigtimedwait([]unix.Signal{usr1}, 100*time.Millisecond)
		waited = time.Since(start)
		return err
	}))
	if sig != usr1 {
		t.Errorf("Sigwait = %v, want SIGUSR1", sig)
	}
	want := SigInfo{Signo: usr1, Code: siUser, Pid: int32(unix.Getpid()), UID: uint32(unix.Getuid())}
	if info.Signo != want.Signo || info.Code != want.Code || info.Pid != want.Pid || info.UID != want.UID || info.Errno != 0 {
		t.Errorf("Sigwaitinfo = %+v, want %+v", info, want)
	}
	if !ok || !okPolled || polled.Signo != usr1 {
		t.Errorf("Sigtimedwait ok %v; polled %v %+v", ok, okPolled, polled)
	}
	if okTimeout || waited < 100*time.Millisecond {
		t.Errorf("Sigtimedwait with nothing pending: ok %v after %v; want false after ≥ 100ms", okTimeout, waited)
	}
	if len(rec.runs()) != 0 {
		t.Errorf("the handler ran %d times for signals the waits took", len(rec.runs()))
	}
	if _, _, err := Sigtimedwait([]unix.Signal{usr1}, -time.Second); !errors.Is(err, ErrNegativeTimeout) {
		t.Errorf("negative timeout: %v", err)
	}
	for _, bad := range []unix.Signal{0, 65, unix.SIGURG} {
		if _, err := Sigwait([]unix.Signal{bad}); err == nil {
			t.Errorf("Sigwait([%d]) accepted", bad)
		}
	}
}

// CPython: PosixTests.test_valid_signals.
func TestValidSignals(t *testing.T) {
	valid := ValidSignals()
	if len(valid) != 62 || !slices.IsSorted(valid) {
		t.Fatalf("ValidSignals() has %d signals (sorted: %v), want 62", len(valid), slices.IsSorted(valid))
	}
	for _, sig := range []unix.Signal{1, unix.SIGINT, unix.SIGKILL, 31, 34, 64} {
		if !slices.Contains(valid, sig) {
			t.Errorf("ValidSignals() lacks %d", sig)
		}
	}
	for _, sig := range []unix.Signal{0, 32, 33, 65} {
		if slices.Contains(valid, sig) {
			t.Errorf("ValidSignals() has %d", sig)
		}
	}
}

// CPython: PosixTests.test_strsignal.
func TestStrsignal(t *testing.T) {
	// glibc's "Unknown signal 32" is CPython's None: "".
	for sig, want := range map[unix.Signal]string{unix.SIGINT: "Interrupt", usr1: "User defined signal 1", unix.SIGKILL: "Killed", 32: "", 33: "", 35: "Real-time signal 1"} {
		if got, err := Strsignal(sig); err != nil || got != want {
			t.Errorf("Strsignal(%d) = %q, %v; want %q", sig, got, err, want)
		}
	}
	for _, sig := range []unix.Signal{0, -1, 65} {
		if _, err := Strsignal(sig); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("Strsignal(%d): %v", sig, err)
		}
	}
}

// CPython: GenericTests.test_enums (the Signals enum, name <-> number).
func TestSignalNames(t *testing.T) {
	for _, sig := range ValidSignals() {
		name := SignalName(sig)
		back, err := SignalByName(name)
		if name == "" || err != nil || back != sig {
			t.Errorf("%d -> %q -> %d, %v", sig, name, back, err)
		}
	}
	for sig, want := range map[unix.Signal]string{unix.SIGINT: "SIGINT", 34: "SIGRTMIN", 35: "SIGRTMIN+1", 64: "SIGRTMAX", 32: "", 0: "", 65: ""} {
		if got := SignalName(sig); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", sig, got, want)
		}
	}
	for name, want := range map[string]unix.Signal{"SIGIOT": unix.SIGABRT, "SIGPOLL": unix.SIGIO, "SIGCLD": unix.SIGCHLD} {
		if got, err := SignalByName(name); err != nil || got != want {
			t.Errorf("SignalByName(%q) = %d, %v; want %d", name, got, err, want)
		}
	}
	for _, bad := range []string{"INT", "SIGNOPE", ""} {
		if _, err := SignalByName(bad); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("SignalByName(%q): %v", bad, err)
		}
	}
}

// CPython: PidfdSignalTest.test_pidfd_send_signal.
func TestPidfdSendSignal(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill() })
	pidfd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("pidfd_open is not available on this kernel")
	}
	must(t, err)
	defer unix.Close(pidfd)
	// As CPython: 0 probes, out of range is the kernel's EINVAL, flags
	// reach the kernel.
	if err := PidfdSendSignal(pidfd, 0, 0); err != nil {
		t.Errorf("PidfdSendSignal(0): %v", err)
	}
	if err := PidfdSendSignal(pidfd, 65, 0); !errors.Is(err, unix.EINVAL) {
		t.Errorf("PidfdSendSignal(65): %v, want EINVAL", err)
	}
	if err := PidfdSendSignal(pidfd, 0, -1); !errors.Is(err, unix.EINVAL) {
		t.Errorf("PidfdSendSignal(flags -1): %v, want EINVAL", err)
	}
	if err := PidfdSendSignal(-1, unix.SIGTERM, 0); !errors.Is(err, unix.EBADF) {
		t.Errorf("PidfdSendSignal(-1): %v, want EBADF", err)
	}
	must(t, PidfdSendSignal(pidfd, unix.SIGTERM, 0))
	ws := waitChild(t, cmd)
	if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child status %v, want killed by SIGTERM", ws)
	}
}

// A timeout near the largest Duration means "that long", never a negative
// (infinite or invalid) value after rounding: each call returns the ready fd.
func TestHugeTimeouts(t *testing.T) {
	r, w := pipe(t, 0)
	if _, err := unix.Write(w, []byte{1}); err != nil {
		t.Fatal(err)
	}
	const huge = time.Duration(math.MaxInt64)
	var set unix.FdSet
	set.Set(r)
	if n, err := Select(r+1, &set, nil, nil, huge); n != 1 || err != nil {
		t.Errorf("Select(MaxInt64) = %d, %v; want 1", n, err)
	}
	if n, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, huge); n != 1 || err != nil {
		t.Errorf("Poll(MaxInt64) = %d, %v; want 1", n, err)
	}
	if tv := ceilTimeval(huge); tv.Sec != math.MaxInt64/1000000000 || tv.Usec != 854776 {
		t.Errorf("ceilTimeval(MaxInt64) = %+v", tv)
	}
	if ms := ceilMillis(huge); ms != math.MaxInt32 {
		t.Errorf("ceilMillis(MaxInt64) = %d", ms)
	}
}
