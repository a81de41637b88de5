//go:build linux && cgo

package pysignal

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestCheckSignalsScansEveryFlag trips every signal number 1..64 without a
// handler (the C trip path, no real signal) and checks that one
// CheckSignals reports each as ignored, in ascending order: the pass over
// the pending word misses none, from bit 1 to bit 63, and 64, which has its
// own flag behind bit 0.
func TestCheckSignalsScansEveryFlag(t *testing.T) {
	var got []int
	var err error
	Call(func() {
		defer SetUnraisableHook(func(e *UnraisableError) {
			var n int
			if errors.Is(e.Err, ErrIgnoredSignal) {
				fmt.Sscanf(e.Err.Error()[len(ErrIgnoredSignal.Error()):], ": signal %d", &n)
			}
			got = append(got, n)
		})()
		for sig := unix.Signal(1); sig < nsig; sig++ {
			if loadHandler(sig) != nil {
				err = fmt.Errorf("signal %d has a handler; the test needs none", sig)
				return
			}
			tripSignal(sig)
		}
		err = CheckSignals()
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for sig := 1; sig < nsig; sig++ {
		want = append(want, sig)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signals reported as ignored (-want +got):\n%s", diff)
	}
}
