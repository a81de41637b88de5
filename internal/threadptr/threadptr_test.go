//go:build linux && (amd64 || arm64)

package threadptr

import (
	"runtime"
	"testing"

	// Threads made by libc, as in every pysignal program (see Get).
	_ "runtime/cgo"

	"golang.org/x/sys/unix"
)

// TestGetNamesTheThread checks that Get is stable on one thread and differs
// between threads: 8 goroutines, each locked to its own thread, each read it
// twice around a system call.
func TestGetNamesTheThread(t *testing.T) {
	type res struct {
		tid  int
		a, b uintptr
	}
	const n = 8
	out := make(chan res, n)
	release := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			a := Get()
			tid := unix.Gettid()
			b := Get()
			out <- res{tid, a, b}
			<-release // keep every thread alive until all have answered
		}()
	}
	seen := map[uintptr]int{}
	for i := 0; i < n; i++ {
		r := <-out
		if r.a == 0 || r.a != r.b {
			t.Errorf("thread %d: Get gave %#x then %#x", r.tid, r.a, r.b)
		}
		if other, dup := seen[r.a]; dup {
			t.Errorf("threads %d and %d share thread pointer %#x", other, r.tid, r.a)
		}
		seen[r.a] = r.tid
	}
	close(release)
}
