//go:build linux && cgo

package pysignal

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Accept is unix.Accept in the PEP 475 loop: CPython's socket.accept,
// but the new descriptor is inheritable, as unix.Accept makes it, where
// CPython's (PEP 446) and Go's net package's are close-on-exec: a child
// started with os/exec would inherit it. Accept4(fd, unix.SOCK_CLOEXEC) is
// what CPython does.
func Accept(fd int) (nfd int, sa unix.Sockaddr, err error) {
	if err := narrow(fd); err != nil {
		return -1, nil, err
	}
	nfd, err = retry("accept", func() (r int, e error) { r, sa, e = unix.Accept(fd); return })
	return nfd, sa, err
}

// Accept4 is unix.Accept4 in the PEP 475 loop.
func Accept4(fd int, flags int) (nfd int, sa unix.Sockaddr, err error) {
	if err := narrow(fd, flags); err != nil {
		return -1, nil, err
	}
	nfd, err = retry("accept4", func() (r int, e error) { r, sa, e = unix.Accept4(fd, flags); return })
	return nfd, sa, err
}

// Recvfrom is unix.Recvfrom in the PEP 475 loop: CPython's socket.recv and
// recvfrom.
func Recvfrom(fd int, p []byte, flags int) (n int, from unix.Sockaddr, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, nil, err
	}
	n, err = retry("recvfrom", func() (r int, e error) { r, from, e = unix.Recvfrom(fd, p, flags); return })
	return n, from, err
}

// Send sends p on the connected socket fd and returns how many bytes went:
// CPython's socket.send. It is SendtoN(fd, p, flags, nil).
func Send(fd int, p []byte, flags int) (n int, err error) {
	return SendtoN(fd, p, flags, nil)
}

// SendtoN is sendto(2) in the PEP 475 loop, returning the count: CPython's
// socket.send and socket.sendto. Like send(2) it may send less than len(p):
// a blocking stream socket interrupted by a signal after some bytes went
// returns their count (the kernel reports no EINTR then, so the handler
// runs at the next check, as in CPython), and so does a non-blocking one
// whose buffer filled. x/sys/unix has no count-returning sendto: without
// an address the call is sendto(2) itself; with one it is sendmsg(2)
// carrying the address, the same kernel path (sendto(2) builds a message
// header and calls it), and the trace names it "sendmsg".
func SendtoN(fd int, p []byte, flags int, to unix.Sockaddr) (n int, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, err
	}
	if to != nil {
		return retry("sendmsg", func() (int, error) { return unix.SendmsgN(fd, p, nil, to, flags) })
	}
	return retry("sendto", func() (int, error) { return sendto(fd, p, flags) })
}

// sendto is sendto(2) with no address, keeping the count that x/sys/unix's
// Sendto drops.
func sendto(fd int, p []byte, flags int) (int, error) {
	n, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))),
		uintptr(len(p)), uintptr(flags), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// Sendall sends all of p on the connected socket fd: CPython's
// socket.sendall. It calls send(2) (in the PEP 475 loop) until every byte
// went, and runs CheckSignals after each call, as CPython does, since a
// send interrupted after part of p went reports no EINTR: the handlers run
// while the rest waits, and a handler's error ends the call. n is how many
// bytes went, also on error (CPython's sendall loses that count).
func Sendall(fd int, p []byte, flags int) (n int, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, err
	}
	for {
		k, err := retry("sendto", func() (int, error) { return sendto(fd, p[n:], flags) })
		if err != nil {
			return n, err
		}
		n += k
		if err := CheckSignals(); err != nil {
			return n, err
		}
		if n >= len(p) {
			return n, nil
		}
	}
}

// Sendto is unix.Sendto in the PEP 475 loop: CPython's socket.send and
// sendto, in x/sys/unix's signature, which has no count. It is never silent
// about bytes that did not go: when the kernel sent only part of p it
// returns an *Error whose cause is a *ShortWrite holding the count
// (errors.Is(err, io.ErrShortWrite)). Use Send or SendtoN to resume a
// partial send.
func Sendto(fd int, p []byte, flags int, to unix.Sockaddr) error {
	n, err := SendtoN(fd, p, flags, to)
	return short("sendto", n, len(p), err)
}

// short turns a count-less call's partial count into an error.
func short(op string, n, want int, err error) error {
	if err != nil || n >= want {
		return err
	}
	return &Error{op, 0, &ShortWrite{N: n, Len: want}}
}

// Recvmsg is unix.Recvmsg in the PEP 475 loop: CPython's socket.recvmsg.
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn int, recvflags int, from unix.Sockaddr, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, 0, 0, nil, err
	}
	n, err = retry("recvmsg", func() (r int, e error) {
		r, oobn, recvflags, from, e = unix.Recvmsg(fd, p, oob, flags)
		return
	})
	return n, oobn, recvflags, from, err
}

// SendmsgN is unix.SendmsgN in the PEP 475 loop: CPython's socket.sendmsg,
// which returns the count. Like sendmsg(2) it may send less than len(p)
// (see SendtoN). As x/sys/unix's, with oob and an empty p it sends one
// byte of zero, and n is 0.
func SendmsgN(fd int, p, oob []byte, to unix.Sockaddr, flags int) (n int, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, err
	}
	return retry("sendmsg", func() (int, error) { return unix.SendmsgN(fd, p, oob, to, flags) })
}

// Sendmsg is unix.Sendmsg in the PEP 475 loop: CPython's socket.sendmsg, in
// x/sys/unix's signature, which has no count. When the kernel sent only part
// of p it returns an *Error whose cause is a *ShortWrite holding the count,
// as Sendto does. Use SendmsgN to resume a partial send.
func Sendmsg(fd int, p, oob []byte, to unix.Sockaddr, flags int) error {
	n, err := SendmsgN(fd, p, oob, to, flags)
	return short("sendmsg", n, len(p), err)
}

// Connect is unix.Connect with PEP 475's special case, as CPython's
// socket.connect does it (bpo-23618). If connect(2) fails with EINTR the
// connection attempt goes on in the kernel, and calling connect again would
// fail with EALREADY or EISCONN. So after EINTR and a successful
// CheckSignals, Connect waits for the socket to become writable (Poll, itself
// in the PEP 475 loop, with no timeout) and returns the socket's SO_ERROR
// (EISCONN counts as success). A handler error is returned unchanged.
//
// On a non-blocking socket connect(2) never waits, so never fails with
// EINTR: EINPROGRESS is returned as is, and the caller waits.
func Connect(fd int, sa unix.Sockaddr) error {
	if err := narrow(fd); err != nil {
		return err
	}
	hook := traceHook.Load()
	_, err := attempt(hook, "connect", func() (int, error) { return result(unix.Connect(fd, sa)) })
	if err != unix.EINTR {
		return err
	}
	if err := checkAfterEINTR("connect", hook); err != nil {
		return err
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	if _, err := Poll(fds, -1); err != nil {
		return err
	}
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soerr != 0 && unix.Errno(soerr) != unix.EISCONN {
		return unix.Errno(soerr)
	}
	return nil
}
