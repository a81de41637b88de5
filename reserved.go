//go:build linux && cgo

package pysignal

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// reserved lists the signals the Go runtime or glibc need.
var reserved = [nsig]bool{
	unix.SIGURG:  true,
	unix.SIGPROF: true,
	unix.SIGSEGV: true,
	unix.SIGBUS:  true,
	unix.SIGFPE:  true,
	unix.SIGILL:  true,
	unix.SIGTRAP: true,
	32:           true, // glibc SIGCANCEL
	33:           true, // glibc SIGSETXID
}

// checkRange rejects numbers outside 1..NSIG-1. A number beyond a C int is
// also ErrOverflow, CPython's OverflowError for it.
func checkRange(op string, sig unix.Signal) error {
	if sig >= 1 && sig < nsig {
		return nil
	}
	return rangeError(op, sig)
}

func rangeError(op string, sig unix.Signal) error {
	if err := checkFits32("signal", int(sig)); err != nil {
		return &Error{op, sig, fmt.Errorf("%w: %w", ErrInvalidSignal, err)}
	}
	return &Error{op, sig, ErrInvalidSignal}
}

// plainSignal is the common case of the checks below, small enough to be
// inlined into RaiseSignal and Signal: 1..63, not reserved. (64, the signal
// MainContext may take, goes through the full check.)
func plainSignal(sig unix.Signal) bool { return uint(sig-1) < nsig-2 && !reserved[sig] }

// checkOwnable rejects numbers out of range and signals the runtime needs.
func checkOwnable(op string, sig unix.Signal) error {
	if plainSignal(sig) {
		return nil
	}
	return ownableError(op, sig)
}

func ownableError(op string, sig unix.Signal) error {
	if err := checkRange(op, sig); err != nil {
		return err
	}
	if reserved[sig] {
		who := "the Go runtime"
		if sig == 32 || sig == 33 {
			who = "the C library (glibc)"
		}
		return &Error{op, sig, fmt.Errorf("%w: %s needs it; use another signal (SIGUSR1, SIGUSR2, SIGRTMIN+n)", ErrReservedSignal, who)}
	}
	if sig == interruptSignal && intr.owned.Load() {
		return &Error{op, sig, fmt.Errorf("%w: MainContext interrupts blocked calls with it; use another signal (SIGUSR1, SIGUSR2, SIGRTMIN+n)", ErrReservedSignal)}
	}
	return nil
}

// checkSendable is the check of RaiseSignal and PthreadKill. Like CPython,
// they hand 0 (the "does it exist" probe) and numbers out of range to the
// kernel, which answers EINVAL for the latter. Two kinds are refused: a
// number the kernel's int would truncate (ErrOverflow: 1<<32+2 must not
// become SIGINT), and the signals the Go runtime needs (ErrReservedSignal):
// a raised SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGTRAP crashes the program
// with the runtime's fatal-signal dump, glibc's 32 and 33 kill the process
// or corrupt glibc's set*id protocol, and a SIGURG or SIGPROF would be taken
// by the runtime as a preemption request or a profiling tick.
func checkSendable(op string, sig unix.Signal) error {
	if plainSignal(sig) {
		return nil
	}
	return sendableError(op, sig)
}

func sendableError(op string, sig unix.Signal) error {
	if sig >= 1 && sig < nsig {
		return ownableError(op, sig)
	}
	if err := checkFits32("signal", int(sig)); err != nil {
		return &Error{op, sig, err}
	}
	return nil
}

// checkFits32 refuses a number the kernel's 32-bit int would truncate.
func checkFits32(what string, n int) error {
	if n != int(int32(n)) {
		return fmt.Errorf("%w: %s %d does not fit a C int", ErrOverflow, what, n)
	}
	return nil
}
