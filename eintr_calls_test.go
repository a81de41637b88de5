//go:build linux && cgo

package pysignal

// The rest of the _test_eintr.py port (see eintr_test.go for the storm
// harness): every PEP 475 wrapper, blocked on a real peer that answers
// late, under the SIGALRM storm.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lateCall runs call on the main thread while peer runs on another
// goroutine after peerDelay, under the storm, until one attempt saw an EINTR
// on the system call named sys. setup builds fresh resources per attempt.
func lateCall(t *testing.T, sys string, attempt func() (peer func(), call func() error)) {
	t.Helper()
	s := startStorm(t)
	interrupted(t, func() (int, error) {
		peer, call := attempt()
		c := countEINTR(t, sys)
		runs := s.runs.Load()
		go func() {
			time.Sleep(peerDelay)
			peer()
		}()
		if err := onMain(call); err != nil {
			return 0, err
		}
		if s.runs.Load() == runs {
			return 0, errors.New("the SIGALRM handler never ran during the call")
		}
		return c.count(), nil
	})
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// CPython: OSEINTRTest.test_write (a large write to a slow reader).
// readN reads n bytes (or until EOF) from a blocking fd, retrying EINTR:
// the late reader of the write tests.
func readN(fd, n int) []byte {
	var all []byte
	buf := make([]byte, 1<<16)
	for len(all) < n {
		k, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if k <= 0 {
			break
		}
		all = append(all, buf[:k]...)
	}
	return all
}

func TestEINTRWrite(t *testing.T) {
	data := randomBytes(t, 4<<20)
	lateCall(t, "write", func() (func(), func() error) {
		r, w := pipe(t, 0)
		got := make(chan []byte, 1)
		return func() { got <- readN(r, len(data)) }, func() error {
			for rest := data; len(rest) > 0; {
				n, err := Write(w, rest)
				if err != nil {
					return err
				}
				rest = rest[n:]
			}
			if !bytes.Equal(<-got, data) {
				return errors.New("the reader got other bytes")
			}
			return nil
		}
	})
}

func TestEINTRReadvWritev(t *testing.T) {
	lateCall(t, "readv", func() (func(), func() error) {
		r, w := pipe(t, 0)
		return func() { unix.Write(w, []byte("abcdefgh")) }, func() error {
			a, b := make([]byte, 3), make([]byte, 5)
			n, err := Readv(r, [][]byte{a, b})
			if err != nil {
				return err
			}
			if n != 8 || string(a) != "abc" || string(b) != "defgh" {
				return fmt.Errorf("readv: %d %q %q", n, a, b)
			}
			return nil
		}
	})
	data := randomBytes(t, 2<<20)
	lateCall(t, "writev", func() (func(), func() error) {
		r, w := pipe(t, 0)
		got := make(chan []byte, 1)
		return func() { got <- readN(r, len(data)) }, func() error {
			half := len(data) / 2
			iovs := [][]byte{data[:half], data[half:]}
			total := 0
			for total < len(data) {
				n, err := Writev(w, iovs)
				if err != nil {
					return err
				}
				total += n
				iovs = [][]byte{data[total:]}
			}
			if !bytes.Equal(<-got, data) {
				return errors.New("the reader got other bytes")
			}
			return nil
		}
	})
}

// Pread, Pwrite, Fsync and Ftruncate do not block on local files, so no
// storm can interrupt them here: this checks what they do.
func TestPreadPwriteFsyncFtruncate(t *testing.T) {
	fd, err := unix.Open(filepath.Join(t.TempDir(), "f"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(t, err)
	defer unix.Close(fd)
	if n, err := Pwrite(fd, []byte("world"), 6); n != 5 || err != nil {
		t.Fatalf("Pwrite: %d, %v", n, err)
	}
	buf := make([]byte, 5)
	if n, err := Pread(fd, buf, 6); n != 5 || err != nil || string(buf) != "world" {
		t.Fatalf("Pread: %d, %v, %q", n, err, buf)
	}
	must(t, Ftruncate(fd, 8))
	must(t, Fsync(fd))
	var st unix.Stat_t
	must(t, unix.Fstat(fd, &st))
	if st.Size != 8 {
		t.Errorf("size %d after Ftruncate(8)", st.Size)
	}
	if err := Close(fd); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := Close(fd); !errors.Is(err, unix.EBADF) {
		t.Errorf("second Close: %v, want EBADF", err)
	}
}

// CPython: SocketEINTRTest.test_open and test_os_open: opening a FIFO
// blocks until the other end opens.
func TestEINTROpenFIFO(t *testing.T) {
	for _, at := range []bool{false, true} {
		sys := "openat"
		lateCall(t, sys, func() (func(), func() error) {
			dir := t.TempDir()
			path := filepath.Join(dir, "fifo")
			must(t, unix.Mkfifo(path, 0o600))
			return func() {
					w, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
					if err == nil {
						unix.Write(w, []byte("via fifo"))
						unix.Close(w)
					}
				}, func() error {
					var fd int
					var err error
					if at {
						d, derr := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
						if derr != nil {
							return derr
						}
						defer unix.Close(d)
						fd, err = Openat(d, "fifo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
					} else {
						fd, err = Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
					}
					if err != nil {
						return err
					}
					defer unix.Close(fd)
					buf := make([]byte, 16)
					n, err := Read(fd, buf)
					if err != nil || string(buf[:n]) != "via fifo" {
						return fmt.Errorf("read %q, %v", buf[:n], err)
					}
					return nil
				}
		})
	}
}

// listener returns a blocking TCP listener on 127.0.0.1 and its address.
func listener(t *testing.T, backlog int) (int, *unix.SockaddrInet4) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	must(t, unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	must(t, unix.Listen(fd, backlog))
	sa, err := unix.Getsockname(fd)
	must(t, err)
	return fd, sa.(*unix.SockaddrInet4)
}

// fillAcceptQueue makes one connection that a backlog-0 listener queues
// and nobody accepts: its queue is then full, and the kernel drops the next
// SYN (the client retransmits it after about a second). Non-blocking, so the
// setup itself never waits for that retransmission.
func fillAcceptQueue(addr *unix.SockaddrInet4) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, addr); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return -1, err
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	if n, err := Poll(fds, 5*time.Second); n != 1 || err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("the filler connection did not complete: %d, %v", n, err)
	}
	return fd, nil
}

func dialTCP(addr *unix.SockaddrInet4) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, addr); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// CPython: SocketEINTRTest.test_accept.
func TestEINTRAccept(t *testing.T) {
	for _, four := range []bool{false, true} {
		sys := "accept"
		if four {
			sys = "accept4"
		}
		lateCall(t, sys, func() (func(), func() error) {
			lfd, addr := listener(t, 8)
			clientAddr := make(chan unix.Sockaddr, 1)
			return func() {
					c, err := dialTCP(addr)
					if err != nil {
						clientAddr <- nil
						return
					}
					sa, _ := unix.Getsockname(c)
					clientAddr <- sa
					t.Cleanup(func() { unix.Close(c) })
				}, func() error {
					var nfd int
					var peer unix.Sockaddr
					var err error
					if four {
						nfd, peer, err = Accept4(lfd, unix.SOCK_CLOEXEC)
					} else {
						nfd, peer, err = Accept(lfd)
					}
					if err != nil {
						return err
					}
					defer unix.Close(nfd)
					want := <-clientAddr
					if fmt.Sprint(peer) != fmt.Sprint(want) {
						return fmt.Errorf("peer %v, want %v", peer, want)
					}
					if four {
						if fl, _ := unix.FcntlInt(uintptr(nfd), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC == 0 {
							return errors.New("Accept4 ignored SOCK_CLOEXEC")
						}
					}
					return nil
				}
		})
	}
}

// CPython: SocketEINTRTest.test_recv and test_recvmsg.
func TestEINTRRecv(t *testing.T) {
	for _, msg := range []bool{false, true} {
		sys := "recvfrom"
		if msg {
			sys = "recvmsg"
		}
		lateCall(t, sys, func() (func(), func() error) {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			must(t, err)
			t.Cleanup(func() { unix.Close(pair[0]); unix.Close(pair[1]) })
			return func() { unix.Write(pair[1], []byte("late message")) }, func() error {
				buf := make([]byte, 32)
				var n int
				var err error
				if msg {
					n, _, _, _, err = Recvmsg(pair[0], buf, nil, 0)
				} else {
					n, _, err = Recvfrom(pair[0], buf, 0)
				}
				if err != nil || string(buf[:n]) != "late message" {
					return fmt.Errorf("received %q, %v", buf[:n], err)
				}
				return nil
			}
		})
	}
}

// CPython: SocketEINTRTest.test_send, test_sendall, test_sendmsg. A
// datagram socket whose receive queue is full blocks the sender until the
// late peer drains it; every datagram must arrive, in order.
func TestEINTRSend(t *testing.T) {
	for _, msg := range []bool{false, true} {
		sys := "sendto"
		if msg {
			sys = "sendmsg"
		}
		lateCall(t, sys, func() (func(), func() error) {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			must(t, err)
			t.Cleanup(func() { unix.Close(pair[0]); unix.Close(pair[1]) })
			// Fill the queue without blocking, numbering the datagrams.
			queued := 0
			for {
				d := []byte(fmt.Sprintf("datagram %06d", queued))
				if err := unix.Sendto(pair[1], d, unix.MSG_DONTWAIT, nil); err != nil {
					break
				}
				queued++
			}
			got := make(chan error, 1)
			return func() {
					buf := make([]byte, 64)
					for i := 0; i <= queued; i++ {
						n, _, err := unix.Recvfrom(pair[0], buf, 0)
						for err == unix.EINTR {
							n, _, err = unix.Recvfrom(pair[0], buf, 0)
						}
						if want := fmt.Sprintf("datagram %06d", i); err != nil || string(buf[:n]) != want {
							got <- fmt.Errorf("datagram %d: %q, %v", i, buf[:n], err)
							return
						}
					}
					got <- nil
				}, func() error {
					d := []byte(fmt.Sprintf("datagram %06d", queued)) // blocks: the queue is full
					var err error
					if msg {
						err = Sendmsg(pair[1], d, nil, nil, 0)
					} else {
						err = Sendto(pair[1], d, 0, nil)
					}
					if err != nil {
						return err
					}
					return <-got
				}
		})
	}
}

// PEP 475's special case: connect interrupted by a signal goes on in the
// kernel and must not be called again. A listener whose accept queue is
// full drops the SYN, so connect blocks until the SYN is retransmitted
// (about 1 s) after the late peer has made room.
func TestEINTRConnect(t *testing.T) {
	s := startStorm(t)
	interrupted(t, func() (int, error) {
		lfd, addr := listener(t, 0)
		filler, err := fillAcceptQueue(addr)
		if err != nil {
			return 0, err
		}
		defer unix.Close(filler)
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, err
		}
		defer unix.Close(fd)
		var connects, eintrs, polls int
		restore := SetTraceHook(func(ev TraceEvent) {
			switch {
			case ev.Call == "connect" && ev.Phase == PhaseEnter:
				connects++
			case ev.Call == "connect" && ev.Phase == PhaseExit && ev.Errno == unix.EINTR:
				eintrs++
			case ev.Call == "poll" && ev.Phase == PhaseEnter:
				polls++
			}
		})
		defer restore()
		go func() { // the late peer: make room, then take our connection
			time.Sleep(peerDelay)
			for i := 0; i < 2; i++ {
				if c, _, err := unix.Accept(lfd); err == nil {
					defer unix.Close(c)
				}
			}
		}()
		runs := s.runs.Load()
		if err := onMain(func() error { return Connect(fd, addr) }); err != nil {
			return 0, fmt.Errorf("Connect: %w", err)
		}
		peer, err := unix.Getpeername(fd)
		if p4, ok := peer.(*unix.SockaddrInet4); err != nil || !ok || p4.Port != addr.Port || p4.Addr != addr.Addr {
			return 0, fmt.Errorf("connected to %v (%v), want %v:%d", peer, err, addr.Addr, addr.Port)
		}
		if connects != 1 {
			return 0, fmt.Errorf("connect(2) was entered %d times, want exactly once", connects)
		}
		if eintrs > 0 && polls == 0 {
			return 0, errors.New("after EINTR, Connect did not poll for writability")
		}
		if s.runs.Load() == runs {
			return 0, errors.New("the SIGALRM handler never ran")
		}
		return eintrs, nil
	})
}

