//go:build linux && cgo

package pysignal

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// handlerBox holds one Handler; the table stores pointers to boxes so that
// any goroutine can read an entry while the main thread replaces it.
type handlerBox struct{ h Handler }

// handlers[sig] is the handler last set with Signal (CPython: Handlers[sig].func).
var handlers [nsig]atomic.Pointer[handlerBox]

func loadHandler(sig unix.Signal) Handler {
	if b := handlers[sig].Load(); b != nil {
		return b.h
	}
	return nil
}

// Signal sets the handler for sig and returns the previous one: CPython's
// signal.signal. h is Default, Ignore, or any non-nil Handler, which then
// runs on the main thread at the next CheckSignals after sig arrives.
//
// As in CPython, Signal works only on the main thread (ErrNotMainThread),
// and it first runs pending handlers (CheckSignals), with the old handlers;
// if one fails, Signal returns that error and changes nothing. The previous
// handler is reported as GetSignal would have: nil if the disposition was
// not set through this package.
//
// The C handler is installed with SA_ONSTACK, a full sa_mask and no
// SA_RESTART, so blocking calls on the thread that takes the signal fail
// with EINTR. Like CPython, Signal resets an earlier Siginterrupt(sig, false).
// While the package's handler is installed, os/signal.Notify channels do not
// receive sig; Release hands it back.
//
// Signal changes only the kernel's disposition, never the Go runtime's
// record of sig (os/signal.Notify registrations stay; Release gives sig
// back exactly). So Ignore reaches an exec'd child only for the signals the
// runtime leaves alone (SIGTSTP, SIGTTIN, SIGTTOU, ...): the runtime resets
// the others to SIG_DFL in the forked child; a program that needs more
// calls os/signal.Ignore itself (release.go). For SIGPIPE, Ignore and
// handlers also stop the runtime from killing the program when a write to
// standard output or error fails with EPIPE, as in CPython (the write
// reports EPIPE instead): the package registers a channel of its own with
// os/signal.Notify, so os/signal.Reset(SIGPIPE) or Reset() undoes that as
// it undoes every Notify. The kernel still ignores or handles SIGPIPE (and
// GetSignal says so), but EPIPE on standard output or error kills again
// until the next Signal(SIGPIPE, ...), which registers the channel again. Ignoring SIGCHLD makes the kernel reap children
// itself, and os/exec's Wait then fails: CPython allows it too.
//
// The first Signal that sets a Handler also takes SIGRTMAX, if nothing
// else holds it, to nudge the main goroutine's wrapped call when another
// thread takes a signal; setting SIGRTMAX itself works as for any signal
// (docs/design.md, difference 22).
//
// Errors, each an *Error naming the operation and sig: ErrInvalidSignal,
// ErrReservedSignal, ErrInvalidHandler, ErrNotMainThread, and unix.EINVAL
// (from sigaction) for SIGKILL and SIGSTOP. A refused call changes nothing.
func Signal(sig unix.Signal, h Handler) (old Handler, err error) {
	if !onMainThread() {
		return nil, &Error{"signal", sig, ErrNotMainThread}
	}
	if err := checkOwnable("signal", sig); err != nil {
		return nil, err
	}
	kind, err := kindOf(h)
	if err != nil {
		return nil, &Error{"signal", sig, err}
	}
	if err := CheckSignals(); err != nil {
		return nil, err
	}
	checkReplaced()
	if old, _, err = getSignal(sig); err != nil {
		return nil, err
	}
	resnapshot(sig)
	switch {
	case kind == dispOurs:
		intr.takeNudge()
	case sig == interruptSignal:
		intr.nudgeOff() // Default or Ignore, as asked
	}
	if err := setDisposition(sig, kind); err != nil {
		return nil, err
	}
	if err := syncRuntime(sig, kind); err != nil {
		return nil, err
	}
	infoSeen[sig].Store(Deliveries(sig)) // HandlerInfoFunc counts from here
	handlers[sig].Store(&handlerBox{h})
	hold(sig, kind)
	return old, nil
}

