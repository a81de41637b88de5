//go:build linux && cgo

package pysignal

import "golang.org/x/sys/unix"

// Accept is unix.Accept in the PEP 475 loop: CPython's socket.accept.
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

// Sendto is unix.Sendto in the PEP 475 loop: CPython's socket.send and
// sendto.
func Sendto(fd int, p []byte, flags int, to unix.Sockaddr) error {
	if err := narrow(fd, flags); err != nil {
		return err
	}
	_, err := retry("sendto", func() (int, error) { return result(unix.Sendto(fd, p, flags, to)) })
	return err
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

// Sendmsg is unix.Sendmsg in the PEP 475 loop: CPython's socket.sendmsg.
func Sendmsg(fd int, p, oob []byte, to unix.Sockaddr, flags int) error {
	if err := narrow(fd, flags); err != nil {
		return err
	}
	_, err := retry("sendmsg", func() (int, error) { return result(unix.Sendmsg(fd, p, oob, to, flags)) })
	return err
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
