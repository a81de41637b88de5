//go:build linux && cgo

package pysignal

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PthreadSigmask changes the main thread's signal mask and returns the old
// one as a sorted set: CPython's signal.pthread_sigmask. how is SigBlock,
// SigUnblock or SigSetmask. After the change it runs CheckSignals, so the
// handlers of signals that were pending and are now unblocked have run when
// it returns (their error is its error).
//
// It works only on the main goroutine (ErrNotMainThread), which it keeps on
// its thread from the first change until the mask is back to what the
// thread had: elsewhere a goroutine can move between threads, and the mask
// of the thread it happened to run on is the Go runtime's. Signals the Go
// runtime needs are refused (ErrReservedSignal).
//
// What it means: a process-directed signal (kill, Ctrl-C, setitimer) blocked
// on the main thread is simply delivered to another thread, and the package's
// C handler runs there (and nudges a wrapped call the main goroutine is in,
// as for any signal another thread takes); it is not held. Only thread-directed signals
// (RaiseSignal, PthreadKill to the main thread) stay pending on the main
// thread, where Sigwait, Sigwaitinfo and Sigtimedwait can take them. The Go
// runtime also keeps SIGINT, SIGTERM, SIGHUP and SIGQUIT unblocked on every
// thread it starts, so blocking them cannot hold them anywhere.
func PthreadSigmask(how int, set []unix.Signal) (old []unix.Signal, err error) {
	if !onMainThread() {
		return nil, &Error{"pthread_sigmask", 0, ErrNotMainThread}
	}
	if how != SigBlock && how != SigUnblock && how != SigSetmask {
		return nil, &Error{"pthread_sigmask", 0, fmt.Errorf("unknown how %d: %w", how, unix.EINVAL)}
	}
	ks, err := kernelSigset("pthread_sigmask", set)
	if err != nil {
		return nil, err
	}
	var prev unix.Sigset_t
	if !maskPin.pinned {
		runtime.LockOSThread()
	}
	if err := unix.PthreadSigmask(how, &ks, &prev); err != nil {
		if !maskPin.pinned {
			runtime.UnlockOSThread()
		}
		return nil, &Error{"pthread_sigmask", 0, err}
	}
	maskPin.follow(&prev)
	if err := CheckSignals(); err != nil {
		return fromSigset(&prev), err
	}
	return fromSigset(&prev), nil
}

// maskPin keeps the main goroutine on its thread while PthreadSigmask has
// changed the thread's mask, so that the mask stays the main goroutine's:
// from the first change until the mask is back to what the thread had
// then. Only the main goroutine touches it.
var maskPin threadMaskPin

type threadMaskPin struct {
	pinned bool
	named  bool          // it set pinnedTID
	base   unix.Sigset_t // the thread's mask before the first change
}

// follow notes a change of the main goroutine's thread mask from prev;
// the goroutine is locked to its thread (PthreadSigmask locked it, or an
// earlier change did).
func (p *threadMaskPin) follow(prev *unix.Sigset_t) {
	if !p.pinned {
		p.pinned, p.base = true, *prev
		if p.named = pinnedTID.Load() == 0; p.named {
			nameMainThread(int32(unix.Gettid()))
		}
	}
	var now unix.Sigset_t
	unix.PthreadSigmask(unix.SIG_BLOCK, nil, &now)
	if now == p.base {
		if p.named {
			nameMainThread(0)
		}
		p.pinned, p.named = false, false
		runtime.UnlockOSThread()
	}
}

// Sigpending returns the signals pending on the calling thread or the
// process (blocked, so not yet delivered), sorted: CPython's
// signal.sigpending.
func Sigpending() ([]unix.Signal, error) {
	var set unix.Sigset_t
	if _, _, e := unix.RawSyscall(unix.SYS_RT_SIGPENDING, uintptr(unsafe.Pointer(&set)), nsig/8, 0); e != 0 {
		return nil, &Error{"sigpending", 0, e}
	}
	return fromSigset(&set), nil
}

// fromSigset lists the members of a kernel signal set in ascending order.
func fromSigset(s *unix.Sigset_t) []unix.Signal {
	var out []unix.Signal
	for sig := unix.Signal(1); sig < nsig; sig++ {
		if s.Val[(sig-1)/64]&(1<<((uint(sig)-1)%64)) != 0 {
			out = append(out, sig)
		}
	}
	return out
}
