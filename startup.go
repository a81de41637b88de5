//go:build linux && cgo

package pysignal

// MainContext's start-up: what CPython's interpreter does to the signal
// dispositions before it runs the main module.

/*
#include "startup.h"
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// started is what startup.c's constructor recorded before the Go runtime
// ran: each signal's disposition as the process was started with it.
var (
	started         = (*[nsig]uint8)(unsafe.Pointer(&C.pysig_started))
	startedRecorded = C.pysig_started_recorded != 0
)

func init() {
	if C.PYSIG_STARTED_NSIG != nsig {
		panic("pysignal: startup.h and startup.go disagree on NSIG")
	}
}

// InheritedSignal reports the disposition sig had when the process
// started, before the Go runtime replaced it: Default (SIG_DFL), Ignore
// (SIG_IGN, e.g. under nohup or sh -c "trap ” TERM; exec prog"), or nil
// for a handler that other C code installed before the Go runtime ran.
// CPython reads the same thing at start-up into the table that
// signal.getsignal reports, and keeps every inherited SIG_IGN; the Go
// runtime keeps one only for SIGHUP and SIGINT and installs its own handler
// for the others. MainContext keeps them ignored (see MainContext); a
// program that does not call it can ask here and call Signal(sig, Ignore)
// itself.
//
// The record is made by a C constructor of the package, which libc's
// start-up runs before the Go runtime: the system linker links every
// program importing pysignal (the default for a package with C files, and
// -buildmode=pie; -ldflags=-linkmode=internal cannot link it). Should the
// constructor not have run (a build this package does not know),
// InheritedSignal returns ErrNoStartupRecord rather than guess. Glibc's 32
// and 33 were never readable: nil and no error. Numbers outside 1..NSIG-1
// give ErrInvalidSignal.
func InheritedSignal(sig unix.Signal) (Handler, error) {
	if err := checkRange("inherited_signal", sig); err != nil {
		return nil, err
	}
	if !startedRecorded {
		return nil, &Error{"inherited_signal", sig, ErrNoStartupRecord}
	}
	switch started[sig] {
	case C.PYSIG_STARTED_DFL:
		return Default, nil
	case C.PYSIG_STARTED_IGN:
		return Ignore, nil
	}
	return nil, nil
}

// startup does what CPython's start-up does to the dispositions, in
// MainContext, before fn runs; a signal the program already set through
// the package (Signal, before MainContext) keeps its handler, as for
// SIGINT:
//
//   - Every signal the process started with ignored stays ignored (CPython
//     keeps every inherited SIG_IGN; the Go runtime replaced it with its
//     own handler), except those the package cannot own (the runtime's
//     own: difference 2), SIGRTMAX, which MainContext takes to interrupt
//     blocked calls, and SIGCHLD: ignoring it makes the kernel reap
//     children itself, and os/exec's Wait would fail (CPython's subprocess
//     copes with that; os/exec does not).
//   - SIGPIPE and SIGXFSZ are ignored, so a write to a closed pipe or past
//     the file size limit fails with EPIPE or EFBIG instead of killing the
//     process (CPython's BrokenPipeError, and exit status 1 when it goes
//     uncaught). For SIGPIPE this also stops the Go runtime from killing
//     the program on EPIPE to standard output (release.go).
//   - SIGINT gets DefaultIntHandler unless it is ignored.
//
// Each change goes through Signal, which keeps the Go runtime's record in
// step (design.md difference 11); Release gives the runtime's handler back.
func startup() error {
	if startedRecorded {
		for sig := unix.Signal(1); sig < nsig; sig++ {
			if started[sig] != C.PYSIG_STARTED_IGN || sig == unix.SIGCHLD || sig == interruptSignal ||
				sig == unix.SIGKILL || sig == unix.SIGSTOP || checkOwnable("signal", sig) != nil {
				continue
			}
			if err := ignoreUnlessSet(sig); err != nil {
				return err
			}
		}
	}
	for _, sig := range []unix.Signal{unix.SIGPIPE, unix.SIGXFSZ} {
		if err := ignoreUnlessSet(sig); err != nil {
			return err
		}
	}
	return takeSIGINT()
}

// ignoreUnlessSet ignores sig unless the program set its handler through
// the package, or it is ignored already.
func ignoreUnlessSet(sig unix.Signal) error {
	if loadHandler(sig) != nil {
		return nil
	}
	d, err := disposition(sig)
	if err != nil || d == dispIgnore {
		return err
	}
	_, err = Signal(sig, Ignore)
	return err
}

// takeSIGINT installs DefaultIntHandler for SIGINT as CPython's start-up
// does: not if SIGINT is ignored (CPython installs it only over SIG_DFL; in
// a Go program the runtime's handler stands where SIG_DFL was, and it
// leaves an ignored SIGINT ignored), nor over a handler the program set.
func takeSIGINT() error {
	if loadHandler(unix.SIGINT) != nil {
		return nil
	}
	d, err := disposition(unix.SIGINT)
	if err != nil || d == dispIgnore {
		return err
	}
	_, err = Signal(unix.SIGINT, DefaultIntHandler)
	return err
}
