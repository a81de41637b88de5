//go:build linux && cgo

package pysignal

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Keeping the Go runtime's view in step.
//
// The runtime keeps its own record of every signal and acts on it without
// looking at the kernel's disposition:
//
//   - When a write to standard output or error fails with EPIPE, it kills
//     the program with SIGPIPE unless it believes SIGPIPE is ignored (or
//     wanted by os/signal). CPython ignores SIGPIPE and reports EPIPE.
//   - In a forked child, before exec, it resets to SIG_DFL every signal it
//     believes it handles. POSIX keeps an ignored signal ignored across
//     exec, and CPython's children inherit its SIG_IGN.
//
// So Signal(sig, Ignore), and Signal(SIGPIPE, handler), also tell the
// runtime through os/signal.Ignore; Release undoes it.

// runtimeIgnored[sig] records that the package told the runtime to ignore
// sig. Only the main thread reads or writes it.
var runtimeIgnored [nsig]bool

// syncRuntime, called by Signal after the kernel disposition is set, tells
// the Go runtime what it must believe about sig.
func syncRuntime(sig unix.Signal, kind int) error {
	need := kind == dispIgnore || (sig == unix.SIGPIPE && kind == dispOurs)
	if !need || runtimeIgnored[sig] {
		return nil
	}
	// os/signal.Ignore also sets SIG_IGN in the kernel: put the wanted
	// disposition back right after.
	signal.Ignore(syscall.Signal(sig))
	runtimeIgnored[sig] = true
	return setDisposition(sig, kind)
}

// Release hands sig back: it runs pending handlers (as Signal does), then
// puts back the disposition the package found before it first changed sig,
// usually the Go runtime's handler, and the runtime's own record of it, and
// forgets sig's handler. After it, os/signal works for sig again, and
// GetSignal reports what is installed (nil for the runtime's handler).
// Releasing a signal the package never changed does nothing. Release works
// only on the main thread (ErrNotMainThread). CPython has no counterpart
// (its closest is signal.signal(sig, SIG_DFL)); a Go program needs it
// because the runtime owns every signal first.
func Release(sig unix.Signal) error {
	if !onMainThread() {
		return ErrNotMainThread
	}
	if err := checkOwnable(sig); err != nil {
		return err
	}
	if err := CheckSignals(); err != nil {
		return err
	}
	if runtimeIgnored[sig] {
		if err := releaseIgnored(sig); err != nil {
			return err
		}
	} else if err := restoreDisposition(sig); err != nil {
		return err
	}
	handlers[sig].Store(nil)
	return nil
}

// releaseIgnored gives sig back to a runtime that was told to ignore it.
// If the package found sig ignored, ignoring it is the state to keep.
// Otherwise os/signal.Notify clears the runtime's "ignored" mark and
// reinstalls its handler, remembering the kernel's current disposition as
// the one to forward to, and Stop leaves the runtime's default behaviour.
// The kernel disposition must therefore be SIG_DFL at that moment (what a
// Go program starts with), never the runtime's own handler, which it would
// then forward to itself.
func releaseIgnored(sig unix.Signal) error {
	if savedDisposition(sig) == dispIgnore {
		if err := setDisposition(sig, dispIgnore); err != nil {
			return err
		}
	} else {
		if err := setDisposition(sig, dispDefault); err != nil {
			return err
		}
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.Signal(sig))
		signal.Stop(c)
	}
	runtimeIgnored[sig] = false
	forgetDisposition(sig)
	return nil
}
