//go:build linux && cgo

package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// A raceCase is one wrapper: how to block in it naive, and through a Wakeup
// (nil: no Wakeup counterpart; why says why).
type raceCase struct {
	name          string
	naive, wakeup func(e *raceEnv) error
	why           string
}

// raceCases lists the wrappers, in the order of the table.
var raceCases = []raceCase{
	{name: "read",
		naive: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { _, err := pysignal.Read(r, make([]byte, 1)); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { _, err := e.wk.Read(r, make([]byte, 1)); return err })
		}},
	{name: "write",
		naive: func(e *raceEnv) error {
			return lateRoom(e, func(w int) error { _, err := pysignal.Write(w, []byte("x")); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateRoom(e, func(w int) error { _, err := e.wk.Write(w, []byte("x")); return err })
		}},
	{name: "readv",
		naive: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { _, err := pysignal.Readv(r, [][]byte{make([]byte, 1)}); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateByte(e, func(r int) error {
				if _, err := e.wk.Wait(r, unix.POLLIN, -1); err != nil {
					return err
				}
				_, err := unix.Readv(r, [][]byte{make([]byte, 1)})
				return err
			})
		}},
	{name: "recv",
		naive: func(e *raceEnv) error {
			return lateDatagram(e, func(fd int) error { _, _, err := pysignal.Recvfrom(fd, make([]byte, 1), 0); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateDatagram(e, func(fd int) error { _, err := e.wk.Read(fd, make([]byte, 1)); return err })
		}},
	{name: "send",
		naive: func(e *raceEnv) error {
			return fullQueue(e, func(fd int) error { return pysignal.Sendto(fd, []byte("x"), 0, nil) })
		},
		wakeup: func(e *raceEnv) error {
			return fullQueue(e, func(fd int) error { _, err := e.wk.Write(fd, []byte("x")); return err })
		}},
	{name: "accept",
		naive: func(e *raceEnv) error {
			return lateConnection(e, func(l int) (int, error) { fd, _, err := pysignal.Accept(l); return fd, err })
		},
		wakeup: func(e *raceEnv) error {
			return lateConnection(e, func(l int) (int, error) { fd, _, err := e.wk.Accept(l); return fd, err })
		}},
	{name: "connect",
		naive: func(e *raceEnv) error {
			// A Unix listener with backlog 0 queues one connection; the
			// next connect waits until the peer accepts the first.
			l, sa, err := listenUnix(e, 0)
			if err != nil {
				return err
			}
			defer unix.Close(l)
			first, err := dial(sa)
			if err != nil {
				return err
			}
			defer unix.Close(first)
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			join := e.later(func() {
				if c, _, err := unix.Accept(l); err == nil {
					unix.Close(c)
				}
			})
			defer join()
			return pysignal.Connect(fd, sa)
		},
		why: "Wakeup has no Connect; a TCP connect would poll for POLLOUT, but TCP blocks only on a dropped SYN (about 1 s), and a Unix socket's connect, used here, cannot be polled"},
	{name: "poll",
		naive: func(e *raceEnv) error {
			return lateByte(e, func(r int) error {
				_, err := pysignal.Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1)
				return err
			})
		},
		wakeup: func(e *raceEnv) error {
			return lateByte(e, func(r int) error {
				return wakeOrReady(e, func() (bool, bool, error) {
					fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}, {Fd: int32(e.wk.Fd()), Events: unix.POLLIN}}
					_, err := pysignal.Poll(fds, -1)
					return fds[0].Revents != 0, fds[1].Revents != 0, err
				})
			})
		}},
	{name: "select",
		naive: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { _, err := pysignal.Select(r+1, fdSet(r), nil, nil, -1); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateByte(e, func(r int) error {
				return wakeOrReady(e, func() (bool, bool, error) {
					set := fdSet(r, e.wk.Fd())
					_, err := pysignal.Select(max(r, e.wk.Fd())+1, set, nil, nil, -1)
					return set.IsSet(r), set.IsSet(e.wk.Fd()), err
				})
			})
		}},
	{name: "epoll_wait",
		naive: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { return epollWait(e, r, false) })
		},
		wakeup: func(e *raceEnv) error {
			return lateByte(e, func(r int) error { return epollWait(e, r, true) })
		}},
	{name: "sleep",
		naive: func(e *raceEnv) error { return pysignal.Sleep(e.peer) },
		wakeup: func(e *raceEnv) error {
			err := e.wk.Sleep(e.peer)
			e.wk.Signals()
			return err
		}},
	{name: "sigwaitinfo",
		naive: func(e *raceEnv) error {
			return lateSignal(e, func() error { _, err := pysignal.Sigwaitinfo([]unix.Signal{unix.SIGUSR2}); return err })
		},
		why: "the signal waited for is blocked and writes no wakeup byte; polling for it takes a signalfd, not sigwaitinfo"},
	{name: "sigtimedwait",
		naive: func(e *raceEnv) error {
			return lateSignal(e, func() error {
				_, ok, err := pysignal.Sigtimedwait([]unix.Signal{unix.SIGUSR2}, 100*e.peer)
				if err == nil && !ok {
					err = errors.New("sigtimedwait timed out")
				}
				return err
			})
		},
		why: "as sigwaitinfo"},
	{name: "wait4",
		naive: func(e *raceEnv) error {
			return lateChild(e, func(pid int) error { _, err := pysignal.Wait4(pid, nil, 0, nil); return err })
		},
		wakeup: func(e *raceEnv) error {
			return lateChild(e, func(pid int) error {
				pidfd, err := unix.PidfdOpen(pid, 0)
				if err != nil {
					pysignal.Wait4(pid, nil, 0, nil)
					return err
				}
				defer unix.Close(pidfd)
				if _, err := e.wk.Wait(pidfd, unix.POLLIN, -1); err != nil {
					return err
				}
				_, err = unix.Wait4(pid, nil, unix.WNOHANG, nil)
				return err
			})
		}},
	{name: "flock",
		naive: func(e *raceEnv) error {
			return heldLock(e, func(fd int, wait bool) error {
				if wait {
					return pysignal.Flock(fd, unix.LOCK_EX)
				}
				return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			}, func(fd int) error { return unix.Flock(fd, unix.LOCK_UN) })
		},
		why: "no fd becomes ready when a lock is released"},
	{name: "fcntl lock",
		naive: func(e *raceEnv) error {
			return heldLock(e, ofdLock(unix.F_WRLCK), func(fd int) error { return ofdLock(unix.F_UNLCK)(fd, false) })
		},
		why: "as flock"},
	{name: "open FIFO",
		naive: func(e *raceEnv) error {
			path := filepath.Join(e.dir, "fifo")
			os.Remove(path)
			if err := unix.Mkfifo(path, 0o600); err != nil {
				return err
			}
			var w int
			join := e.later(func() { w, _ = unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0) })
			r, err := pysignal.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			join()
			unix.Close(w)
			if err == nil {
				unix.Close(r)
			}
			return err
		},
		why: "an O_NONBLOCK open returns at once, and poll then waits for data, not for a writer"},
}