// CPython: OSEINTRTest.test_wait4 and test_waitpid; and os.waitid.
func TestEINTRWait(t *testing.T) {
	for _, id := range []bool{false, true} {
		sys := "wait4"
		if id {
			sys = "waitid"
		}
		lateCall(t, sys, func() (func(), func() error) {
			pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "sleep 0.3; exit 7"}, &syscall.ProcAttr{Env: os.Environ()})
			must(t, err)
			return func() {}, func() error {
				if id {
					got, err := Waitid(unix.P_PID, pid, unix.WEXITED, nil)
					if err != nil || got.Pid != pid || got.Status != 7 {
						return fmt.Errorf("waitid: %+v, %v; want pid %d status 7", got, err, pid)
					}
					return nil
				}
				var ws unix.WaitStatus
				wpid, err := Wait4(pid, &ws, 0, nil)
				if err != nil || wpid != pid || !ws.Exited() || ws.ExitStatus() != 7 {
					return fmt.Errorf("wait4: %d, %v, status %v; want %d exited 7", wpid, err, ws, pid)
				}
				return nil
			}
		})
	}
}

// CPython: TimeEINTRTest.test_sleep and SelectEINTRTest: under the storm a
// timed call neither ends early nor sleeps forever.
func TestEINTRTimeouts(t *testing.T) {
	const d = 200 * time.Millisecond
	calls := map[string]func(r int) (int, error){
		"clock_nanosleep": func(int) (int, error) { return 0, Sleep(d) },
		"poll": func(r int) (int, error) {
			return Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, d)
		},
		"select": func(r int) (int, error) {
			var set unix.FdSet
			set.Set(r)
			return Select(r+1, &set, nil, nil, d)
		},
		"epoll_wait": func(r int) (int, error) {
			ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
			if err != nil {
				return 0, err
			}
			defer unix.Close(ep)
			if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(r)}); err != nil {
				return 0, err
			}
			return EpollWait(ep, make([]unix.EpollEvent, 1), d)
		},
		"rt_sigtimedwait": func(int) (int, error) {
			_, ok, err := Sigtimedwait([]unix.Signal{60}, d) // 60: nobody sends it
			if ok {
				return 1, err
			}
			return 0, err
		},
	}
	for sys, call := range calls {
		lateCall(t, sys, func() (func(), func() error) {
			r, _ := pipe(t, 0)
			return func() {}, func() error {
				start := time.Now()
				n, err := call(r)
				el := time.Since(start)
				if err != nil || n != 0 {
					return fmt.Errorf("%s: %d, %v; want a timeout", sys, n, err)
				}
				if el < d {
					return fmt.Errorf("%s ended early, after %v of %v", sys, el, d)
				}
				t.Logf("%s: %v for %v (late by %v)", sys, el.Round(time.Microsecond), d, (el - d).Round(time.Microsecond))
				return nil
			}
		})
	}
	// A late writer ends the timed waits with the fd ready; -1 waits forever.
	for _, timeout := range []time.Duration{5 * time.Second, -1} {
		lateCall(t, "poll", func() (func(), func() error) {
			r, w := pipe(t, 0)
			return func() { unix.Write(w, []byte("x")) }, func() error {
				fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
				if n, err := Poll(fds, timeout); n != 1 || err != nil || fds[0].Revents&unix.POLLIN == 0 {
					return fmt.Errorf("Poll(%v): %d, %v, revents %#x", timeout, n, err, fds[0].Revents)
				}
				return nil
			}
		})
		lateCall(t, "select", func() (func(), func() error) {
			r, w := pipe(t, 0)
			return func() { unix.Write(w, []byte("x")) }, func() error {
				var set unix.FdSet
				set.Set(r)
				if n, err := Select(r+1, &set, nil, nil, timeout); n != 1 || err != nil || !set.IsSet(r) {
					return fmt.Errorf("Select(%v): %d, %v", timeout, n, err)
				}
				return nil
			}
		})
	}
}

