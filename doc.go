// Package pysignal gives Go programs CPython's signal handling: the same
// two-half design, the same rules, the same observable behaviour.
//
// # The two halves
//
// A small C handler, installed with sigaction for every signal the program
// hands to the package, does only what is safe in signal context: it marks
// the signal "tripped" (one atomic OR of a word that is non-zero while
// anything is pending), counts the delivery, and writes the signal number as one byte to the
// wakeup fd if one is set (SetWakeupFD). It never calls Go.
//
// The Go handlers run later, on the main thread, at safe points: whenever
// CheckSignals is called there. CheckSignals is CPython's PyErr_CheckSignals:
// with nothing pending it is one atomic load; otherwise it runs the tripped
// signals' handlers in ascending signal order, and stops at the first
// handler that returns an error, which it returns.
//
//	func main() { pysignal.MainContext(run) } // never returns
//
//	func run(ctx context.Context) error {
//		n, err := pysignal.Read(0, buf) // Ctrl-C: ErrKeyboardInterrupt
//		...
//		return err // KeyboardInterrupt: the process dies by SIGINT, as CPython
//	}
//
// # The main thread, MainContext and Exit
//
// As in CPython, only the main thread (the process's first thread) sets
// handlers, sets the wakeup fd, and runs handlers. The package's init locks
// the main goroutine to that thread. MainContext, the recommended entry
// point, does what CPython's interpreter does around a script: it installs
// DefaultIntHandler for SIGINT (unless SIGINT is ignored), runs fn on its own
// goroutine while the main thread serves Call requests and runs handlers as
// signals arrive, raises a handler's error in fn's goroutine as CPython
// raises the exception in its main thread (out of the wrapped call it is
// blocked in, or its next one; fn can catch it and go on; a fn that waits
// on ctx sees ctx cancelled instead), and finally ends the process
// with Exit: exit status 0 for nil, n for ExitCode(n) (sys.exit(n)), death by
// SIGINT after printing "KeyboardInterrupt" for ErrKeyboardInterrupt, and 1
// after the message for anything else. Main is the building block under it,
// and what a TestMain uses. While idle, the main thread sleeps in a way that
// every handled signal ends at once, so handlers run promptly whichever
// thread the kernel delivered the signal to.
//
// # What importing costs
//
// Because init locks the main goroutine to the main thread, a program that
// keeps working on its main goroutine pays for it whenever that goroutine
// blocks and is woken: the Go scheduler must wake the main thread itself
// instead of running the goroutine on a thread that is already awake. A
// channel round trip with another goroutine measured 3.7 to 8.6 µs on the
// main goroutine of a busy 2-core machine and 20 to 49 µs on the same
// machine idle, against 0.3 µs once unlocked (BenchmarkImportCost). Programs that run their work through Main or MainContext
// do not pay it: fn runs on an ordinary goroutine (0.31 µs there), and only
// Call requests and handlers run on the main thread.
//
// # Blocking calls and EINTR
//
// Handlers are installed without SA_RESTART, as in CPython, so a blocking
// system call on the thread that takes a signal fails with EINTR: that is how
// Ctrl-C interrupts a blocking read on the main thread. Go's own os and net
// packages retry EINTR themselves; direct golang.org/x/sys/unix calls see it.
// Siginterrupt(sig, false) asks for SA_RESTART instead.
//
// Read, Write, Poll, Accept, Connect, Sleep and the other wrappers make
// their golang.org/x/sys/unix twin's call in PEP 475's loop: on EINTR they
// run CheckSignals, return a handler's error unchanged, or retry, with the
// time that remains for calls with a timeout. SetTraceHook shows the loop's
// steps, for tests and studies.
//
// # The race window, and Wakeup
//
// A signal that lands after the last CheckSignals but before a call blocks
// only trips its flag: the call blocks anyway, and the handler waits until
// it returns. A process-directed signal handled on another thread does the
// same. The cure is CPython's wakeup fd, used as asyncio uses it: block
// only in a poll that includes it. OpenWakeup makes one, and its Wait, Read,
// Write, Accept and Sleep never miss a signal. docs/race-windows.md shows the
// race measured with real signals (pysig race).
//
// # Differences from CPython
//
// Signals the Go runtime needs (SIGURG, SIGPROF, the synchronous faults, and
// glibc's 32 and 33) are refused with ErrReservedSignal. The C handler
// blocks every signal while it runs, because on Go's 32 KiB signal stack
// nested handler frames would overflow it; so the wakeup bytes of signals
// that arrive together come in delivery order (lowest first), where
// CPython's nested handlers write them highest first. Importing the package
// changes no disposition: SIGINT stays with the Go runtime until the program
// installs DefaultIntHandler. docs/design.md lists every CPython function,
// its counterpart here, and every difference.
//
// # Errors
//
// Every failure of the package's own is an *Error carrying the operation and
// the signal; errors.Is finds the kernel's errno or the package's sentinel
// (ErrInvalidSignal, ErrReservedSignal, …) through it. A handler's error is
// returned unchanged, as CPython propagates a handler's exception, and the
// wrappers return what their x/sys/unix twin returns.
//
// # Platforms
//
// The package needs Linux and cgo: Linux for its system calls and signal
// numbers, cgo for the C handler. linux/amd64 and linux/arm64 are tested.
// Elsewhere (another system, or CGO_ENABLED=0, the default when cross
// compiling) it still compiles with the same API, less the part built on
// x/sys/unix types that only Linux has (EpollWait, Waitid, Setitimer,
// Getitimer and their constants) on other systems, and every function
// returning an error returns one wrapping errors.ErrUnsupported that says
// "pysignal needs Linux and cgo"; Main and Call just run their function.
// Windows is out of reach: the API is written in x/sys/unix types.
//
// A signal the package owns is no longer delivered to os/signal.Notify
// channels (the C handler does not chain to the Go runtime's); os/signal
// keeps working for every other signal.
package pysignal
