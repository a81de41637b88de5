//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawSiginfo is the kernel's siginfo_t on 64-bit Linux.
type rawSiginfo struct {
	Signo, Errno, Code int32
	_                  int32
	Union              [112]byte
}

// siTkill is the kernel's si_code for tgkill (SI_TKILL); siUser is kill's.
const (
	siTkill = -6
	siUser  = 0
)

// decode reads the kernel's siginfo as glibc's sigwaitinfo and sigtimedwait
// (and so CPython) report it: glibc folds SI_TKILL into SI_USER, so a
// signal from raise, pthread_kill or tgkill reads as sent by kill.
func (r *rawSiginfo) decode() SigInfo {
	u := r.Union[:]
	code := r.Code
	if code == siTkill {
		code = siUser
	}
	return SigInfo{
		Signo:  unix.Signal(r.Signo),
		Code:   code,
		Errno:  r.Errno,
		Pid:    int32(binary.NativeEndian.Uint32(u[0:])),
		UID:    binary.NativeEndian.Uint32(u[4:]),
		Status: int32(binary.NativeEndian.Uint32(u[8:])),
		Band:   int64(binary.NativeEndian.Uint64(u[0:])),
		Value:  int64(binary.NativeEndian.Uint64(u[8:])),
		FD:     int32(binary.NativeEndian.Uint32(u[8:])),
	}
}

// kernelSigset builds the kernel's signal set from sigs, refusing numbers out
// of range and signals the Go runtime needs (waiting for SIGURG would steal
// the runtime's preemption requests).
func kernelSigset(op string, sigs []unix.Signal) (unix.Sigset_t, error) {
	var set unix.Sigset_t
	for _, sig := range sigs {
		if sig < 1 || sig >= nsig { // CPython: ValueError, however large
			return set, &Error{op, sig, fmt.Errorf("%w: %d in the set", ErrInvalidSignal, int(sig))}
		}
		if err := checkOwnable(op, sig); err != nil {
			return set, err
		}
		set.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	}
	return set, nil
}

// sigtimedwait calls rt_sigtimedwait(2); ts nil waits forever.
func sigtimedwait(set *unix.Sigset_t, info *rawSiginfo, ts *unix.Timespec) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(set)),
		uintptr(unsafe.Pointer(info)), uintptr(unsafe.Pointer(ts)), nsig/8, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// Sigwaitinfo waits for one of the signals in set to be pending and takes
// it: CPython's signal.sigwaitinfo, in the PEP 475 loop (a handled signal
// outside set interrupts it, its handler runs, and the wait goes on). The
// signals in set must be blocked in the calling thread, or they are
// delivered to their handlers instead of waited for. An empty set is refused
// (ErrInvalidSignal): nothing could end the wait.
func Sigwaitinfo(set []unix.Signal) (SigInfo, error) {
	if len(set) == 0 { // nothing could ever end the wait
		return SigInfo{}, &Error{"sigwaitinfo", 0, fmt.Errorf("%w: empty signal set", ErrInvalidSignal)}
	}
	ks, err := kernelSigset("sigwaitinfo", set)
	if err != nil {
		return SigInfo{}, err
	}
	var info rawSiginfo
	if _, err := retry("rt_sigtimedwait", func() (int, error) { return sigtimedwait(&ks, &info, nil) }); err != nil {
		return SigInfo{}, err
	}
	return info.decode(), nil
}

// Sigtimedwait is Sigwaitinfo with a timeout: CPython's signal.sigtimedwait.
// It reports ok false, with no error, when timeout passes with no signal
// taken (CPython returns None). After EINTR it waits only for the time that
// remains, and a deadline that has passed ends it at once. A negative
// timeout is refused with ErrNegativeTimeout (CPython's ValueError).
func Sigtimedwait(set []unix.Signal, timeout time.Duration) (info SigInfo, ok bool, err error) {
	if timeout < 0 {
		return SigInfo{}, false, &Error{"sigtimedwait", 0, ErrNegativeTimeout}
	}
	ks, err := kernelSigset("sigtimedwait", set)
	if err != nil {
		return SigInfo{}, false, err
	}
	var raw rawSiginfo
	n, err := retryTimed("rt_sigtimedwait", timeout, func(left time.Duration) (int, error) {
		ts := unix.NsecToTimespec(int64(left))
		r, err := sigtimedwait(&ks, &raw, &ts)
		if err == unix.EAGAIN { // the kernel's "timed out"
			return 0, nil
		}
		return r, err
	})
	if err != nil || n == 0 {
		return SigInfo{}, false, err
	}
	return raw.decode(), true, nil
}

// Sigwait waits for one of the signals in set and returns its number:
// CPython's signal.sigwait. It is Sigwaitinfo without the details, so (unlike
// libc's sigwait, which retries EINTR silently) handlers of other signals
// that interrupt it run while it waits, and their errors end it.
func Sigwait(set []unix.Signal) (unix.Signal, error) {
	info, err := Sigwaitinfo(set)
	return info.Signo, err
}

// Pause waits until a signal's handler has run on the calling thread:
// CPython's signal.pause. pause(2) returns, always with EINTR, when the
// thread takes a signal; Pause then runs CheckSignals once and returns a
// handler's error, or nil.
//
// On the main goroutine a signal handled on another thread ends it too:
// the C handler then nudges its thread (docs/design.md, difference 22).
// Elsewhere, as for a thread in CPython, only a signal the kernel gives its
// own thread ends it, and then before the main thread has run the
// handler: it returns nil. Wakeup.Sleep has no such window. Under
// MainContext a Pause on fn's other goroutines returns ctx's cause once
// ctx is cancelled.
func Pause() error {
	hook := traceHook.Load()
	if _, err := attempt(hook, "pause", func() (int, error) { return result(unix.Pause()) }); err != unix.EINTR {
		return err
	}
	err := checkThenCause()
	if hook != nil {
		(*hook)(TraceEvent{Call: "pause", Phase: PhaseCheck, Err: err})
	}
	return err
}
