//go:build linux && cgo

package pysignal

/*
#include <signal.h>
#include <string.h>

// valid_signal reports whether glibc's full set contains sig: what
// sigfillset gives is CPython's valid_signals().
static int valid_signal(int sig) {
	sigset_t all;
	sigfillset(&all);
	return sigismember(&all, sig) == 1;
}
*/
import "C"

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Strsignal returns the system's description of sig ("Interrupt", "User
// defined signal 1", "Real-time signal 1"): CPython's signal.strsignal.
// A number the C library does not know (glibc's own 32 and 33, for which it
// says "Unknown signal 32") gives "" with no error, where CPython returns
// None. A number out of range gives ErrInvalidSignal.
func Strsignal(sig unix.Signal) (string, error) {
	if err := checkRange("strsignal", sig); err != nil {
		return "", err
	}
	// glibc (2.32 and later) returns its own constant strings for known
	// signals and a thread-local buffer for the others.
	s := C.GoString(C.strsignal(C.int(sig)))
	if strings.HasPrefix(s, "Unknown signal") {
		return "", nil
	}
	return s, nil
}

// ValidSignals returns every valid signal number on this platform, sorted:
// CPython's signal.valid_signals. On glibc Linux that is 1–31 and 34–64
// (32 and 33 are glibc's own).
func ValidSignals() []unix.Signal {
	var out []unix.Signal
	for sig := 1; sig < nsig; sig++ {
		if C.valid_signal(C.int(sig)) != 0 {
			out = append(out, unix.Signal(sig))
		}
	}
	return out
}

// SignalName returns sig's name, "SIGINT": the name of CPython's
// signal.Signals member. Real-time signals are named as offsets from glibc's
// SIGRTMIN (34) and SIGRTMAX (64): "SIGRTMIN", "SIGRTMIN+1", …, "SIGRTMAX",
// as glibc and kill -l name them; CPython's Signals has members only for
// SIGRTMIN and SIGRTMAX (docs/design.md, difference 16). A number with no
// name gives "".
func SignalName(sig unix.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	switch {
	case sig == SIGRTMIN:
		return "SIGRTMIN"
	case sig == SIGRTMAX:
		return "SIGRTMAX"
	case sig > SIGRTMIN && sig < SIGRTMAX:
		return fmt.Sprintf("SIGRTMIN+%d", sig-SIGRTMIN)
	}
	return ""
}

// aliases are the second names some signals have, which CPython's Signals
// accepts (signal.Signals["SIGIOT"] is SIGABRT) but never reports.
var aliases = map[string]unix.Signal{
	"SIGIOT":  unix.SIGABRT,
	"SIGPOLL": unix.SIGIO,
	"SIGCLD":  unix.SIGCHLD,
}

// SignalByName is SignalName's reverse: CPython's signal.Signals["SIGINT"].
// It also accepts the aliases SIGIOT, SIGPOLL and SIGCLD, as CPython does
// (SignalName gives the first names: SIGABRT, SIGIO, SIGCHLD). The "SIG"
// prefix is required; unknown names give ErrInvalidSignal.
func SignalByName(name string) (unix.Signal, error) {
	if sig, ok := aliases[name]; ok {
		return sig, nil
	}
	for sig := unix.Signal(1); sig < nsig && name != ""; sig++ {
		if SignalName(sig) == name {
			return sig, nil
		}
	}
	if !strings.HasPrefix(name, "SIG") {
		return 0, &Error{"signal_by_name", 0, fmt.Errorf("%w: %q (names start with SIG)", ErrInvalidSignal, name)}
	}
	return 0, &Error{"signal_by_name", 0, fmt.Errorf("%w: no signal named %q", ErrInvalidSignal, name)}
}
