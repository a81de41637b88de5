//go:build linux && cgo

package pysignal

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestErrorNamesOperationAndSignal: the signal lives in a field, not only in
// the text; Unwrap reaches the errno or the sentinel.
func TestErrorNamesOperationAndSignal(t *testing.T) {
	for _, c := range []struct {
		name string
		call func() error
		op   string
		sig  unix.Signal
		is   error
		text string
	}{
		{"Signal(SIGKILL)", func() error { _, err := Signal(unix.SIGKILL, Ignore); return err },
			"sigaction", unix.SIGKILL, unix.EINVAL, "pysignal: sigaction(SIGKILL): invalid argument"},
		{"Signal(99)", func() error { _, err := Signal(99, Ignore); return err },
			"signal", 99, ErrInvalidSignal, "pysignal: signal(99): signal number out of range (1 to 64)"},
		{"Siginterrupt(SIGURG)", func() error { return Siginterrupt(unix.SIGURG, true) },
			"siginterrupt", unix.SIGURG, ErrReservedSignal, "pysignal: siginterrupt(SIGURG): signal is reserved: the Go runtime needs it; use another signal (SIGUSR1, SIGUSR2, SIGRTMIN+n)"},
		{"Setitimer(7)", func() error { _, _, err := Setitimer(7, time.Second, 0); return err },
			"setitimer", 0, unix.EINVAL, "pysignal: setitimer: unknown timer 7: invalid argument"},
	} {
		err := onMain(c.call)
		var e *Error
		if !errors.As(err, &e) || e.Op != c.op || e.Sig != c.sig || !errors.Is(err, c.is) || err.Error() != c.text {
			t.Errorf("%s: %q (%#v); want Op %q, Sig %d, wrapping %v, text %q", c.name, err, e, c.op, int(c.sig), c.is, c.text)
		}
	}
}
