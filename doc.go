// Package pysignal gives Go programs CPython's signal handling: Ctrl-C
// interrupts a blocking read with KeyboardInterrupt, handlers run on the main
// thread at safe points, and blocking calls retry EINTR as PEP 475 says.
//
// # Quick start
//
// A grep-like filter that Ctrl-C stops as it stops Python:
//
//	func main() { pysignal.MainContext(grep) } // never returns: exits as CPython would
//
//	func grep(ctx context.Context) error {
//		sc := bufio.NewScanner(pysignal.Stdin) // reads that signals interrupt
//		for sc.Scan() {
//			if strings.Contains(sc.Text(), os.Args[1]) {
//				if _, err := fmt.Fprintln(pysignal.Stdout, sc.Text()); err != nil {
//					return err
//				}
//			}
//		}
//		return sc.Err() // nil at end of input (^D): exit status 0
//	}
//
// Ctrl-C ends the blocked read with ErrKeyboardInterrupt: Scan stops and
// sc.Err() returns it (in an *os.PathError: errors.Is sees it); returned from grep, it
// makes the process print it and die by SIGINT, as Python's
// "for line in sys.stdin" does. MainContext installs DefaultIntHandler for
// SIGINT, runs grep on its own goroutine while the main thread runs the
// handlers, and exits with grep's result through Exit. Stdin, Stdout, Stderr
// and NewFile give *File values: io.Reader and io.Writer for bufio, io.Copy
// and fmt.Fprintf. Calls that must run on the main thread (Signal,
// SetWakeupFD) go through CallErr.
//
// # Coming from os/signal
//
//   - signal.Notify(c, sig): Signal(sig, HandlerFunc(h)); h runs on the main
//     thread, and an error it returns comes out of the blocked call.
//   - signal.NotifyContext(ctx, os.Interrupt): MainContext(fn).
//   - signal.Ignore(sig): Signal(sig, Ignore) (Default for SIG_DFL).
//   - signal.Reset(sig), signal.Stop(c): Release(sig) gives the signal back
//     to the Go runtime and os/signal.
//
// # Calls that signals do not interrupt
//
// The standard library retries EINTR itself, so a handler's error
// (KeyboardInterrupt included) cannot come out of these:
// os.File reads and writes (os.Stdin: use Stdin or NewFile), time.Sleep
// (Sleep), net.Conn and net.Listener (a deadline, or closing the conn when
// ctx is done; or Accept, Recvfrom, Sendto on the raw descriptor),
// exec.Cmd.Wait (Wait4, Waitid), a channel receive (select on ctx.Done()).
// Direct golang.org/x/sys/unix calls return EINTR to the caller; the
// package's wrappers (Read, Write, Poll, Accept, ...) run them in PEP 475's
// loop.
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
// # The main thread, MainContext and Exit
//
// As in CPython, only the main thread sets handlers, sets the wakeup fd,
// and runs handlers. For a Go program the main thread is the main
// goroutine, whichever thread it runs on: importing the package does not
// lock it to a thread (it keeps one only for a wrapped call, while Main
// runs, or while PthreadSigmask has changed its mask), and a signal the
// kernel gives another thread still interrupts its wrapped call.
// MainContext, the recommended entry
// point, does what CPython's interpreter does around a script: it installs
// DefaultIntHandler for SIGINT (unless SIGINT is ignored), ignores SIGPIPE
// and SIGXFSZ, keeps ignored the signals the process started with ignored
// (the Go runtime replaces them; InheritedSignal reports them), runs fn on
// its own goroutine while the main thread serves Call requests and runs handlers as
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
// # Beyond CPython
//
// Protect holds handlers' errors back from a section that must not be torn
// (Trio's KeyboardInterrupt protection) and returns them when it ends.
// HandlerInfoFunc tells a handler who sent the signal (the latest
// delivery's siginfo) and how many deliveries coalesced. Ppoll hands the
// kernel a signal mask with the wait, the race's second cure; pysig race
// -cures measures it beside the wakeup fd and signalfd. File's ReadFrom
// lets io.Copy between two Files move the bytes in the kernel. The
// sigtest package lands a real signal at every wrapped call of a function
// and reports the handlers that ran late.
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
// x/sys/unix types that only Linux has (EpollWait, Setitimer,
// Getitimer and their constants) on other systems, and every function
// returning an error returns one wrapping errors.ErrUnsupported that says
// "pysignal needs Linux and cgo"; Main and Call just run their function.
// Windows is out of reach: the API is written in x/sys/unix types.
//
// A signal the package owns is no longer delivered to os/signal.Notify
// channels (the C handler does not chain to the Go runtime's); os/signal
// keeps working for every other signal.
package pysignal
