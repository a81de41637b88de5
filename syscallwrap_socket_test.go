//go:build linux && cgo

package pysignal

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"golang.org/x/sys/unix"
)

// Issue 19.3: a blocking stream send interrupted after part of the buffer
// went returns the count (the kernel reports no EINTR then), as CPython's
// socket.send does; the count-less Sendto and Sendmsg say so with a
// *ShortWrite, never nil. 1 MiB to a stream socket pair whose peer does not
// read: the socket buffer takes a few hundred KiB, then the send blocks
// until SIGUSR1, whose handler returns nil, interrupts it.
func TestInterruptedSendGivesTheCount(t *testing.T) {
	runs := 0
	own(t, usr1, HandlerFunc(func(unix.Signal) error { runs++; return nil }))
	data := randomBytes(t, 1<<20)
	counted := func(n int, err error) (int, error) { return n, err }
	countLess := func(op string) func(error) (int, error) {
		return func(err error) (int, error) {
			var sw *ShortWrite
			var e *Error
			if !errors.As(err, &sw) || !errors.Is(err, io.ErrShortWrite) || !errors.As(err, &e) || e.Op != op {
				return 0, errorf("%s: %v; want an *Error %q with a *ShortWrite wrapping io.ErrShortWrite", op, err, op)
			}
			if sw.Len != len(data) {
				return 0, errorf("ShortWrite.Len %d, want %d", sw.Len, len(data))
			}
			return sw.N, nil
		}
	}
	cases := []struct {
		name, sys string
		send      func(fd int) (int, error)
	}{
		{"Send", "sendto", func(fd int) (int, error) { return counted(Send(fd, data, 0)) }},
		{"SendtoN", "sendto", func(fd int) (int, error) { return counted(SendtoN(fd, data, 0, nil)) }},
		{"SendmsgN", "sendmsg", func(fd int) (int, error) { return counted(SendmsgN(fd, data, nil, nil, 0)) }},
		{"Sendto", "sendto", func(fd int) (int, error) { return countLess("sendto")(Sendto(fd, data, 0, nil)) }},
		{"Sendmsg", "sendmsg", func(fd int) (int, error) { return countLess("sendmsg")(Sendmsg(fd, data, nil, nil, 0)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			must(t, err)
			defer unix.Close(pair[0])
			defer unix.Close(pair[1])
			kicked := make(chan error, 1)
			go func() { // once the send blocks, interrupt it
				err := waitBlockedIn(MainThreadID(), "sock_alloc_send")
				if err == nil {
					err = PthreadKill(MainThreadID(), usr1)
				}
				kicked <- err
			}()
			runs = 0
			var n int
			must(t, onMain(func() (err error) {
				n, err = c.send(pair[1])
				return err
			}))
			must(t, <-kicked)
			if n <= 0 || n >= len(data) {
				t.Fatalf("%s sent %d of %d bytes; want a partial count", c.name, n, len(data))
			}
			must(t, onMain(CheckSignals))
			if runs != 1 {
				t.Errorf("the handler ran %d times, want once", runs)
			}
			// The peer holds exactly the bytes reported, no more.
			must(t, unix.SetNonblock(pair[0], true))
			if got := drain(pair[0]); !bytes.Equal(got, data[:n]) {
				t.Errorf("the peer got %d bytes, the call reported %d (equal prefix: %v)",
					len(got), n, bytes.Equal(got, data[:min(n, len(got))]))
			}
			t.Logf("%s: %d of %d bytes sent", c.name, n, len(data))
		})
	}
}

// SendtoN with an address (sendmsg(2) carrying it) and without: a datagram
// goes whole, to the address given, and the count is its length.
func TestSendtoNWithAnAddress(t *testing.T) {
	rx, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(rx)
	addr := &unix.SockaddrUnix{Name: "@pysignal-sendto-" + itoa(unix.Getpid())}
	must(t, unix.Bind(rx, addr))
	tx, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(tx)
	if n, err := SendtoN(tx, []byte("to the address"), 0, addr); n != 14 || err != nil {
		t.Fatalf("SendtoN(addr) = %d, %v; want 14, nil", n, err)
	}
	must(t, Sendto(tx, []byte("count-less"), 0, addr))
	buf := make([]byte, 64)
	for _, want := range []string{"to the address", "count-less"} {
		n, _, err := unix.Recvfrom(rx, buf, unix.MSG_DONTWAIT)
		if err != nil || string(buf[:n]) != want {
			t.Errorf("received %q, %v; want %q", buf[:max(n, 0)], err, want)
		}
	}
	// Without an address on an unconnected socket: the kernel's error.
	if _, err := SendtoN(tx, []byte("x"), 0, nil); err != unix.ENOTCONN {
		t.Errorf("SendtoN(nil) on an unconnected socket: %v; want ENOTCONN", err)
	}
}
