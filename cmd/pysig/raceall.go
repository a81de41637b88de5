//go:build linux && cgo

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// pysig race -all: the map of every wrapper's race window. Each wrapper
// blocks on a peer that answers late; sigtest.Explore lands SIGUSR1 at each
// of its trace points, once naive and once through a Wakeup where one
// applies.

// raceEnv is what the scenarios share.
type raceEnv struct {
	peer  time.Duration    // the peer answers after this
	wk    *pysignal.Wakeup // the wakeup variants' Wakeup (withWakeup)
	dir   string           // for files, sockets and FIFOs
	sleep string           // the sleep(1) binary, for wait4's child
}

// A raceCase is one wrapper: how to block in it naive, and through a Wakeup
// (nil: no Wakeup counterpart; why says why).
type raceCase struct {
	name          string
	naive, wakeup func(e *raceEnv) error
	why           string
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

// lateDatagram runs wait on one end of a datagram socket pair while the
// peer sends a datagram from the other.
func lateDatagram(e *raceEnv, wait func(fd int) error) error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	join := e.later(func() { unix.Write(pair[1], []byte("x")) })
	defer join()
	return wait(pair[0])
}

// fullQueue runs wait on a datagram socket whose send buffer is full of
// datagrams its peer has not read, while the peer reads them.
func fullQueue(e *raceEnv, wait func(fd int) error) error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
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

// A raceRow is one wrapper's line of the map; wakeup is nil where no Wakeup
// variant applies.
type raceRow struct {
	c             raceCase
	naive, wakeup *sigtest.Report
}

// exploreAll explores each case, naive and through a Wakeup; progress, if
// not nil, hears each case's name first.
func exploreAll(cases []raceCase, peer, bound time.Duration, progress func(string)) ([]raceRow, error) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return nil, fmt.Errorf("wait4's child needs sleep(1): %w", err)
	}
	dir, err := os.MkdirTemp("", "pysig-race-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	e := &raceEnv{peer: peer, dir: dir, sleep: sleep}
	opts := sigtest.Options{Signal: unix.SIGUSR1, Bound: bound}
	var rows []raceRow
	for _, c := range cases {
		if progress != nil {
			progress(c.name)
		}
		row := raceRow{c: c}
		if row.naive, err = sigtest.Explore(func() error { return c.naive(e) }, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if c.wakeup != nil {
			if row.wakeup, err = sigtest.Explore(func() error { return withWakeup(e, c.wakeup) }, opts); err != nil {
				return nil, fmt.Errorf("%s through a Wakeup: %w", c.name, err)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// raceAll explores every case and prints the map. With verbose, each
// exploration's own table follows.
func raceAll(peer, bound time.Duration, verbose bool) error {
	rows, err := exploreAll(raceCases, peer, bound, func(name string) {
		fmt.Fprintf(os.Stderr, "\r%-40s", "exploring "+name+"...")
	})
	fmt.Fprintf(os.Stderr, "\r%40s\r", "")
	if err != nil {
		return err
	}
	fmt.Printf("pysig race -all: %s landed at every trace point of each wrapper (sigtest.Explore),\n", pysignal.SignalName(unix.SIGUSR1))
	fmt.Printf("the call blocked on a peer that answers after %v; a handler later than %v is late.\n\n", peer, bound)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "wrapper\tnaive: points\tlate\tlate at\tworst delay\twakeup: points\tlate\tworst delay\t")
	var notes, details []string
	for _, r := range rows {
		line := fmt.Sprintf("%s\t%d\t%d\t%s\t%v\t", r.c.name, len(r.naive.Results), len(r.naive.Late()), lateAt(r.naive), r.naive.Worst().Round(time.Microsecond))
		details = append(details, fmt.Sprintf("%s, naive:\n%v", r.c.name, r.naive))
		if r.wakeup == nil {
			notes = append(notes, fmt.Sprintf("%s: no Wakeup variant: %s.", r.c.name, r.c.why))
			line += "—\t—\t—\t"
		} else {
			line += fmt.Sprintf("%d\t%d\t%v\t", len(r.wakeup.Results), len(r.wakeup.Late()), r.wakeup.Worst().Round(time.Microsecond))
			details = append(details, fmt.Sprintf("%s, through a Wakeup:\n%v", r.c.name, r.wakeup))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Printf("\n%s\n", strings.Join(notes, "\n"))
	if verbose {
		fmt.Println()
		fmt.Print(strings.Join(details, "\n"))
		fmt.Println()
	}
	return nil
}

// lateAt names the phases of the late points: "enter", "exit", ...
func lateAt(rep *sigtest.Report) string {
	var at []string
	for _, r := range rep.Late() {
		at = append(at, fmt.Sprintf("%d %s", r.Index, strings.TrimPrefix(r.Phase.String(), "syscall ")))
	}
	if at == nil {
		return "-"
	}
	return strings.Join(at, ", ")
}

// raceAllCmd checks race's flags for -all: the sampling flags do not apply;
// -peer defaults to 50 ms there, five times the default bound.
func raceAllCmd(fs *flag.FlagSet, peer, bound time.Duration, verbose bool) int {
	var bad []string
	peerSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "peer":
			peerSet = true
		case "all", "bound", "v":
		default:
			bad = append(bad, "-"+f.Name)
		}
	})
	if len(bad) > 0 {
		return usageError(fs, "%s: only for the sampling run (with -all: -peer, -bound, -v)", strings.Join(bad, ", "))
	}
	if !peerSet {
		peer = 50 * time.Millisecond
	}
	if peer <= 0 || bound <= 0 || peer <= bound {
		return usageError(fs, "-all: -peer (%v) and -bound (%v) must be positive, -peer longer than -bound (or no point can be late)", peer, bound)
	}
	if err := raceAll(peer, bound, verbose); err != nil {
		fmt.Fprintln(os.Stderr, "pysig race -all:", err)
		return 1
	}
	return 0
}
