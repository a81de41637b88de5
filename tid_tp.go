//go:build linux && cgo && (amd64 || arm64)

package pysignal

import (
	"sync/atomic"
	"syscall"

	"github.com/pysignal/pysignal/internal/threadptr"
	"golang.org/x/sys/unix"
)

// tids caches the thread id of the threads the main goroutine has made
// wrapped calls on, by thread pointer (internal/threadptr, ~1 ns), so that
// attemptOnMain names its thread without gettid(2), a system call that
// costs as much as a short read. Only the main goroutine uses it.
//
// A thread pointer outlives its thread: libc reuses a finished thread's
// control block for the next thread, with a new id. Go ends a thread only
// when a goroutine exits locked to it, and then a stale entry would name a
// thread that has gone: the nudge to it fails (ESRCH), the C core says so
// (pysig_nudge_failed), and the cache is emptied before the next call.
var tids [16]struct {
	tp  uintptr
	tid int32
}

// callTID returns the calling thread's id; the caller is the main
// goroutine, locked to its thread.
func callTID() int32 {
	if atomic.LoadInt32(cNudgeFailed) != 0 {
		atomic.StoreInt32(cNudgeFailed, 0)
		clear(tids[:])
	}
	tp := threadptr.Get()
	e := &tids[(tp*0x9E3779B97F4A7C15)>>60]
	if e.tp != tp {
		r, _, _ := syscall.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
		e.tp, e.tid = tp, int32(r)
	}
	return e.tid
}
