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

// checkRange rejects numbers outside 1..NSIG-1.
func checkRange(sig unix.Signal) error {
	if sig < 1 || sig >= nsig {
		return fmt.Errorf("%w: %d", ErrInvalidSignal, int(sig))
	}
	return nil
}

// checkOwnable rejects numbers out of range and signals the runtime needs.
func checkOwnable(sig unix.Signal) error {
	if err := checkRange(sig); err != nil {
		return err
	}
	if reserved[sig] {
		return fmt.Errorf("%w: %d (%v)", ErrReservedSignal, int(sig), sig)
	}
	if sig == interruptSignal && interruptOwned.Load() {
		return fmt.Errorf("%w: %d (MainContext interrupts blocked calls with it)", ErrReservedSignal, int(sig))
	}
	return nil
}
