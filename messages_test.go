//go:build linux && cgo

package pysignal

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMessages lists, call by call, the exact text of each error a newcomer
// is likely to meet first. Each names the operation and, where there is
// one, says what to do instead.
func TestMessages(t *testing.T) {
	var blockingR int
	{
		var p [2]int
		must(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
		blockingR = p[0]
		defer unix.Close(p[0])
		defer unix.Close(p[1])
	}
	r, w := fileFromPipe(t, 0)
	must(t, r.Close())
	const mainRule = "only works on the main thread: run the program with pysignal.MainContext and make this call through pysignal.CallErr"
	for _, c := range []struct {
		call string
		err  func() error
		text string
	}{
		{"Signal(SIGUSR1, h) off the main thread",
			func() error { _, err := Signal(unix.SIGUSR1, Ignore); return err },
			"pysignal: signal(SIGUSR1): " + mainRule},
		{"SetWakeupFD off the main thread",
			func() error { _, err := SetWakeupFD(-1, true); return err },
			"pysignal: set_wakeup_fd: " + mainRule},
		{"OpenWakeup off the main thread",
			func() error { _, err := OpenWakeup(); return err },
			"pysignal: OpenWakeup: " + mainRule},
		{"SetWakeupFD(blocking fd) on the main thread",
			func() error { return CallErr(func() error { _, err := SetWakeupFD(blockingR, true); return err }) },
			"pysignal: set_wakeup_fd: the wakeup fd must be in non-blocking mode: fd " + itoa(blockingR) +
				" is blocking (unix.SetNonblock(" + itoa(blockingR) + ", true) makes it non-blocking)"},
		{"Signal(SIGURG, h)",
			func() error { return CallErr(func() error { _, err := Signal(unix.SIGURG, Ignore); return err }) },
			"pysignal: signal(SIGURG): signal is reserved: the Go runtime needs it; use another signal (SIGUSR1, SIGUSR2, SIGRTMIN+n)"},
		{"Signal(32, h)",
			func() error { return CallErr(func() error { _, err := Signal(32, Ignore); return err }) },
			"pysignal: signal(32): signal is reserved: the C library (glibc) needs it; use another signal (SIGUSR1, SIGUSR2, SIGRTMIN+n)"},
		{"Signal(99, h)",
			func() error { return CallErr(func() error { _, err := Signal(99, Ignore); return err }) },
			"pysignal: signal(99): signal number out of range (1 to 64)"},
		{"Signal(SIGUSR1, nil)",
			func() error { return CallErr(func() error { _, err := Signal(unix.SIGUSR1, nil); return err }) },
			"pysignal: signal(SIGUSR1): handler must be Default, Ignore or a non-nil Handler"},
		{"an Error about signal 64",
			func() error { return &Error{Op: "sigaction", Sig: 64, Err: unix.EINVAL} },
			"pysignal: sigaction(SIGRTMAX): invalid argument"},
		{"File.Write to a pipe with no reader",
			func() error { _, err := w.Write([]byte("x")); return err },
			"write pipe-w: broken pipe"},
		{"File.Read after Close",
			func() error { _, err := r.Read(make([]byte, 1)); return err },
			"read pipe-r: file already closed"},
		{"File.Read interrupted by Ctrl-C",
			func() error { return (&File{name: "/dev/stdin"}).wrap("read", ErrKeyboardInterrupt) },
			"read /dev/stdin: KeyboardInterrupt"},
	} {
		err := c.err()
		if err == nil || err.Error() != c.text {
			t.Errorf("%s:\n got %v\nwant %s", c.call, err, c.text)
		}
	}
	if got := SignalName(64); got != "SIGRTMAX" {
		t.Errorf("SignalName(64) = %q, want SIGRTMAX", got)
	}
	if err := onMain(func() error { _, err := SetWakeupFD(blockingR, true); return err }); !errors.Is(err, ErrBlockingFD) {
		t.Errorf("SetWakeupFD(blocking) = %v, want ErrBlockingFD", err)
	}
}