// CPython: SignalEINTRTest.test_sigwaitinfo and test_sigtimedwait. SIGUSR1
// is blocked on the main thread, a late peer sends it there; the storm's
// SIGALRM interrupts the wait meanwhile.
func TestEINTRSigwait(t *testing.T) {
	own(t, usr1, newRecorder())
	for _, timed := range []bool{false, true} {
		lateCall(t, "rt_sigtimedwait", func() (func(), func() error) {
			return func() { unix.Tgkill(unix.Getpid(), MainThreadID(), usr1) }, func() error {
				if _, err := PthreadSigmask(SigBlock, []unix.Signal{usr1}); err != nil {
					return err
				}
				defer PthreadSigmask(SigUnblock, []unix.Signal{usr1})
				var info SigInfo
				var err error
				if timed {
					var ok bool
					if info, ok, err = Sigtimedwait([]unix.Signal{usr1}, 10*time.Second); !ok && err == nil {
						return errors.New("Sigtimedwait timed out")
					}
				} else {
					info, err = Sigwaitinfo([]unix.Signal{usr1})
				}
				if err != nil || info.Signo != usr1 || info.Pid != int32(unix.Getpid()) {
					return fmt.Errorf("took %+v, %v", info, err)
				}
				return nil
			}
		})
	}
}

