package pysignal

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Errors returned by the package. Wrapped errors carry details (the signal
// number, the fd); test for them with errors.Is.
var (
	// ErrNotMainThread: the call is only allowed on the main thread
	// (CPython's ValueError "signal only works in main thread of the main
	// interpreter"). Its message says the way out: run the program through
	// MainContext (or Main) and make the call through CallErr or Call.
	ErrNotMainThread = errors.New("pysignal: only works on the main thread: run the program with pysignal.MainContext and make this call through pysignal.CallErr")

	// ErrInvalidSignal: the signal number is outside 1..NSIG-1 (CPython's
	// ValueError "signal number out of range").
	ErrInvalidSignal = errors.New("pysignal: signal number out of range (1 to 64)")

	// ErrReservedSignal: the Go runtime needs this signal (SIGURG for
	// preemption, SIGPROF for profiling, the synchronous faults SIGSEGV,
	// SIGBUS, SIGFPE, SIGILL, SIGTRAP), or glibc does (its internal 32 and
	// 33), so the package refuses to take it; so is SIGRTMAX (64) once
	// MainContext interrupts blocked calls with it. The message says which
	// and suggests another. CPython has no counterpart.
	ErrReservedSignal = errors.New("pysignal: signal is reserved")

	// ErrInvalidHandler: the handler is nil (CPython's TypeError "signal
	// handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object").
	ErrInvalidHandler = errors.New("pysignal: handler must be Default, Ignore or a non-nil Handler")

	// ErrBlockingFD: SetWakeupFD was given an fd in blocking mode (CPython's
	// ValueError "the fd N must be in non-blocking mode"); the message names
	// the fd and how to fix it (unix.SetNonblock).
	ErrBlockingFD = errors.New("pysignal: the wakeup fd must be in non-blocking mode")

	// ErrNegativeTimeout: a timeout or sleep length below zero where the
	// call has no "wait forever" meaning for it (CPython's ValueError).
	ErrNegativeTimeout = errors.New("pysignal: timeout must be non-negative")

	// ErrOverflow: a number does not fit the C type the system call takes
	// (a signal number, fd or thread id beyond 32 bits, alarm seconds beyond
	// 32 bits). CPython raises OverflowError; nothing is truncated and
	// nothing changes.
	ErrOverflow = errors.New("pysignal: value out of range for the system call")

	// ErrKeyboardInterrupt is what DefaultIntHandler returns: CPython's
	// KeyboardInterrupt.
	ErrKeyboardInterrupt = errors.New("KeyboardInterrupt")

	// ErrIgnoredSignal is reported to the unraisable hook when a signal
	// tripped but its handler had become Default or Ignore (or was never set
	// through this package) before CheckSignals ran: CPython's OSError
	// "Signal N ignored due to race condition" (bpo-43406).
	ErrIgnoredSignal = errors.New("pysignal: signal ignored due to race condition")

	// ErrHandlerReplaced: code outside the package (a C library's
	// sigaction, os/signal.Notify after os/signal.Ignore) replaced the
	// handler the package installed for the signal with a handler of its
	// own, so the Go handler no longer runs. GetSignal returns it (with a
	// nil Handler), and the first Signal, GetSignal or Release call that
	// notices reports it once to the unraisable hook. Signal takes the
	// signal back; Release leaves the new owner's handler in place. CPython
	// has no counterpart (its getsignal does not look at the kernel).
	ErrHandlerReplaced = errors.New("pysignal: the package's handler was replaced by code outside the package")

	// ErrRuntimeChanged: Release cannot give the signal back because the
	// Go runtime's record of it changed while the package held it in a way
	// that leaves the disposition the runtime expects unknown (it had
	// ignored the signal and no longer does). Nothing is changed.
	ErrRuntimeChanged = errors.New("pysignal: os/signal's record of the signal changed while the package held it")

	// ErrWakeupClosed is returned by the methods of a closed Wakeup.
	ErrWakeupClosed = errors.New("pysignal: wakeup is closed")

	// ErrWakeupFDReplaced is returned by Wakeup.Close when the wakeup fd to
	// put back was closed behind the package's back (its number may now
	// name another file): the wakeup fd is disabled instead.
	ErrWakeupFDReplaced = errors.New("pysignal: the wakeup fd to restore was closed or replaced")

	// ErrWakeupBroken is returned by a Wakeup whose pipe was closed behind
	// its back (its read end: EBADF; its write end: the pipe reports end of
	// file). The Wakeup can no longer wake; Close it.
	ErrWakeupBroken = errors.New("pysignal: the wakeup pipe was closed behind the Wakeup's back")
)

// An Error is a failed operation: which operation, on which signal, and
// why. Every function of the package that fails on its own account returns
// one (a handler's error, returned by CheckSignals and the calls that run
// handlers, is passed on unchanged, and the PEP 475 wrappers return what
// their x/sys/unix twin returns). errors.As gives the operation and the
// signal without parsing text; Unwrap gives the cause, so errors.Is finds
// the kernel's errno (unix.EINVAL) or the sentinel (ErrReservedSignal)
// through it.
//
// CPython raises OSError, ValueError or signal.ItimerError for these; an
// ItimerError is an *Error whose Op is "setitimer" or "getitimer".
type Error struct {
	// Op is the operation, named as CPython's signal module or the kernel
	// names it ("signal", "pthread_sigmask", "sigaction", "setitimer"; in a
	// build without Linux or cgo, the Go function).
	Op string
	// Sig is the signal the operation concerned, 0 if it names none.
	Sig unix.Signal
	// Err is the cause: a unix.Errno or one of the package's errors above,
	// possibly wrapped with detail.
	Err error
}

func (e *Error) Error() string {
	cause := strings.TrimPrefix(e.Err.Error(), "pysignal: ")
	if e.Sig == 0 {
		return "pysignal: " + e.Op + ": " + cause
	}
	sig := strconv.Itoa(int(e.Sig))
	if name := SignalName(e.Sig); name != "" { // SIGRTMAX, not 64
		sig = name
	} else if name := unix.SignalName(e.Sig); name != "" { // builds without cgo
		sig = name
	}
	return "pysignal: " + e.Op + "(" + sig + "): " + cause
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// MaxHandlerNesting is how many handlers may run nested inside each other
// before CheckSignals refuses to run one more with ErrRecursion: CPython's
// default recursion limit (sys.getrecursionlimit()), which stops a handler
// that re-enters itself with RecursionError. A handler that makes a wrapped
// blocking call under a stream of its own signal would otherwise nest
// without bound, until the goroutine's stack is exhausted.
const MaxHandlerNesting = 1000

// ErrRecursion is what CheckSignals returns instead of running a handler
// when MaxHandlerNesting handlers are already running: CPython's
// RecursionError. Unlike CPython, whose handler call fails after the signal's
// flag was cleared, the signal stays pending and runs at a check further out.
var ErrRecursion = errors.New("pysignal: maximum signal handler nesting depth exceeded")

// ExitCode is an error that makes Exit end the process with exit status n,
// silently: CPython's SystemExit(n), raised by sys.exit(n). A handler may
// return one, e.g. to end a MainContext program with status 143 on SIGTERM.
// As for any process, the parent sees n's low 8 bits: ExitCode(256) exits
// with 0 and ExitCode(-1) with 255, as sys.exit(256) and sys.exit(-1) do.
type ExitCode int

func (c ExitCode) Error() string { return "exit status " + strconv.Itoa(int(c)) }

// exitStatus is Exit's decision, the same in every build: the exit status
// for err, whether err's message goes to standard error, and whether err is
// a KeyboardInterrupt (which, where it can, dies by SIGINT instead; 130 is
// the status should it survive).
func exitStatus(err error) (status int, printed, interrupted bool) {
	var code ExitCode
	switch {
	case err == nil:
		return 0, false, false
	case errors.As(err, &code):
		return int(code), false, false
	case errors.Is(err, ErrKeyboardInterrupt):
		return 130, true, true
	}
	return 1, true, false
}

// ErrNoStartupRecord is InheritedSignal's error when the package's C
// constructor, which records the dispositions the process started with
// before the Go runtime replaces them, did not run. It runs in every
// executable the system linker links, which is how a program importing
// pysignal is linked.
var ErrNoStartupRecord = errors.New("pysignal: the dispositions the process started with were not recorded (the package's C constructor did not run)")
