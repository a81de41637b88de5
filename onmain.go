//go:build linux && cgo

package pysignal

import (
	"runtime"
	"sync/atomic"

	"github.com/pysignal/pysignal/internal/gptr"
	"golang.org/x/sys/unix"
)

// CPython's main thread is, for a Go program, the main goroutine: the one
// that runs package initialisation and main.main. Handlers run only there,
// and only there do Signal, SetWakeupFD, PthreadSigmask and the other
// main-thread functions work. The package does not lock the main goroutine
// to a thread (init used to, and every channel operation of a program's
// main goroutine paid for it): it locks it only while it needs one thread,
// for a wrapped call (so that a signal handled on another thread can nudge
// that thread, see attemptOnMain), while Main or MainContext serves, and
// while PthreadSigmask has changed its thread's mask.

// mainG names the main goroutine (internal/gptr), recorded by init. The
// main goroutine lives as long as the program, so no other goroutine can
// ever share the value.
var mainG uintptr

// pinnedTID is the thread the main goroutine is locked to while Main or
// MainContext serves (0 otherwise): there, wrapped calls and RaiseSignal
// need no gettid(2).
var pinnedTID atomic.Int32

func init() {
	mainG = gptr.Get()
	recordProcess()
}

// onMainThread reports whether the caller is the main goroutine: one read
// of the g pointer (about 1 ns on amd64 and arm64; internal/gptr) compared
// with the value init recorded.
func onMainThread() bool { return gptr.Get() == mainG }

// MainThreadID returns the kernel thread id of the main thread, the
// thread the main goroutine runs on: CPython's
// threading.main_thread().native_id. The main goroutine keeps one thread
// while Main or MainContext runs, while PthreadSigmask has changed its
// mask, and for the length of each wrapped call (seen from another
// goroutine, the thread of the call it is blocked in); at other times it
// may move, and MainThreadID returns the process id, the thread that ran
// package initialisation (see docs/design.md, "The main thread"). A signal
// the kernel gives any other thread still interrupts the main goroutine's
// wrapped call.
func MainThreadID() int {
	if tid := pinnedTID.Load(); tid != 0 {
		return int(tid)
	}
	if tid := atomic.LoadInt32(cMainCallTID); tid != 0 {
		return int(tid)
	}
	return processID
}

// pin locks the main goroutine to its thread for Main's run and returns
// the function that undoes it.
func pin() (unpin func()) {
	runtime.LockOSThread()
	nameMainThread(int32(unix.Gettid()))
	return func() {
		nameMainThread(0)
		runtime.UnlockOSThread()
	}
}

// nameMainThread records tid as the thread the main goroutine is kept on
// (0: none). For as long as it is, the C core nudges that thread
// (pysig_main_call_tid) and wrapped calls need not name it each time: a
// nudge may then also interrupt a raw system call or Main's idle sleep
// there, which retry. A process started with the nudge signal blocked
// has it unblocked on that thread.
func nameMainThread(tid int32) {
	if tid != 0 && intr.unblock.Load() {
		unix.PthreadSigmask(unix.SIG_UNBLOCK, sigsetOf(interruptSignal), nil)
	}
	pinnedTID.Store(tid)
	atomic.StoreInt32(cMainCallTID, tid)
}

// attemptOnMain is one attempt of the main goroutine's wrapped call: the
// goroutine stays on its thread for the call, and the C core knows the
// thread (pysig_main_call_tid), so that a signal the kernel gives another
// thread nudges this one out of the call (handler.h). The nudge in flight
// is forgotten first: one sent to a thread the main goroutine has left
// must not stop the next.
func attemptOnMain(hook *TraceHook, name string, call func() (int, error)) (int, error) {
	if pinnedTID.Load() != 0 {
		return attemptNow(hook, name, call) // named for as long as it is kept
	}
	runtime.LockOSThread()
	tid := callTID()
	if intr.unblock.Load() {
		unix.PthreadSigmask(unix.SIG_UNBLOCK, sigsetOf(interruptSignal), nil)
	}
	if atomic.LoadInt32(cNudgeInFlight) != 0 {
		atomic.StoreInt32(cNudgeInFlight, 0)
	}
	atomic.StoreInt32(cMainCallTID, tid)
	r, err := attemptNow(hook, name, call)
	atomic.StoreInt32(cMainCallTID, 0)
	runtime.UnlockOSThread()
	return r, err
}
