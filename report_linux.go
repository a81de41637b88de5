//go:build linux

package pysignal

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// writeReport writes b to fd 2 so that a broken pipe there cannot end the
// process: a report of an error nobody could receive must never kill. A
// write through os.Stderr that fails with EPIPE makes the Go runtime kill
// the program with SIGPIPE (unless it believes SIGPIPE ignored or wanted),
// and a raw write(2) is killed by the kernel when SIGPIPE is SIG_DFL. So
// SIGPIPE is blocked on this thread for the write, and the SIGPIPE a failed
// write queued for the thread is taken back before it is unblocked. CPython
// survives the same report because it ignores SIGPIPE from the start.
// Errors are dropped: there is nowhere left to report them.
func writeReport(b []byte) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pipe := &unix.Sigset_t{}
	pipe.Val[0] = 1 << (unix.SIGPIPE - 1)
	var old unix.Sigset_t
	if unix.PthreadSigmask(unix.SIG_BLOCK, pipe, &old) != nil {
		return // never write unprotected
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	pendingBefore := sigpipePending()
	for len(b) > 0 {
		n, err := unix.Write(2, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			break
		}
		b = b[n:]
	}
	if !pendingBefore && sigpipePending() {
		// Take back the SIGPIPE the write raised (zero timeout).
		var ts unix.Timespec
		unix.RawSyscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(pipe)), 0, uintptr(unsafe.Pointer(&ts)), 8, 0, 0)
	}
}

// sigpipePending reports whether SIGPIPE is pending for this thread or the
// process.
func sigpipePending() bool {
	var set unix.Sigset_t
	if _, _, e := unix.RawSyscall(unix.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&set)), 8, 0); e != 0 {
		return false
	}
	return set.Val[0]&(1<<(unix.SIGPIPE-1)) != 0
}
