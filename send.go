//go:build linux && cgo

package pysignal

import (
	"os"

	"golang.org/x/sys/unix"
)

// PthreadKill sends sig to thread tid of this process and then runs
// CheckSignals: CPython's signal.pthread_kill. tid is a kernel thread id;
// MainThreadID gives the main thread's. Sent to the main thread from the
// main thread, the handler has run when PthreadKill returns, and its error
// is PthreadKill's error. Signals the Go runtime needs are refused
// (ErrReservedSignal).
func PthreadKill(tid int, sig unix.Signal) error {
	if err := checkOwnable(sig); err != nil {
		return err
	}
	if err := unix.Tgkill(unix.Getpid(), tid, sig); err != nil {
		return os.NewSyscallError("tgkill", err)
	}
	return CheckSignals()
}

// PidfdSendSignal sends sig to the process that pidfd refers to (from
// pidfd_open(2) or clone's CLONE_PIDFD): CPython's signal.pidfd_send_signal
// with no siginfo and no flags. Signal numbers out of range give
// ErrInvalidSignal.
func PidfdSendSignal(pidfd int, sig unix.Signal) error {
	if err := checkRange(sig); err != nil {
		return err
	}
	if err := unix.PidfdSendSignal(pidfd, sig, nil, 0); err != nil {
		return os.NewSyscallError("pidfd_send_signal", err)
	}
	return nil
}