// CPython: FNTLEINTRTest.test_flock. flock locks belong to open file
// descriptions: a second open of the file in this process conflicts.
func TestEINTRFlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	lateCall(t, "flock", func() (func(), func() error) {
		holder, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
		must(t, err)
		must(t, unix.Flock(holder, unix.LOCK_EX))
		released := make(chan time.Time, 1)
		return func() {
				released <- time.Now()
				unix.Flock(holder, unix.LOCK_UN)
				unix.Close(holder)
			}, func() error {
				fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
				if err != nil {
					return err
				}
				defer unix.Close(fd)
				if err := Flock(fd, unix.LOCK_EX); err != nil {
					return err
				}
				defer unix.Flock(fd, unix.LOCK_UN)
				select {
				case <-released:
					return nil
				default:
					return errors.New("Flock returned before the holder released the lock")
				}
			}
	})
}

// CPython: FNTLEINTRTest.test_lockf. POSIX record locks belong to the
// process, so the holder is a child.
func init() {
	childScenarios["hold-lock"] = func() int {
		fd, err := unix.Open(os.Getenv("PYSIGNAL_LOCK_PATH"), unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return 3
		}
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
		if err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk); err != nil {
			return 4
		}
		fmt.Println("ready")
		time.Sleep(holdLock)
		fmt.Println(monotonicNow()) // the lock is still held: exiting releases it
		return 0
	}
}

