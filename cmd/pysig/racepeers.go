//go:build linux && cgo

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// The peers of pysig race -all: each blocks a wrapper on something that
// answers late (a byte, room in a pipe, a connection, a child, a lock).

// raceEnv is what the scenarios share.
type raceEnv struct {
	peer  time.Duration    // the peer answers after this
	wk    *pysignal.Wakeup // the wakeup variants' Wakeup (withWakeup)
	dir   string           // for files, sockets and FIFOs
	sleep string           // the sleep(1) binary, for wait4's child
}

// later runs f on another goroutine after e.peer; join waits for it.
func (e *raceEnv) later(f func()) (join func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(e.peer)
		f()
	}()
	return func() { <-done }
}

// newPipe returns a pipe and a function closing it.
func newPipe(flags int) (r, w int, closeBoth func(), err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], flags|unix.O_CLOEXEC); err != nil {
		return -1, -1, nil, err
	}
	return p[0], p[1], func() { unix.Close(p[0]); unix.Close(p[1]) }, nil
}

// lateByte runs wait on a pipe's read end while the peer writes one byte.
func lateByte(e *raceEnv, wait func(r int) error) error {
	r, w, closeBoth, err := newPipe(0)
	if err != nil {
		return err
	}
	defer closeBoth()
	join := e.later(func() { unix.Write(w, []byte("x")) })
	defer join()
	return wait(r)
}

// fullPipe returns a pipe whose 4 KiB buffer is full and whose write end
// blocks; the peer reads it to make room.
func fullPipe() (r, w int, closeBoth func(), err error) {
	r, w, closeBoth, err = newPipe(unix.O_NONBLOCK)
	if err != nil {
		return
	}
	if _, err = unix.FcntlInt(uintptr(w), unix.F_SETPIPE_SZ, 4096); err == nil {
		buf := make([]byte, 4096)
		for err == nil {
			_, err = unix.Write(w, buf)
		}
		if err == unix.EAGAIN {
			err = unix.SetNonblock(w, false)
		}
	}
	if err != nil {
		closeBoth()
	}
	return
}

// lateRoom runs wait on a full pipe's write end while the peer drains it.
func lateRoom(e *raceEnv, wait func(w int) error) error {
	r, w, closeBoth, err := fullPipe()
	if err != nil {
		return err
	}
	defer closeBoth()
	join := e.later(func() { unix.Read(r, make([]byte, 8192)) })
	defer join()
	return wait(w)
}

// dgramPair returns a datagram socket pair and a function closing it.
func dgramPair() (pair [2]int, closeBoth func(), err error) {
	pair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return pair, nil, err
	}
	return pair, func() { unix.Close(pair[0]); unix.Close(pair[1]) }, nil
}

// lateDatagram runs wait on one end of a datagram socket pair while the
// peer sends a datagram from the other.
func lateDatagram(e *raceEnv, wait func(fd int) error) error {
	pair, closeBoth, err := dgramPair()
	if err != nil {
		return err
	}
	defer closeBoth()
	join := e.later(func() { unix.Write(pair[1], []byte("x")) })
	defer join()
	return wait(pair[0])
}

// fullQueue runs wait on a datagram socket whose send buffer is full of
// datagrams its peer has not read, while the peer reads them.
func fullQueue(e *raceEnv, wait func(fd int) error) error {
	pair, closeBoth, err := dgramPair()
	if err != nil {
		return err
	}
	defer closeBoth()
	for unix.Sendto(pair[1], []byte("x"), unix.MSG_DONTWAIT, nil) == nil {
	}
	// The kernel wakes the sender once the queue is down to a quarter of
	// the send buffer: take everything.
	join := e.later(func() {
		for {
			if _, _, err := unix.Recvfrom(pair[0], make([]byte, 1), unix.MSG_DONTWAIT); err != nil {
				return
			}
		}
	})
	defer join()
	return wait(pair[1])
}

// listenUnix makes a Unix stream listener in e.dir with the given backlog.
func listenUnix(e *raceEnv, backlog int) (fd int, sa *unix.SockaddrUnix, err error) {
	sa = &unix.SockaddrUnix{Name: filepath.Join(e.dir, "listener")}
	os.Remove(sa.Name)
	if fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return -1, nil, err
	}
	if err = unix.Bind(fd, sa); err == nil {
		err = unix.Listen(fd, backlog)
	}
	if err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, sa, nil
}

func dial(sa unix.Sockaddr) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// lateConnection runs wait on a listener while the peer connects.
func lateConnection(e *raceEnv, wait func(l int) (int, error)) error {
	l, sa, err := listenUnix(e, 1)
	if err != nil {
		return err
	}
	defer unix.Close(l)
	var peer int
	join := e.later(func() { peer, _ = dial(sa) })
	fd, err := wait(l)
	join()
	unix.Close(peer)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

// lateChild runs wait on a child that exits after e.peer.
func lateChild(e *raceEnv, wait func(pid int) error) error {
	secs := fmt.Sprintf("%.3f", e.peer.Seconds())
	pid, err := syscall.ForkExec(e.sleep, []string{"sleep", secs}, &syscall.ProcAttr{})
	if err != nil {
		return err
	}
	return wait(pid)
}

// lateSignal blocks SIGUSR2 on the main thread and runs wait while the
// peer sends it there.
func lateSignal(e *raceEnv, wait func() error) error {
	old, err := pysignal.PthreadSigmask(unix.SIG_BLOCK, []unix.Signal{unix.SIGUSR2})
	if err != nil {
		return err
	}
	defer pysignal.PthreadSigmask(unix.SIG_SETMASK, old)
	join := e.later(func() { unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR2) })
	defer join()
	return wait()
}

// heldLock runs wait on a second open of a file that another open holds
// locked (flock and OFD locks belong to the open file description), while
// the peer releases it.
func heldLock(e *raceEnv, lock func(fd int, wait bool) error, unlock func(fd int) error) error {
	path := filepath.Join(e.dir, "lock")
	holder, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer unix.Close(holder)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := lock(holder, false); err != nil {
		return err
	}
	join := e.later(func() { unlock(holder) })
	defer join()
	if err := lock(fd, true); err != nil {
		return err
	}
	return unlock(fd)
}

func ofdLock(typ int16) func(fd int, wait bool) error {
	return func(fd int, wait bool) error {
		cmd := unix.F_OFD_SETLK
		if wait {
			cmd = unix.F_OFD_SETLKW
		}
		lk := unix.Flock_t{Type: typ}
		if wait {
			return pysignal.FcntlFlock(uintptr(fd), cmd, &lk)
		}
		return unix.FcntlFlock(uintptr(fd), cmd, &lk)
	}
}

// wakeOrReady waits with wait (a wrapped poll, select or epoll_wait whose
// set holds fd and the Wakeup's fd) until fd is ready, draining the Wakeup
// (which runs the handlers) whenever it is: the wakeup fd in one's own poll
// loop.
func wakeOrReady(e *raceEnv, wait func() (fdReady, wakeReady bool, err error)) error {
	for {
		fdReady, wakeReady, err := wait()
		if err != nil {
			return err
		}
		if wakeReady {
			if err := e.wk.Drain(); err != nil {
				return err
			}
			e.wk.Signals()
		}
		if fdReady {
			return nil
		}
	}
}

func fdSet(fds ...int) *unix.FdSet {
	var s unix.FdSet
	for _, fd := range fds {
		s.Set(fd)
	}
	return &s
}
