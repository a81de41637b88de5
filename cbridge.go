//go:build linux && cgo

package pysignal

// The cgo bridge to the C core (handler.c): its shared variables, reached
// through pointers taken once here and read and written with sync/atomic (no
// cgo call on any fast path), and its slow-path calls (installing
// dispositions, SetInterruptEx). Three other files use cgo, each for one
// thing: layout.go checks that Go's view of siginfo_t matches C's, names.go
// asks the C library for signal names and valid signals, and
// onmain_other.go asks the C core whether the caller is the main thread
// where the thread pointer cannot be read.

/*
#cgo CFLAGS: -O2 -Wall
#include "handler.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nsig is NSIG on Linux: signal numbers run from 1 to nsig-1.
const nsig = 65

// wakeupQueue is the C core's PYSIG_WAKEUP_QUEUE: how many failed wakeup
// writes wait to be reported one by one.
const wakeupQueue = 64

// The C core's shared state, seen from Go.
var (
	cPending       = (*uint64)(unsafe.Pointer(&C.pysig_pending))
	cTripped64     = (*int32)(unsafe.Pointer(&C.pysig_tripped_64))
	cDeliveries    = (*[nsig]uint64)(unsafe.Pointer(&C.pysig_deliveries))
	cInfo          = (*[nsig]infoRecord)(unsafe.Pointer(&C.pysig_info))
	cWakeupFD      = (*int32)(unsafe.Pointer(&C.pysig_wakeup_fd))
	cWakeupWarn    = (*int32)(unsafe.Pointer(&C.pysig_wakeup_warn))
	cWakeupWriters = (*int32)(unsafe.Pointer(&C.pysig_wakeup_writers))
	cWakeupErrs    = (*[wakeupQueue]int32)(unsafe.Pointer(&C.pysig_wakeup_errs))
	cWakeupHead    = (*uint32)(unsafe.Pointer(&C.pysig_wakeup_head))
	cWakeupTail    = (*uint32)(unsafe.Pointer(&C.pysig_wakeup_tail))
	cWakeupDropped = (*uint32)(unsafe.Pointer(&C.pysig_wakeup_dropped))
	cWakeupDropE   = (*int32)(unsafe.Pointer(&C.pysig_wakeup_dropped_errno))
	cIdleFD        = (*int32)(unsafe.Pointer(&C.pysig_idle_fd))
	cIdleWaiting   = (*int32)(unsafe.Pointer(&C.pysig_idle_waiting))
	cNudgeSig      = (*int32)(unsafe.Pointer(&C.pysig_nudge_sig))
	cMainCallTID   = (*int32)(unsafe.Pointer(&C.pysig_main_call_tid))
	cNudgeInFlight = (*int32)(unsafe.Pointer(&C.pysig_nudge_in_flight))
	cNudgeFailed   = (*int32)(unsafe.Pointer(&C.pysig_nudge_failed))
)

func init() {
	if C.PYSIG_NSIG != nsig || nsig != NSIG || C.PYSIG_WAKEUP_QUEUE != wakeupQueue {
		panic("pysignal: handler.h and cbridge.go disagree on NSIG")
	}
	if C.sizeof_struct_pysig_info != unsafe.Sizeof(infoRecord{}) {
		panic("pysignal: handler.h and lastinfo.go disagree on struct pysig_info")
	}
}

// Kernel dispositions as reported by the C core.
const (
	dispDefault = C.PYSIG_DFL
	dispIgnore  = C.PYSIG_IGN
	dispOurs    = C.PYSIG_OURS
	dispOther   = C.PYSIG_OTHER
)

// sigaction flags, from the C headers (x/sys/unix does not define them).
const (
	saOnStack = C.SA_ONSTACK
	saRestart = C.SA_RESTART
)

// errnoErr turns a C errno return for op on sig into an *Error (nil for 0).
func errnoErr(op string, sig unix.Signal, e C.int) error {
	if e == 0 {
		return nil
	}
	return &Error{op, sig, unix.Errno(e)}
}

// setDisposition installs SIG_DFL, SIG_IGN or the C trip handler.
func setDisposition(sig unix.Signal, kind int) error {
	return errnoErr("sigaction", sig, C.pysig_set(C.int(sig), C.int(kind)))
}

// disposition reads the kernel's current disposition of sig.
func disposition(sig unix.Signal) (int, error) {
	d := C.pysig_disposition(C.int(sig))
	if d < 0 {
		return 0, errnoErr("sigaction", sig, -d)
	}
	return int(d), nil
}

// foreignHandler reports whether sig's handler was installed by code
// outside the package and the Go runtime (a C library's sigaction).
func foreignHandler(sig unix.Signal) bool { return C.pysig_foreign(C.int(sig)) != 0 }

// restoreDisposition puts back what the package found before it first
// changed sig.
func restoreDisposition(sig unix.Signal) error {
	return errnoErr("sigaction", sig, C.pysig_restore(C.int(sig)))
}

// forgetSaved drops what the package saved for sig, leaving the kernel as
// it is; hasSaved says whether something is saved.
func forgetSaved(sig unix.Signal)   { C.pysig_forget(C.int(sig)) }
func hasSaved(sig unix.Signal) bool { return C.pysig_saved(C.int(sig)) != 0 }

// siginterrupt toggles SA_RESTART on sig's current disposition.
func siginterrupt(sig unix.Signal, flag bool) error {
	f := C.int(0)
	if flag {
		f = 1
	}
	return errnoErr("sigaction", sig, C.pysig_siginterrupt(C.int(sig), f))
}

// saFlags reads sig's current sa_flags (for tests and diagnostics).
func saFlags(sig unix.Signal) (int, error) {
	var flags C.int
	if err := errnoErr("sigaction", sig, C.pysig_flags(C.int(sig), &flags)); err != nil {
		return 0, err
	}
	return int(flags), nil
}

// setNudgeHandler installs the do-nothing handler for sig (MainContext's
// interrupt signal).
func setNudgeHandler(sig unix.Signal) error {
	return errnoErr("sigaction", sig, C.pysig_set_nudge(C.int(sig)))
}

// tripSignal is CPython's trip_signal without a real signal.
func tripSignal(sig unix.Signal) { C.pysig_trip_signal(C.int(sig)) }

// raise sends sig to the calling thread, whose C handler runs before it
// returns. On the main goroutine while Main serves (locked to pinnedTID) it
// is one raw tgkill(2): no cgo call and no entersyscall, so the C handler
// runs as the system call returns and nothing else is on the path.
// Elsewhere it is a single cgo call on a locked goroutine, so that the
// goroutine cannot move to another thread between naming the thread and
// signalling it.
func raise(sig unix.Signal) error {
	if tid := pinnedTID.Load(); tid != 0 && onMainThread() {
		// syscall.RawSyscall6 itself: x/sys's RawSyscall adds two hops.
		if _, _, e := syscall.RawSyscall6(unix.SYS_TGKILL, uintptr(processID), uintptr(tid), uintptr(sig), 0, 0, 0); e != 0 {
			return &Error{"tgkill", sig, e}
		}
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return errnoErr("tgkill", sig, C.pysig_raise(C.int(sig)))
}

// processID is the process id, recorded at start-up.
var processID int

// recordProcess records the process id for raise and, in the C core, the
// ids a nudge carries.
func recordProcess() {
	C.pysig_set_process()
	processID = unix.Getpid()
}

// pendingMore is PYSIG_PENDING_MORE: bit 0 of the pending word, for signal
// 64 (whose own flag is cTripped64) and queued wakeup-write errors.
const pendingMore = 1

// isTripped reports whether sig (1..64) has tripped and not yet run. On
// the main thread it sees the flags a running pass holds (checksignals.go's
// stash) too.
func isTripped(sig unix.Signal) bool {
	if sig == nsig-1 {
		return atomic.LoadInt32(cTripped64) != 0
	}
	bit := uint64(1) << sig
	return atomic.LoadUint64(cPending)&bit != 0 || (onMainThread() && stash&bit != 0)
}

// untrip clears sig's tripped flag (1..64), on the main thread, as CPython
// clears one signal's flag: wherever the flag is (the stash of a running
// pass, the pending word), and leaving "some signal is pending" as it was,
// so a bit cleared from the word leaves bit 0 set there (a bit 0 that finds
// nothing costs one check). Signal 64 leaves bit 0 set as well: it may
// stand for a queued wakeup error too.
func untrip(sig unix.Signal) {
	if sig == nsig-1 {
		atomic.StoreInt32(cTripped64, 0)
		return
	}
	bit := uint64(1) << sig
	stash &^= bit
	if atomic.LoadUint64(cPending)&bit != 0 {
		atomic.OrUint64(cPending, pendingMore)
		atomic.AndUint64(cPending, ^bit)
	}
}