// monotonicNow reads CLOCK_MONOTONIC, which every process shares, in ns.
func monotonicNow() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// holdLock is how long the hold-lock child keeps its lock.
const holdLock = peerDelay + 100*time.Millisecond

func TestEINTRFcntlLock(t *testing.T) {
	s := startStorm(t)
	path := filepath.Join(t.TempDir(), "lock")
	must(t, os.WriteFile(path, []byte("x"), 0o600))
	interrupted(t, func() (int, error) {
		t.Setenv("PYSIGNAL_LOCK_PATH", path)
		cmd, out := startChild(t, "hold-lock") // returns once the child holds the lock
		var granted int64
		c := countEINTR(t, "fcntl")
		runs := s.runs.Load()
		err := onMain(func() error {
			fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
			if err := FcntlFlock(uintptr(fd), unix.F_SETLKW, &lk); err != nil {
				return err
			}
			granted = monotonicNow()
			return nil
		})
		cmd.Wait()
		if err != nil {
			return 0, err
		}
		// The child printed the time just before its exit let the lock go:
		// the lock cannot have been granted sooner.
		var released int64
		if _, err := fmt.Sscan(out.String(), &released); err != nil {
			return 0, fmt.Errorf("the child's release time: %v", err)
		}
		if granted < released {
			return 0, fmt.Errorf("got the lock %v before the child let go", time.Duration(released-granted))
		}
		if s.runs.Load() == runs {
			return 0, errors.New("the SIGALRM handler never ran")
		}
		return c.count(), nil
	})
}

// A handler error ends every wrapped call at once, with that error.
func TestHandlerErrorAbortsEveryCall(t *testing.T) {
	captureUnraisable(t) // the idle loop's handler errors, between the calls
	s := startStorm(t)
	stop := errors.New("stop: handler error")
	s.err.Store(&stop)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	must(t, unix.Mkfifo(fifo, 0o600))
	r, w := pipe(t, 0)
	fullR, fullW := pipe(t, unix.O_NONBLOCK)
	for {
		if _, err := unix.Write(fullW, make([]byte, 4096)); err != nil {
			break
		}
	}
	must(t, unix.SetNonblock(fullW, false))
	_ = fullR
	_, addr := listener(t, 0) // its accept queue is filled below, never drained
	dg, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	t.Cleanup(func() { unix.Close(dg[0]); unix.Close(dg[1]) })
	for unix.Sendto(dg[1], []byte("fill"), unix.MSG_DONTWAIT, nil) == nil {
	}
	sleeper := exec.Command("sleep", "30")
	must(t, sleeper.Start())
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	lockPath := filepath.Join(dir, "flock")
	holder, err := unix.Open(lockPath, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(t, err)
	must(t, unix.Flock(holder, unix.LOCK_EX))
	t.Cleanup(func() { unix.Close(holder) })
	filler, err := fillAcceptQueue(addr)
	must(t, err)
	t.Cleanup(func() { unix.Close(filler) })
	_ = w

	calls := map[string]func() error{
		"Read":   func() error { _, err := Read(r, make([]byte, 1)); return err },
		"Readv":  func() error { _, err := Readv(r, [][]byte{make([]byte, 1)}); return err },
		"Write":  func() error { _, err := Write(fullW, make([]byte, 8192)); return err },
		"Writev": func() error { _, err := Writev(fullW, [][]byte{make([]byte, 8192)}); return err },
		"Open":   func() error { _, err := Open(fifo, unix.O_RDONLY|unix.O_CLOEXEC, 0); return err },
		"Openat": func() error { _, err := Openat(unix.AT_FDCWD, fifo, unix.O_RDONLY|unix.O_CLOEXEC, 0); return err },
		"Accept": func() error {
			l2, _ := listener(t, 8)
			_, _, err := Accept(l2)
			return err
		},
		"Accept4": func() error {
			l2, _ := listener(t, 8)
			_, _, err := Accept4(l2, unix.SOCK_CLOEXEC)
			return err
		},
		"Recvfrom": func() error {
			p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(p[0])
			defer unix.Close(p[1])
			_, _, err = Recvfrom(p[0], make([]byte, 1), 0)
			return err
		},
		"Recvmsg": func() error {
			p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(p[0])
			defer unix.Close(p[1])
			_, _, _, _, err = Recvmsg(p[0], make([]byte, 1), nil, 0)
			return err
		},
		"Sendto":  func() error { return Sendto(dg[1], []byte("more"), 0, nil) },
		"Sendall": func() error { _, err := Sendall(dg[1], []byte("more"), 0); return err },
		"Sendfile": func() error {
			in, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(in)
			_, err = Sendfile(fullW, in, nil, 8192)
			return err
		},
		"Splice":  func() error { _, err := Splice(r, nil, fullW, nil, 1, 0); return err },
		"Sendmsg": func() error { return Sendmsg(dg[1], []byte("more"), nil, nil, 0) },
		"Connect": func() error {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return Connect(fd, addr)
		},
		"Wait4": func() error { _, err := Wait4(sleeper.Process.Pid, nil, 0, nil); return err },
		"Waitid": func() error {
			_, err := Waitid(unix.P_PID, sleeper.Process.Pid, unix.WEXITED|unix.WNOWAIT, nil)
			return err
		},
		"Poll": func() error { _, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1); return err },
		"Poll(10s)": func() error {
			_, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, 10*time.Second)
			return err
		},
		"Select": func() error { var s unix.FdSet; s.Set(r); _, err := Select(r+1, &s, nil, nil, -1); return err },
		"Select(10s)": func() error {
			var s unix.FdSet
			s.Set(r)
			_, err := Select(r+1, &s, nil, nil, 10*time.Second)
			return err
		},
		"EpollWait":    func() error { return epollWaitOn(r, -1) },
		"EpollWait10s": func() error { return epollWaitOn(r, 10*time.Second) },
		"Sleep":        func() error { return Sleep(10 * time.Second) },
		"Sigwaitinfo":  func() error { _, err := Sigwaitinfo([]unix.Signal{60}); return err },
		"Sigtimedwait": func() error { _, _, err := Sigtimedwait([]unix.Signal{60}, 10*time.Second); return err },
		"Flock": func() error {
			fd, err := unix.Open(lockPath, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return Flock(fd, unix.LOCK_EX)
		},
		"Pause": Pause,
	}
	for name, call := range calls {
		start := time.Now()
		err := onMain(call)
		if !errors.Is(err, stop) {
			t.Errorf("%s: %v, want the handler's error", name, err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("%s took %v to report the handler's error", name, el)
		}
	}
}

func epollWaitOn(fd int, timeout time.Duration) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(ep)
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		return err
	}
	_, err = EpollWait(ep, make([]unix.EpollEvent, 1), timeout)
	return err
}

