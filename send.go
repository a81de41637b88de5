//go:build linux && cgo

package pysignal

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// PthreadKill sends sig to thread tid of this process and then runs
// CheckSignals: CPython's signal.pthread_kill. tid is a kernel thread id;
// MainThreadID gives the main thread's. Sent to the main thread from the
// main goroutine (which goes to the thread it runs on now), the handler
// has run when PthreadKill returns, and its error is PthreadKill's error.
//
// As in CPython, sig 0 only checks that the thread exists, and a number
// out of range reaches the kernel (EINVAL). A tid or number beyond 32 bits
// gives ErrOverflow (the kernel would truncate it and could signal another
// thread); the signals the Go runtime needs give ErrReservedSignal, as for
// RaiseSignal.
func PthreadKill(tid int, sig unix.Signal) error {
	if err := checkFits32("thread id", tid); err != nil {
		return &Error{"pthread_kill", sig, err}
	}
	if err := checkSendable("pthread_kill", sig); err != nil {
		return err
	}
	if err := tgkill(tid, sig); err != nil {
		return &Error{"pthread_kill", sig, err}
	}
	return CheckSignals()
}

// tgkill sends sig to thread tid. On the main goroutine, the main thread
// (MainThreadID) is the thread it runs on now, whatever the id it was
// given as: the signal is delivered before tgkill returns, as to CPython's
// main thread from itself.
func tgkill(tid int, sig unix.Signal) error {
	if !onMainThread() {
		return unix.Tgkill(processID, tid, sig)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if tid == MainThreadID() {
		tid = unix.Gettid()
	}
	return unix.Tgkill(processID, tid, sig)
}

// PidfdSendSignal sends sig to the process that pidfd refers to (from
// pidfd_open(2) or clone's CLONE_PIDFD): CPython's
// signal.pidfd_send_signal(pidfd, sig, None, flags). flags goes to the kernel
// as given (0, or PIDFD_SIGNAL_* where the kernel has them; EINVAL
// otherwise). CPython's siginfo argument accepts only None, so there is
// none here.
//
// Like kill(2), and as in CPython, every number goes to the kernel: 0 checks
// that the process exists, numbers out of range give EINVAL. A pidfd, sig or
// flags that does not fit a C int gives ErrOverflow, as in CPython.
func PidfdSendSignal(pidfd int, sig unix.Signal, flags int) error {
	for _, c := range []struct {
		what string
		n    int
	}{{"pidfd", pidfd}, {"signal", int(sig)}, {"flags", flags}} {
		if err := checkFits32(c.what, c.n); err != nil {
			return &Error{"pidfd_send_signal", sig, err}
		}
	}
	if err := unix.PidfdSendSignal(pidfd, sig, nil, int(uint32(flags))); err != nil {
		return &Error{"pidfd_send_signal", sig, err}
	}
	return nil
}
