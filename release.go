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
// The runtime keeps its own record of every signal (which os/signal
// channels want it, whether it is ignored, whether the runtime handles it)
// and acts on that record without looking at the kernel's disposition.
// pysignal changes only the kernel's disposition, for every kind of handler
// alike, and Release puts back the sigaction it found: the runtime's record
// is never touched, so os/signal.Notify registrations, a job-control signal
// the runtime leaves at SIG_DFL, or another library's handler come back
// exactly as they were.
//
// One exception: when a write to standard output or error fails with EPIPE,
// the runtime kills the program with SIGPIPE unless it believes SIGPIPE is
// ignored or wanted by os/signal. CPython reports EPIPE instead. So while
// pysignal ignores or handles SIGPIPE it registers a channel of its own with
// os/signal.Notify (which adds to the record and drops nothing), and
// Release stops it.
//
// The price: the runtime resets, in a forked child before exec, every signal
// it believes it handles, so an Ignore set through pysignal does not reach
// an exec'd child for those signals (it does for SIGTSTP, SIGTTIN, SIGTTOU
// and the others the runtime leaves alone). os/signal.Ignore would make it
// reach the child, but it also drops every Notify registration for the
// signal, which nothing can give back: a program that needs both calls
// os/signal.Ignore itself.

// pipeWanted is the channel that keeps the runtime from killing the program
// on EPIPE while pysignal ignores or handles SIGPIPE; pipeNotified says it
// is registered. Only the main thread uses them.
var (
	pipeWanted   = make(chan os.Signal, 1)
	pipeNotified bool
)

// syncRuntime, called by Signal after the kernel disposition is set, tells
// the Go runtime what it must believe about sig.
func syncRuntime(sig unix.Signal, kind int) error {
	if sig != unix.SIGPIPE || kind == dispDefault || pipeNotified || signal.Ignored(syscall.SIGPIPE) {
		return nil
	}
	signal.Notify(pipeWanted, syscall.SIGPIPE)
	pipeNotified = true
	// Notify installs the runtime's handler if the runtime was not
	// handling SIGPIPE: put the wanted disposition back.
	return setDisposition(sig, kind)
}

// Release hands sig back: it runs pending handlers (as Signal does), then
// puts back exactly the disposition (sigaction) the package found before it
// first changed sig, usually the Go runtime's handler, and forgets sig's
// handler. The runtime's record of sig was never changed (except for
// SIGPIPE, see syncRuntime, which Release undoes), so after it os/signal
// works for sig as before, Notify registrations made before Signal
// included, and GetSignal reports what is installed (nil for the runtime's
// handler). Ignore and handlers are released alike. Releasing a signal the
// package never changed does nothing. Release works only on the main thread
// (ErrNotMainThread). CPython has no counterpart (its closest is
// signal.signal(sig, SIG_DFL)); a Go program needs it because the runtime
// owns every signal first.
func Release(sig unix.Signal) error {
	if !onMainThread() {
		return &Error{"release", sig, ErrNotMainThread}
	}
	if err := checkOwnable("release", sig); err != nil {
		return err
	}
	if err := CheckSignals(); err != nil {
		return err
	}
	if err := restoreDisposition(sig); err != nil {
		return err
	}
	if sig == unix.SIGPIPE && pipeNotified {
		signal.Stop(pipeWanted)
		pipeNotified = false
	}
	handlers[sig].Store(nil)
	return nil
}