// Off the main thread the wrappers retry after EINTR without running any
// handler; the main thread (Main's idle loop) runs them.
func TestEINTROffTheMainThread(t *testing.T) {
	rec := newRecorder()
	own(t, alrm, rec)
	r, w := pipe(t, 0)
	c := countEINTR(t, "read")
	type result struct {
		data string
		err  error
		tid  int
	}
	done := make(chan result, 1)
	tidc := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tidc <- unix.Gettid()
		buf := make([]byte, 16)
		n, err := Read(r, buf)
		done <- result{string(buf[:max(n, 0)]), err, unix.Gettid()}
	}()
	tid := <-tidc
	stopSend := make(chan struct{})
	go func() { // SIGALRM to that thread every 2 ms, then the data
		deadline := time.Now().Add(peerDelay)
		for time.Now().Before(deadline) {
			unix.Tgkill(unix.Getpid(), tid, alrm)
			time.Sleep(stormInterval)
		}
		close(stopSend)
		unix.Write(w, []byte("off main"))
	}()
	res := <-done
	<-stopSend
	if res.err != nil || res.data != "off main" {
		t.Fatalf("Read off the main thread: %q, %v", res.data, res.err)
	}
	if c.count() == 0 {
		t.Fatal("the read off the main thread never saw EINTR")
	}
	if !waitFor(func() bool { return len(rec.runs()) > 0 }) {
		t.Fatal("the handler never ran")
	}
	for _, th := range rec.threads() {
		if th != MainThreadID() {
			t.Fatalf("a handler ran on thread %d, not the main thread", th)
		}
	}
	t.Logf("%d EINTRs off the main thread; %d handler runs, all on the main thread", c.count(), len(rec.runs()))
}

// CPython: os.sendfile (PEP 475). From a file to a pipe whose reader comes
// late: the first call fills the pipe, later ones block at once and see
// EINTR; every byte arrives, in order.
func TestEINTRSendfile(t *testing.T) {
	data := randomBytes(t, 1<<20)
	path := filepath.Join(t.TempDir(), "src")
	must(t, os.WriteFile(path, data, 0o600))
	lateCall(t, "sendfile", func() (func(), func() error) {
		in, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		must(t, err)
		t.Cleanup(func() { unix.Close(in) })
		r, w := pipe(t, 0)
		got := make(chan []byte, 1)
		return func() { got <- readN(r, len(data)) }, func() error {
			var off int64
			for off < int64(len(data)) {
				before := off
				n, err := Sendfile(w, in, &off, len(data)-int(off))
				if err != nil {
					return err
				}
				if int64(n) != off-before {
					return fmt.Errorf("sendfile returned %d but advanced the offset by %d", n, off-before)
				}
			}
			if !bytes.Equal(<-got, data) {
				return errors.New("the reader got other bytes")
			}
			return nil
		}
	})
}