// kindOf maps a Handler to the disposition the kernel gets.
func kindOf(h Handler) (int, error) {
	switch h := h.(type) {
	case nil:
		return 0, ErrInvalidHandler
	case HandlerFunc:
		if h == nil {
			return 0, ErrInvalidHandler
		}
	case Disposition:
		switch h {
		case Default:
			return dispDefault, nil
		case Ignore:
			return dispIgnore, nil
		}
		return 0, fmt.Errorf("%w: unknown Disposition %d", ErrInvalidHandler, int(h))
	}
	return dispOurs, nil
}

// GetSignal returns the current handler for sig: CPython's signal.getsignal.
// It reads the kernel's disposition each time, so it reports the truth even
// if other code replaced the handler behind the package's back: Default for
// SIG_DFL, Ignore for SIG_IGN, the Handler given to Signal while the
// package's C handler is installed, and nil for a handler the package did not
// install (the Go runtime's, usually; CPython's None). Signals the package
// refuses to own (ErrReservedSignal) always give nil. It may be called from
// any thread.
//
// When the package holds sig (Signal was called and Release was not) and
// the kernel now holds a handler function that is not the package's (a C
// library called sigaction, or os/signal.Notify reinstalled the runtime's
// handler after os/signal.Ignore), the Go handler no longer runs: GetSignal
// returns nil and an *Error wrapping ErrHandlerReplaced, and on the main
// thread it also reports that once to the unraisable hook (see
// SetUnraisableHook). CPython's getsignal, which does not look at the
// kernel, would still return the handler.
func GetSignal(sig unix.Signal) (Handler, error) {
	h, replaced, err := getSignal(sig)
	if err != nil {
		return nil, err
	}
	if replaced {
		if onMainThread() {
			reportReplaced(sig)
		}
		return nil, replacedError("getsignal", sig)
	}
	return h, nil
}

// getSignal is GetSignal without the error for a replaced handler:
// replaced says the package holds sig but the kernel holds somebody else's
// handler function.
func getSignal(sig unix.Signal) (h Handler, replaced bool, err error) {
	if err := checkRange("getsignal", sig); err != nil {
		return nil, false, err
	}
	if reserved[sig] {
		return nil, false, nil // glibc will not even show 32 and 33
	}
	d, err := disposition(sig)
	if err != nil {
		return nil, false, err
	}
	switch d {
	case dispDefault:
		return Default, false, nil
	case dispIgnore:
		return Ignore, false, nil
	case dispOurs:
		return loadHandler(sig), false, nil
	}
	return nil, heldAs(sig) >= 0, nil
}

