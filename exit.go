//go:build linux && cgo

package pysignal

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Exit ends the process as CPython ends it when the exception err goes
// uncaught (Py_RunMain's handling of SystemExit and KeyboardInterrupt, and
// PyErr_Print for the rest). It never returns.
//
//   - nil: exit status 0.
//   - an ExitCode (errors.As): exit status n, nothing printed (SystemExit(n)).
//   - ErrKeyboardInterrupt (errors.Is): err's message ("KeyboardInterrupt")
//     on standard error, then SIGINT is set to SIG_DFL, unblocked on the
//     calling thread and sent to it, so the process dies by signal 2, as
//     CPython's exit_sigint does (a shell sees status 130 and stops a loop;
//     make and xargs report an interrupt). Should the process survive, it
//     exits with 130.
//   - anything else: err's message on standard error, exit status 1.
//     CPython prints a traceback and "Type: message"; a Go error has
//     neither, so only the message is printed.
//
// ExitCode is checked first, so an error that wraps both exits with its
// status. The message is written straight to fd 2, not through os.Stderr
// (whose EPIPE makes the Go runtime kill the process by SIGPIPE), so a
// closed or broken standard error changes nothing about the exit; only a
// program that set SIGPIPE to SIG_DFL dies by SIGPIPE there, as CPython
// then does.
//
// Like os.Exit, Exit runs no deferred functions (neither the caller's nor
// those of other goroutines), flushes nothing, and waits for nothing. CPython
// unwinds the stack (running finally blocks) and runs atexit hooks before
// it exits; under MainContext fn has already returned, so its own deferred
// calls have run by the time Exit is called, but goroutines it started are
// simply stopped.
func Exit(err error) {
	status, printed, interrupted := exitStatus(err)
	if printed {
		writeStderr(err.Error())
	}
	if interrupted {
		dieBySIGINT()
	}
	os.Exit(status)
}

// writeStderr writes msg and a newline to fd 2, bypassing os.Stderr: a
// write there that fails with EPIPE would make the Go runtime kill the
// process with SIGPIPE. Errors are ignored; there is nowhere to report them.
func writeStderr(msg string) {
	b := []byte(msg + "\n")
	for len(b) > 0 {
		n, err := unix.Write(2, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return
		}
		b = b[n:]
	}
}

// dieBySIGINT ends the process by SIGINT under the default disposition.
// SIG_DFL is set in the kernel directly: the Go runtime's handler (still
// installed when the package never owned SIGINT) would otherwise see the
// signal first and, with an os/signal.Notify channel for SIGINT, deliver it
// there instead of dying. The signal goes to the calling thread, unblocked
// there, so the kernel acts on it before tgkill returns to user space.
func dieBySIGINT() {
	runtime.LockOSThread()
	if setDisposition(unix.SIGINT, dispDefault) == nil {
		var set unix.Sigset_t
		set.Val[0] = 1 << (unix.SIGINT - 1)
		unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
		raise(unix.SIGINT)
	}
	os.Exit(128 + int(unix.SIGINT))
}