// CPython: os.splice (PEP 475 loop since 3.10). From an empty pipe whose
// writer comes late to another pipe.
func TestEINTRSplice(t *testing.T) {
	lateCall(t, "splice", func() (func(), func() error) {
		r1, w1 := pipe(t, 0)
		r2, w2 := pipe(t, 0)
		return func() { unix.Write(w1, []byte("spliced")) }, func() error {
			n, err := Splice(r1, nil, w2, nil, 100, 0)
			if err != nil {
				return err
			}
			buf := make([]byte, 16)
			k, _ := unix.Read(r2, buf)
			if n != 7 || string(buf[:k]) != "spliced" {
				return fmt.Errorf("splice: %d, the other pipe holds %q", n, buf[:k])
			}
			return nil
		}
	})
}

// CPython: SocketEINTRTest.test_sendall. 4 MiB to a stream socket whose
// peer reads late: every byte arrives, the count is the whole.
func TestEINTRSendall(t *testing.T) {
	data := randomBytes(t, 4<<20)
	lateCall(t, "sendto", func() (func(), func() error) {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		must(t, err)
		t.Cleanup(func() { unix.Close(pair[0]); unix.Close(pair[1]) })
		got := make(chan []byte, 1)
		return func() { got <- readN(pair[0], len(data)) }, func() error {
			n, err := Sendall(pair[1], data, 0)
			if err != nil || n != len(data) {
				return fmt.Errorf("Sendall: %d of %d, %v", n, len(data), err)
			}
			if !bytes.Equal(<-got, data) {
				return errors.New("the reader got other bytes")
			}
			return nil
		}
	})
}

// sendall's check after each partial send: a handler error ends it, and
// the count is what the peer received (CPython's sendall raises and loses
// the count).
func TestSendallHandlerErrorGivesTheCount(t *testing.T) {
	own(t, usr1, HandlerFunc(func(unix.Signal) error { return errTest }))
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	data := randomBytes(t, 1<<20)
	kicked := make(chan error, 1)
	go func() {
		err := waitBlockedIn(MainThreadID(), "sock_alloc_send")
		if err == nil {
			err = PthreadKill(MainThreadID(), usr1)
		}
		kicked <- err
	}()
	var n int
	err = onMain(func() (err error) { n, err = Sendall(pair[1], data, 0); return err })
	must(t, <-kicked)
	if !errors.Is(err, errTest) || n <= 0 || n >= len(data) {
		t.Fatalf("Sendall: %d of %d bytes, %v; want a partial count and the handler's error", n, len(data), err)
	}
	must(t, unix.SetNonblock(pair[0], true))
	if got := drain(pair[0]); !bytes.Equal(got, data[:n]) {
		t.Errorf("the peer got %d bytes, Sendall reported %d", len(got), n)
	}
}

