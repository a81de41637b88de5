//go:build linux && cgo

package pysignal

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ppoll is ppoll(2) in the PEP 475 loop: Poll with a signal mask that the
// kernel puts in place for the wait only, atomically. Beyond CPython, whose
// select module has no ppoll or pselect.
//
// It is the second textbook cure of the race between a program's last
// CheckSignals and the call that then blocks (docs/race-windows.md): block
// the signal on the main thread outside the wait (PthreadSigmask), and pass
// a mask without it. A signal sent to the main thread before the wait then
// stays pending, and the wait, which unblocks it atomically, fails at once
// with EINTR; the C handler runs, and the loop's CheckSignals runs the
// handler:
//
//	old, err := pysignal.PthreadSigmask(pysignal.SigBlock, []unix.Signal{unix.SIGUSR1})
//	...
//	defer pysignal.PthreadSigmask(pysignal.SigSetmask, old)
//	n, err := pysignal.Ppoll(fds, -1, old) // SIGUSR1 unblocked only while it waits
//
// mask is the whole mask during the wait (nil or empty: no signal blocked);
// the thread's own mask is back when each attempt returns. To wait without
// changing the mask, use Poll. Timeouts as for Poll, to the nanosecond
// rather than the millisecond. A number out of range or a signal the Go
// runtime needs in mask is refused (ErrInvalidSignal, ErrReservedSignal)
// before any call.
//
// It cures the race only for signals directed at the waiting thread
// (RaiseSignal, PthreadKill, tgkill). A process-directed signal blocked on
// the main thread is delivered to another thread instead (see
// PthreadSigmask), whose C handler nudges the main goroutine's wrapped call
// with SIGRTMAX: that ends a wait that has blocked, but a nudge that comes
// after the call began and before it blocks is spent, and the wait sleeps
// on, the naive loop's window again. Wakeup has no such limit.
func Ppoll(fds []unix.PollFd, timeout time.Duration, mask []unix.Signal) (n int, err error) {
	set, err := kernelSigset("ppoll", mask)
	if err != nil {
		return 0, err
	}
	if timeout < 0 {
		return retry("ppoll", func() (int, error) { return ppoll(fds, nil, &set) })
	}
	return retryTimed("ppoll", timeout, func(left time.Duration) (int, error) {
		ts := unix.NsecToTimespec(int64(left))
		return ppoll(fds, &ts, &set)
	})
}

// ppoll calls ppoll(2) itself: x/sys/unix's Ppoll passes a sigsetsize of 0,
// which the kernel refuses (EINVAL) whenever there is a mask.
func ppoll(fds []unix.PollFd, ts *unix.Timespec, set *unix.Sigset_t) (int, error) {
	var p *unix.PollFd
	if len(fds) > 0 {
		p = &fds[0]
	}
	r, _, e := unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(p)), uintptr(len(fds)),
		uintptr(unsafe.Pointer(ts)), uintptr(unsafe.Pointer(set)), nsig/8, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
