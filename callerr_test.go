//go:build linux && cgo

package pysignal

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCallErr: f runs on the main thread and its error comes back as it is;
// a nil error stays nil.
func TestCallErr(t *testing.T) {
	var tid int
	err := CallErr(func() error {
		tid = unix.Gettid()
		return errTest
	})
	if err != errTest || tid != MainThreadID() {
		t.Fatalf("CallErr = %v on thread %d; want %v on the main thread %d", err, tid, errTest, MainThreadID())
	}
	if err := CallErr(func() error { return nil }); err != nil {
		t.Fatalf("CallErr(nil-returning f) = %v", err)
	}
	_, err = Signal(unix.SIGUSR1, Ignore) // off the main thread: refused
	if !errors.Is(err, ErrNotMainThread) {
		t.Fatalf("Signal off the main thread: %v", err)
	}
}