// SetWakeupFD sets the wakeup fd: CPython's signal.set_wakeup_fd. From now
// on the C handler writes each signal's number, as one byte, to fd. fd -1
// disables it. fd must be valid (else EBADF, wrapped) and in non-blocking
// mode (else ErrBlockingFD, naming the fd). A pipe or a socket will do (an
// eventfd will not: it refuses one-byte writes). SetWakeupFD works only on
// the main thread. It returns the previous fd (-1 if none); on error nothing
// changes and old is -1. When it returns, no handler writes to the previous
// fd any more: it may be closed at once.
//
// An fd beyond 32 bits gives ErrOverflow (the kernel would truncate it).
//
// Each failed write is handed to the unraisable hook at the next
// CheckSignals, one report per failure and in order, as CPython does,
// except a full buffer (EAGAIN) when warnOnFullBuffer is false. Beyond 64
// failures waiting to be reported, the rest come in one more report that
// counts them (CPython drops them).
//
// Unlike CPython, a socket is written with send(2) and MSG_NOSIGNAL: a peer
// that is gone gives EPIPE, reported, and no SIGPIPE (in CPython a SIGPIPE
// handler then livelocks the process). A pipe cannot be written without
// SIGPIPE once its read end is closed, so the handler disables (-1) such a
// wakeup fd at its first EPIPE, also reported.
func SetWakeupFD(fd int, warnOnFullBuffer bool) (old int, err error) {
	if err := checkFits32("fd", fd); err != nil {
		return -1, &Error{"set_wakeup_fd", 0, err}
	}
	if !onMainThread() {
		return -1, &Error{"set_wakeup_fd", 0, ErrNotMainThread}
	}
	var id fileID
	var socket bool
	if fd < -1 { // as CPython; a number too large was refused above
		return -1, &Error{"set_wakeup_fd", 0, fmt.Errorf("fstat: %w", unix.EBADF)}
	}
	if fd != -1 {
		if id, socket, err = identify(fd); err != nil {
			return -1, &Error{"set_wakeup_fd", 0, fmt.Errorf("fstat: %w", err)}
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil {
			return -1, &Error{"set_wakeup_fd", 0, fmt.Errorf("fcntl: %w", err)}
		}
		if flags&unix.O_NONBLOCK == 0 {
			return -1, &Error{"set_wakeup_fd", 0, fmt.Errorf("%w: fd %d is blocking (unix.SetNonblock(%d, true) makes it non-blocking)", ErrBlockingFD, fd, fd)}
		}
	}
	return installWakeupFD(fd, warnOnFullBuffer, id, socket), nil
}

// Siginterrupt changes sig's restart behaviour: CPython's
// signal.siginterrupt. With flag true (the default after Signal), a
// blocking system call interrupted by sig fails with EINTR; with flag false
// the kernel restarts it (SA_RESTART) and the handler runs at the next
// CheckSignals after the call. It modifies whatever handler is installed and
// may be called from any thread. The next Signal(sig, ...) resets it, as in
// CPython.
func Siginterrupt(sig unix.Signal, flag bool) error {
	if err := checkOwnable("siginterrupt", sig); err != nil {
		return err
	}
	return siginterrupt(sig, flag)
}

// SetInterruptEx simulates the arrival of sig without sending it:
// CPython's PyErr_SetInterruptEx (Python's _thread.interrupt_main). If sig's
// handler is Default or Ignore it does nothing (it never terminates or stops
// the process), and so for a handler not set through the package (GetSignal
// gives nil: normally the Go runtime's, the program's default). Otherwise it
// trips sig as the C handler would, writing the wakeup byte, and the handler
// runs at the next CheckSignals on the main thread. Deliveries does not count
// it. Callable from any thread.
func SetInterruptEx(sig unix.Signal) error {
	if err := checkOwnable("set_interrupt_ex", sig); err != nil {
		return err
	}
	h, _, err := getSignal(sig) // a replaced handler counts as not ours
	if err != nil {
		return err
	}
	if h == nil || h == Default || h == Ignore {
		return nil
	}
	tripSignal(sig)
	return nil
}

// SetInterrupt is SetInterruptEx(SIGINT): CPython's PyErr_SetInterrupt.
func SetInterrupt() error { return SetInterruptEx(unix.SIGINT) }

// InterruptOccurred reports whether SIGINT has tripped, and clears it
// without running its handler: CPython's PyOS_InterruptOccurred. It returns
// false on any thread but the main thread.
func InterruptOccurred() bool {
	if !isTripped(unix.SIGINT) || !onMainThread() {
		return false
	}
	untrip(unix.SIGINT)
	return true
}

// RaiseSignal sends sig to the calling thread and then runs CheckSignals:
// CPython's signal.raise_signal. On the main thread the handler has run
// when RaiseSignal returns, and its error is RaiseSignal's error. On another
// thread the signal trips and the main thread runs the handler later.
//
// As in CPython, sig 0 sends nothing and succeeds, and a number out of
// range reaches the kernel, which refuses it with EINVAL (in an *Error).
// A number beyond 32 bits gives ErrOverflow, and the
// signals the Go runtime needs give ErrReservedSignal: raising one would
// crash the program or be taken by the runtime as its own (see
// docs/design.md, difference 2).
func RaiseSignal(sig unix.Signal) error {
	if err := checkSendable("raise_signal", sig); err != nil {
		return err
	}
	if err := raise(sig); err != nil {
		return err
	}
	return CheckSignals()
}

// Deliveries returns how many times the C handler has run for sig since the
// program started (0 for a number out of range). CPython has no counterpart:
// signals that arrive while one is pending coalesce into one handler run,
// and this counter makes that visible. SetInterruptEx is not counted.
func Deliveries(sig unix.Signal) uint64 {
	if sig < 1 || sig >= nsig {
		return 0
	}
	return atomic.LoadUint64(&cDeliveries[sig])
}
