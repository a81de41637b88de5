//go:build linux && cgo && (amd64 || arm64)

package pysignal

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// The ground rule for the hot paths, checked rather than benchmarked: an
// idle CheckSignals, RaiseSignal on the main thread through its handler,
// and a wrapped Read make no cgo call and allocate nothing. The cgo count
// is process-wide, so the test asks for fewer calls than iterations (a
// stray call elsewhere cannot fail it; one per iteration would). Only where
// the main-thread check reads the thread pointer (onmain.go); elsewhere it
// is a cgo call.
func TestHotPathsMakeNoCgoCallAndAllocateNothing(t *testing.T) {
	const n = 200
	runs := 0 // a handler that allocates nothing itself
	own(t, usr1, HandlerFunc(func(unix.Signal) error { runs++; return nil }))
	r, w := pipe(t, 0)
	buf := []byte{0}
	paths := []struct {
		name string
		run  func() error
	}{
		{"idle CheckSignals", CheckSignals},
		{"RaiseSignal on the main thread", func() error { return RaiseSignal(usr1) }},
		{"wrapped Read", func() error {
			if _, err := unix.Write(w, buf); err != nil {
				return err
			}
			_, err := Read(r, buf)
			return err
		}},
	}
	for _, p := range paths {
		var calls int64
		var allocs float64
		var err error
		must(t, onMain(func() error {
			before := runtime.NumCgoCall()
			for i := 0; i < n && err == nil; i++ {
				err = p.run()
			}
			calls = runtime.NumCgoCall() - before
			allocs = testing.AllocsPerRun(n, func() {
				if e := p.run(); e != nil && err == nil {
					err = e
				}
			})
			return err
		}))
		if calls >= n || allocs != 0 {
			t.Errorf("%s: %d cgo calls in %d iterations, %v allocations per run; want fewer than %d and 0", p.name, calls, n, allocs, n)
		}
	}
	if runs != 2*n+1 { // AllocsPerRun runs its function once more first
		t.Errorf("the handler ran %d times for %d raises", runs, 2*n+1)
	}
}
