//go:build linux && cgo

package pysignal

import (
	"errors"

	"golang.org/x/sys/unix"
)

// The PEP 475 loop, shared by every wrapper in the syscallwrap*.go files:
//
//	for {
//		make the call          (x/sys/unix; Go's entersyscall/exitsyscall
//		                        play Py_BEGIN/END_ALLOW_THREADS)
//		not EINTR → return what the call gave
//		CheckSignals()         (nothing runs off the main thread)
//		a handler failed → return its error, unchanged
//	}
//
// The loop makes no cgo call and allocates nothing: the closures it takes do
// not escape, and with no trace hook and no MainContext the only extra work
// is two atomic loads. Under MainContext each attempt also registers its
// thread, so that a handler error can interrupt it (maincontext.go).

// retry runs call in the PEP 475 loop. call returns the system call's result
// (for the trace) and error.
func retry(name string, call func() (int, error)) (int, error) {
	hook := traceHook.Load()
	for {
		r, err := attempt(hook, name, call)
		if err != unix.EINTR {
			return r, err
		}
		if err := checkAfterEINTR(name, hook); err != nil {
			return r, err
		}
	}
}

// attempt makes one call, reporting PhaseEnter and PhaseExit to the hook.
// Under MainContext the interrupter makes it (interrupter.go).
func attempt(hook *TraceHook, name string, call func() (int, error)) (int, error) {
	if onMainThread() {
		if intr.owned.Load() {
			if err := intr.causeFor(false); err != nil {
				return -1, err
			}
		}
		return attemptOnMain(hook, name, call)
	}
	if intr.owned.Load() {
		return intr.enter(hook, name, call)
	}
	return attemptNow(hook, name, call)
}

// attemptNow is attempt's plain path.
func attemptNow(hook *TraceHook, name string, call func() (int, error)) (int, error) {
	if hook != nil {
		(*hook)(TraceEvent{Call: name, Phase: PhaseEnter})
	}
	r, err := call()
	if hook != nil {
		(*hook)(TraceEvent{Call: name, Phase: PhaseExit, Result: r, Errno: errnoOf(err)})
	}
	return r, err
}

// checkAfterEINTR runs CheckSignals after an EINTR and reports the step.
// Under MainContext it then returns the interrupter's error for the
// caller, if any (interrupter.go).
func checkAfterEINTR(name string, hook *TraceHook) error {
	err := checkThenCause()
	if hook != nil {
		(*hook)(TraceEvent{Call: name, Phase: PhaseCheck, Err: err})
		if err == nil {
			(*hook)(TraceEvent{Call: name, Phase: PhaseRetry})
		}
	}
	return err
}

// result gives an error-only call the (-1 or 0, err) shape of the others,
// so the trace shows -1 for a failure.
func result(err error) (int, error) {
	if err != nil {
		return -1, err
	}
	return 0, nil
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// narrow refuses an fd, pid, id or flag word that the kernel's 32-bit int
// would truncate: x/sys/unix passes an int as it is, so fd 1<<32+3 would be
// fd 3, and a flag above bit 31 would be dropped silently. CPython raises
// OverflowError; every wrapper returns ErrOverflow and makes no call. The
// test is inlined; only a refusal calls out.
func narrow(ns ...int) error {
	for _, n := range ns {
		if n != int(int32(n)) {
			return checkFits32("argument", n)
		}
	}
	return nil
}

// Read is unix.Read in the PEP 475 loop: CPython's os.read (_Py_read).
func Read(fd int, p []byte) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("read", func() (int, error) { return unix.Read(fd, p) })
}

// Write is unix.Write in the PEP 475 loop: CPython's os.write (_Py_write).
// Like write(2) it may write less than len(p).
func Write(fd int, p []byte) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("write", func() (int, error) { return unix.Write(fd, p) })
}

// Pread is unix.Pread in the PEP 475 loop: CPython's os.pread.
func Pread(fd int, p []byte, offset int64) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("pread64", func() (int, error) { return unix.Pread(fd, p, offset) })
}

// Pwrite is unix.Pwrite in the PEP 475 loop: CPython's os.pwrite.
func Pwrite(fd int, p []byte, offset int64) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("pwrite64", func() (int, error) { return unix.Pwrite(fd, p, offset) })
}

// Readv is unix.Readv in the PEP 475 loop: CPython's os.readv.
func Readv(fd int, iovs [][]byte) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("readv", func() (int, error) { return unix.Readv(fd, iovs) })
}

// Writev is unix.Writev in the PEP 475 loop: CPython's os.writev.
func Writev(fd int, iovs [][]byte) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("writev", func() (int, error) { return unix.Writev(fd, iovs) })
}

// Open is unix.Open in the PEP 475 loop: CPython's os.open (opening a FIFO
// blocks until the other end opens). The flags are used as given: CPython
// adds O_CLOEXEC (PEP 446), which here is the caller's to pass, as with
// unix.Open.
func Open(path string, mode int, perm uint32) (fd int, err error) {
	if err := narrow(mode); err != nil {
		return -1, err
	}
	return retry("openat", func() (int, error) { return unix.Open(path, mode, perm) })
}

// Openat is unix.Openat in the PEP 475 loop: CPython's os.open with dir_fd
// (flags as given, as for Open).
func Openat(dirfd int, path string, flags int, mode uint32) (fd int, err error) {
	if err := narrow(dirfd, flags); err != nil {
		return -1, err
	}
	return retry("openat", func() (int, error) { return unix.Openat(dirfd, path, flags, mode) })
}

// Close closes fd and is deliberately NOT retried on EINTR, as in CPython
// (PEP 475: os.close ignores EINTR). On Linux the descriptor is released
// even when close(2) reports EINTR; a retry could close an fd that another
// goroutine has just been given. EINTR is therefore reported as success.
func Close(fd int) error {
	if err := narrow(fd); err != nil {
		return err
	}
	if err := unix.Close(fd); err != unix.EINTR {
		return err
	}
	return nil
}

// Wait4 is unix.Wait4 in the PEP 475 loop: CPython's os.wait4 (and wait,
// wait3, waitpid).
func Wait4(pid int, wstatus *unix.WaitStatus, options int, rusage *unix.Rusage) (wpid int, err error) {
	if err := narrow(pid, options); err != nil {
		return 0, err
	}
	return retry("wait4", func() (int, error) { return unix.Wait4(pid, wstatus, options, rusage) })
}

// Flock is unix.Flock in the PEP 475 loop: CPython's fcntl.flock.
func Flock(fd int, how int) error {
	if err := narrow(fd, how); err != nil {
		return err
	}
	_, err := retry("flock", func() (int, error) { return result(unix.Flock(fd, how)) })
	return err
}

// FcntlFlock is unix.FcntlFlock in the PEP 475 loop: CPython's
// fcntl.lockf / fcntl.fcntl with F_SETLKW, which waits for the lock.
func FcntlFlock(fd uintptr, cmd int, lk *unix.Flock_t) error {
	if err := narrow(int(fd), cmd); err != nil {
		return err
	}
	_, err := retry("fcntl", func() (int, error) { return result(unix.FcntlFlock(fd, cmd, lk)) })
	return err
}

// Fsync is unix.Fsync in the PEP 475 loop: CPython's os.fsync.
func Fsync(fd int) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fsync", func() (int, error) { return result(unix.Fsync(fd)) })
	return err
}

// Ftruncate is unix.Ftruncate in the PEP 475 loop: CPython's os.ftruncate.
func Ftruncate(fd int, length int64) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("ftruncate", func() (int, error) { return result(unix.Ftruncate(fd, length)) })
	return err
}
