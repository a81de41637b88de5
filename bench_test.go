//go:build linux

package pysignal

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkCheckSignalsIdle is the cost of a safe point with nothing
// pending: one atomic load, no cgo call, no allocation (goal: ≤ 1 ns/op).
// It uses a b.N loop on purpose: b.Loop keeps the calls in its body from
// being inlined, and CheckSignals is meant to be inlined at every safe point.
func BenchmarkCheckSignalsIdle(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := CheckSignals(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRaiseToHandler is one same-thread round trip on the main thread:
// raise(3) → C handler trips the flag → CheckSignals runs the Go handler.
func BenchmarkRaiseToHandler(b *testing.B) {
	runs := 0
	var err error
	Call(func() {
		if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { runs++; return nil })); err != nil {
			return
		}
		defer func() {
			handlers[unix.SIGUSR1].Store(nil)
			restoreDisposition(unix.SIGUSR1)
		}()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err = RaiseSignal(unix.SIGUSR1); err != nil {
				return
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if runs != b.N {
		b.Fatalf("handler ran %d times for %d signals", runs, b.N)
	}
}