// epollWait waits with the wrapped EpollWait until r is readable; with the
// Wakeup's fd in the set too, it drains the Wakeup whenever that is readable.
func epollWait(e *raceEnv, r int, withWakeup bool) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(ep)
	fds := []int{r}
	if withWakeup {
		fds = append(fds, e.wk.Fd())
	}
	for _, fd := range fds {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return err
		}
	}
	if !withWakeup {
		_, err := pysignal.EpollWait(ep, make([]unix.EpollEvent, 2), -1)
		return err
	}
	return wakeOrReady(e, func() (fdReady, wakeReady bool, err error) {
		evs := make([]unix.EpollEvent, 2)
		n, err := pysignal.EpollWait(ep, evs, -1)
		for _, ev := range evs[:max(n, 0)] {
			fdReady = fdReady || int(ev.Fd) == r
			wakeReady = wakeReady || int(ev.Fd) == e.wk.Fd()
		}
		return fdReady, wakeReady, err
	})
}

// withWakeup runs f with a fresh Wakeup in e.wk: each run starts with an
// empty wakeup pipe, whatever earlier runs left in theirs.
func withWakeup(e *raceEnv, f func(*raceEnv) error) error {
	wk, err := pysignal.OpenWakeup()
	if err != nil {
		return err
	}
	defer wk.Close()
	e.wk = wk
	return f(e)
}
