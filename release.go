//go:build linux && cgo

package pysignal

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
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

// What the package holds. held[sig] is the kind Signal last installed plus
// one (0: the package does not hold sig); any thread reads it (GetSignal).
// savedIgnored[sig] is whether the runtime believed sig ignored when the
// package saved the disposition Release gives back (main thread only).
// replacedReported[sig] says the unraisable hook was told that sig's
// handler was replaced (once per Signal).
var (
	held             [nsig]atomic.Int32
	savedIgnored     [nsig]bool
	replacedReported [nsig]atomic.Bool
)

// heldAs returns the kind the package installed for sig, or -1 if it does
// not hold sig.
func heldAs(sig unix.Signal) int { return int(held[sig].Load()) - 1 }

// resnapshot, called by Signal before it installs a disposition, decides
// what Release will give back. Normally that is what the package found the
// first time; but if code outside the package set sig after the package did
// (os/signal.Ignore or Notify, a C library), the package found the signal
// in that code's hands and gives it back to it.
func resnapshot(sig unix.Signal) {
	if k := heldAs(sig); k >= 0 {
		if d, err := disposition(sig); err == nil && d != k {
			forgetSaved(sig)
		}
	}
	if !hasSaved(sig) {
		savedIgnored[sig] = signal.Ignored(syscall.Signal(sig))
	}
}

// hold records that Signal installed kind for sig.
func hold(sig unix.Signal, kind int) {
	held[sig].Store(int32(kind) + 1)
	replacedReported[sig].Store(false)
}

// syncRuntime, called by Signal after the kernel disposition is set, tells
// the Go runtime what it must believe about sig. It registers the SIGPIPE
// channel on every Signal(SIGPIPE, ...), not only the first: os/signal.Reset
// or Ignore may have dropped it since (Notify adds nothing when it is still
// registered).
func syncRuntime(sig unix.Signal, kind int) error {
	if sig != unix.SIGPIPE || kind == dispDefault || signal.Ignored(syscall.SIGPIPE) {
		return nil
	}
	signal.Notify(pipeWanted, syscall.SIGPIPE)
	pipeNotified = true
	// Notify installs the runtime's handler if the runtime was not
	// handling SIGPIPE: put the wanted disposition back.
	return setDisposition(sig, kind)
}

// Release hands sig back: it runs pending handlers (as Signal does), puts
// back the disposition the package found, and forgets sig's handler. What
// it puts back, and when it leaves the kernel alone:
//
//   - Normally, exactly the sigaction the package found before it first
//     changed sig, usually the Go runtime's handler. The runtime's record of
//     sig was never changed (except for SIGPIPE, see syncRuntime, which
//     Release undoes), so os/signal works for sig as before, Notify
//     registrations made before Signal included.
//   - If code outside the package set sig after the package did
//     (os/signal.Ignore, os/signal.Notify after os/signal.Ignore, a C
//     library's sigaction), that disposition is its owner's: Release leaves
//     it in place. A handler replaced this way is reported to the unraisable
//     hook (ErrHandlerReplaced) unless that was done already.
//   - If os/signal.Ignore was called while the package ignored sig, the
//     runtime now expects SIG_IGN, which is installed: it stays.
//   - If the runtime had sig ignored when the package took it and no longer
//     does, but the package's disposition is still installed, the
//     disposition the runtime expects cannot be known: Release refuses with
//     an *Error wrapping ErrRuntimeChanged and changes nothing.
//
// In every case GetSignal then reports what is installed (nil for the
// runtime's handler). Ignore and handlers are released alike. Releasing a
// signal the package does not hold does nothing. Release works only on the
// main thread (ErrNotMainThread). CPython has no counterpart (its closest is
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
	checkReplaced()
	k := heldAs(sig)
	if k < 0 || !hasSaved(sig) {
		forgetSignal(sig)
		return nil
	}
	d, err := disposition(sig)
	if err != nil {
		return err
	}
	ignored := signal.Ignored(syscall.Signal(sig))
	switch {
	case d != k:
		// Somebody else's now: leave it.
	case ignored && !savedIgnored[sig]:
		// os/signal.Ignore after Signal(sig, Ignore): SIG_IGN stays.
	case !ignored && savedIgnored[sig]:
		return &Error{"release", sig, ErrRuntimeChanged}
	default:
		if err := restoreDisposition(sig); err != nil {
			return err
		}
		if sig == interruptSignal {
			intr.nudgeOff() // the runtime's handler is back: it is not ours to take
		}
	}
	forgetSignal(sig)
	return nil
}

// forgetSignal drops everything the package holds for sig (its handler,
// the saved disposition, SIGPIPE's channel) without touching the kernel.
// Main thread only.
func forgetSignal(sig unix.Signal) {
	forgetSaved(sig)
	if sig == unix.SIGPIPE && pipeNotified {
		signal.Stop(pipeWanted)
		pipeNotified = false
	}
	held[sig].Store(0)
	handlers[sig].Store(nil)
}

// checkReplaced reports to the unraisable hook, once each, the signals the
// package holds whose handler code outside the package has replaced (see
// ErrHandlerReplaced). It costs one sigaction system call per signal held,
// so it runs only where the package already makes system calls: Signal and
// Release (and GetSignal, for its own signal). Main thread only.
func checkReplaced() {
	for sig := unix.Signal(1); sig < nsig; sig++ {
		if heldAs(sig) < 0 || replacedReported[sig].Load() {
			continue
		}
		if d, err := disposition(sig); err == nil && d == dispOther {
			reportReplaced(sig)
		}
	}
}

// reportReplaced tells the unraisable hook, once per Signal, that sig's
// handler was replaced.
func reportReplaced(sig unix.Signal) {
	if replacedReported[sig].CompareAndSwap(false, true) {
		reportUnraisable(&UnraisableError{
			Msg: "Exception ignored while checking the handler of " + sigName(sig),
			Err: replacedError("sigaction", sig),
		})
	}
}

// replacedError describes sig's replaced handler.
func replacedError(op string, sig unix.Signal) error {
	what := "what Signal set no longer holds"
	if heldAs(sig) == dispOurs {
		what = "the Go handler no longer runs"
	}
	return &Error{op, sig, fmt.Errorf("%w (another handler is installed: %s; Signal takes the signal back, Release leaves it)", ErrHandlerReplaced, what)}
}

// sigName names sig as "SIGUSR2", or by number.
func sigName(sig unix.Signal) string {
	if name := SignalName(sig); name != "" {
		return name
	}
	return "signal " + strconv.Itoa(int(sig))
}