// The calls of CPython's PEP 475 list that do not block on local files
// (they wait on NFS, FUSE, ...): no storm can interrupt them here, so this
// checks that each goes through the loop (the trace sees it) and does what
// its x/sys twin does.
func TestFileWrappersGoThroughTheLoop(t *testing.T) {
	dir := t.TempDir()
	fd, err := unix.Open(filepath.Join(dir, "f"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(t, err)
	defer unix.Close(fd)
	fd2, err := unix.Open(filepath.Join(dir, "g"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(t, err)
	defer unix.Close(fd2)
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(dfd)
	cwd, err := unix.Open(".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(cwd)
	var traced []string
	defer SetTraceHook(func(ev TraceEvent) {
		if ev.Phase == PhaseEnter {
			traced = append(traced, ev.Call)
		}
	})()
	check := func(what string, ok bool, err error) {
		t.Helper()
		if err != nil || !ok {
			t.Errorf("%s: %v", what, err)
		}
	}
	n, err := Pwritev(fd, [][]byte{[]byte("hello "), []byte("world")}, 0)
	check("Pwritev", n == 11, err)
	n, err = Pwritev2(fd, [][]byte{[]byte("!")}, 11, 0)
	if errors.Is(err, unix.ENOSYS) { // qemu-user has no pwritev2/preadv2
		t.Logf("Pwritev2: %v", err)
		n, err = unix.Pwrite(fd, []byte("!"), 11)
	}
	check("Pwritev2", n == 1, err)
	a, b := make([]byte, 6), make([]byte, 6)
	n, err = Preadv(fd, [][]byte{a, b}, 0)
	check("Preadv", n == 12 && string(a)+string(b) == "hello world!", err)
	n, err = Preadv2(fd, [][]byte{a}, 6, 0)
	if errors.Is(err, unix.ENOSYS) {
		t.Logf("Preadv2: %v", err)
		n, err = unix.Pread(fd, a, 6)
	}
	check("Preadv2", n == 6 && string(a) == "world!", err)
	var off int64 = 6
	n, err = CopyFileRange(fd, &off, fd2, nil, 6, 0)
	got := make([]byte, 6)
	k, _ := unix.Pread(fd2, got, 0)
	check("CopyFileRange", n == 6 && off == 12 && string(got[:k]) == "world!", err)
	check("Fdatasync", true, Fdatasync(fd))
	check("Fadvise", true, Fadvise(fd, 0, 0, unix.FADV_SEQUENTIAL))
	var st unix.Stat_t
	err = Fallocate(fd, 0, 0, 1<<16)
	if errors.Is(err, unix.EOPNOTSUPP) {
		t.Logf("Fallocate: %v (the file system has no fallocate)", err)
		err = nil
	}
	check("Fallocate", true, err)
	check("Fstat", true, Fstat(fd, &st))
	var fs unix.Statfs_t
	err = Fstatfs(fd, &fs)
	check("Fstatfs", fs.Type != 0, err)
	check("Fchmod", true, Fchmod(fd, 0o640))
	check("Fchown", true, Fchown(fd, -1, -1))
	check("Fchdir", true, Fchdir(cwd))
	must(t, Fstat(fd, &st))
	check("Fchmod's mode", st.Mode&0o777 == 0o640, nil)
	check("Truncate", true, Truncate(filepath.Join(dir, "f"), 3))
	must(t, Fstat(fd, &st))
	check("Truncate's size", st.Size == 3, nil)
	check("Mkfifo", true, Mkfifo(filepath.Join(dir, "p1"), 0o600))
	check("Mkfifoat", true, Mkfifoat(dfd, "p2", 0o600))
	check("Mknod", true, Mknod(filepath.Join(dir, "p3"), unix.S_IFIFO|0o600, 0))
	check("Mknodat", true, Mknodat(dfd, "p4", unix.S_IFIFO|0o600, 0))
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		must(t, unix.Stat(filepath.Join(dir, p), &st))
		check(p+" is a FIFO", st.Mode&unix.S_IFMT == unix.S_IFIFO, nil)
	}
	rnd := make([]byte, 64)
	n, err = Getrandom(rnd, 0)
	check("Getrandom", n == 64 && !bytes.Equal(rnd, make([]byte, 64)), err)
	flags, err := FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	check("FcntlInt(F_GETFD)", flags&unix.FD_CLOEXEC != 0, err)
	want := []string{"pwritev", "pwritev2", "preadv", "preadv2", "copy_file_range", "fdatasync", "fadvise64",
		"fallocate", "fstat", "fstatfs", "fchmod", "fchown", "fchdir", "fstat", "truncate", "fstat",
		"mknodat", "mknodat", "mknodat", "mknodat", "getrandom", "fcntl"}
	if strings.Join(traced, " ") != strings.Join(want, " ") {
		t.Errorf("traced calls:\n%v\nwant\n%v", traced, want)
	}
	// A number the kernel would truncate is refused before any call.
	big := 1<<32 + fd
	for name, err := range map[string]error{
		"Sendfile":      func() error { _, err := Sendfile(big, fd, nil, 1); return err }(),
		"Splice":        func() error { _, err := Splice(big, nil, fd, nil, 1, 0); return err }(),
		"CopyFileRange": func() error { _, err := CopyFileRange(fd, nil, big, nil, 1, 0); return err }(),
		"Preadv":        func() error { _, err := Preadv(big, nil, 0); return err }(),
		"Pwritev2":      func() error { _, err := Pwritev2(fd, nil, 0, 1<<32); return err }(),
		"Fallocate":     Fallocate(big, 0, 0, 1),
		"Fdatasync":     Fdatasync(big),
		"Fchown":        Fchown(fd, 1<<32, -1),
		"FcntlInt":      func() error { _, err := FcntlInt(uintptr(big), unix.F_GETFD, 0); return err }(),
		"Sendall":       func() error { _, err := Sendall(big, nil, 0); return err }(),
		"Getrandom":     func() error { _, err := Getrandom(rnd, 1<<32); return err }(),
	} {
		if !errors.Is(err, ErrOverflow) {
			t.Errorf("%s with a number beyond 32 bits: %v, want ErrOverflow", name, err)
		}
	}
}
