package pysignal

import "golang.org/x/sys/unix"

// A Handler is a Go-level signal handler: CPython's Python-level handler
// function. Handle runs on the main thread, at a safe point (CheckSignals),
// never in signal context. A non-nil error stops CheckSignals, which returns
// it unchanged; this is the counterpart of a handler raising an exception.
type Handler interface {
	Handle(sig unix.Signal) error
}

// HandlerFunc adapts a function to Handler. Func values are not comparable
// in Go: compare handlers of this type only against Default, Ignore and
// DefaultIntHandler (which is safe), never against each other.
type HandlerFunc func(sig unix.Signal) error

// Handle calls f(sig).
func (f HandlerFunc) Handle(sig unix.Signal) error { return f(sig) }

// HandlerInfoFunc is a Handler that is also told who sent the signal and
// how many deliveries its run stands for. Beyond CPython (whose handlers get
// only the number and the frame; Go's issue 9764): info is LastSigInfo(sig)
// as the handler starts, the siginfo of the latest delivery; its Signo is
// sig even when nothing was recorded (a run that SetInterruptEx caused).
//
// n is how many deliveries of sig the C handler counted (Deliveries) since
// the previous run of a HandlerInfoFunc for sig, or since Signal installed
// a handler for sig: 1 when nothing coalesced, k when k deliveries
// coalesced into this run, and 0 for a run whose delivery the previous run
// had already counted (it arrived as that run started) or that
// SetInterruptEx caused. Summed over the runs it is every delivery.
//
// Like HandlerFunc, values of this type are not comparable.
type HandlerInfoFunc func(info SigInfo, n uint64) error

// Handle calls f with sig's latest siginfo and the deliveries since the
// previous run.
func (f HandlerInfoFunc) Handle(sig unix.Signal) error {
	info, n := deliverySince(sig)
	return f(info, n)
}

// Disposition is the type of the two non-function handlers, Default and
// Ignore. They are comparable constants: h == pysignal.Default never panics.
type Disposition int

const (
	// Default is CPython's signal.SIG_DFL: the kernel's default action.
	Default Disposition = 0
	// Ignore is CPython's signal.SIG_IGN: the kernel discards the signal.
	Ignore Disposition = 1
)

// Handle does nothing: Default and Ignore act in the kernel, not in Go.
func (Disposition) Handle(unix.Signal) error { return nil }

func (d Disposition) String() string {
	if d == Ignore {
		return "SIG_IGN"
	}
	return "SIG_DFL"
}

// DefaultIntHandler is CPython's signal.default_int_handler: it returns
// ErrKeyboardInterrupt. Importing pysignal does not install it; a program
// that wants CPython's Ctrl-C behaviour asks for it:
//
//	pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler)
var DefaultIntHandler Handler = keyboardInterrupt{}

type keyboardInterrupt struct{}

func (keyboardInterrupt) Handle(unix.Signal) error { return ErrKeyboardInterrupt }

func (keyboardInterrupt) String() string { return "default_int_handler" }
