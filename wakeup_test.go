//go:build linux && cgo

package pysignal

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// pollWakeup waits up to 10 s for the wakeup pipe's read end, retrying EINTR
// as PEP 475 does, and returns how long it took and the bytes it holds.
func pollWakeup(r int) (time.Duration, []byte, error) {
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return time.Since(start), nil, errors.New("poll timed out: the wakeup fd never became readable")
		}
		fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		if n == 1 {
			return time.Since(start), drain(r), nil
		}
	}
}

// CPython: WakeupSignalTests.test_wakeup_fd_early. A signal that arrives
// before the wait leaves its byte, so the wait returns at once.
func TestWakeupFDEarly(t *testing.T) {
	rec := newRecorder()
	own(t, alrm, rec)
	r, _ := wakeupPipe(t, true)
	var bytes []byte
	var took time.Duration
	must(t, onMain(func() (err error) {
		if err := raise(alrm); err != nil { // before the wait; not yet handled
			return err
		}
		if took, bytes, err = pollWakeup(r); err != nil {
			return err
		}
		return CheckSignals()
	}))
	if !cmp.Equal(bytes, []byte{byte(alrm)}) || len(rec.runs()) != 1 {
		t.Errorf("bytes %v, handler runs %d; want [14] and 1", bytes, len(rec.runs()))
	}
	t.Logf("the wait returned after %v (signal sent before it began)", took)
}

// CPython: WakeupSignalTests.test_wakeup_fd_during. A signal sent to the
// main thread while it sleeps in poll wakes it through the wakeup fd.
func TestWakeupFDDuring(t *testing.T) {
	rec := newRecorder()
	own(t, alrm, rec)
	r, _ := wakeupPipe(t, true)
	sender := make(chan error, 1)
	go func() {
		if err := waitBlockedIn(MainThreadID(), "poll"); err != nil {
			sender <- err
			unix.Tgkill(unix.Getpid(), MainThreadID(), alrm) // end the wait anyway
			return
		}
		sender <- unix.Tgkill(unix.Getpid(), MainThreadID(), alrm)
	}()
	var bytes []byte
	must(t, onMain(func() (err error) {
		if _, bytes, err = pollWakeup(r); err != nil {
			return err
		}
		return CheckSignals()
	}))
	must(t, <-sender)
	if !cmp.Equal(bytes, []byte{byte(alrm)}) || len(rec.runs()) != 1 {
		t.Errorf("bytes %v, handler runs %d; want [14] and 1", bytes, len(rec.runs()))
	}
}

// CPython: WakeupSocketSignalTests.test_send_error. The wakeup socket's peer
// is gone: the write fails (EPIPE, and the kernel's SIGPIPE is harmless), the
// error is reported, and the handler still runs.
func TestWakeupSocketSendError(t *testing.T) {
	hook := captureUnraisable(t)
	rec := newRecorder()
	own(t, usr1, rec)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	t.Cleanup(func() { unix.Close(pair[0]) })
	must(t, unix.Close(pair[1]))
	setWakeup(t, pair[0], true)
	must(t, onMain(func() error { return RaiseSignal(usr1) }))
	reports := hook.reports()
	if len(reports) != 1 || !errors.Is(reports[0], unix.EPIPE) {
		t.Errorf("reports %v, want one EPIPE wakeup-write report", reports)
	}
	if len(rec.runs()) != 1 {
		t.Errorf("handler ran %d times, want 1", len(rec.runs()))
	}
}
