//go:build linux && cgo

package pysignal

// The port of CPython's Lib/test/_test_eintr.py: each wrapped call blocks
// on a real peer that answers late, under a storm of SIGALRM from
// setitimer, and must complete correctly. A test counts the EINTRs its call
// really saw (through the trace hook): a storm that never interrupted the
// call proves nothing, so the setup is retried and the test fails if no
// attempt saw one.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stormInterval is the SIGALRM period: short enough that a 200 ms call is
// interrupted many times, long enough that the call still makes progress.
const stormInterval = 2 * time.Millisecond

// peerDelay is how long a peer waits before answering the blocked call.
const peerDelay = 200 * time.Millisecond

// storm is a running SIGALRM storm with a Go handler that counts its runs.
type storm struct {
	runs atomic.Int64
	err  atomic.Pointer[error] // if set, the handler returns it
}

// startStorm owns SIGALRM with a counting handler and starts an interval
// timer; both are undone when the test ends.
func startStorm(t *testing.T) *storm {
	t.Helper()
	s := &storm{}
	own(t, alrm, HandlerFunc(func(unix.Signal) error {
		s.runs.Add(1)
		if p := s.err.Load(); p != nil {
			return *p
		}
		return nil
	}))
	iv := unix.NsecToTimeval(int64(stormInterval))
	if _, err := unix.Setitimer(unix.ItimerReal, unix.Itimerval{Interval: iv, Value: iv}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setitimer(unix.ItimerReal, unix.Itimerval{}) })
	return s
}

// eintrCounter counts, through the trace hook, the EINTRs seen by wrapped
// calls named call, and every phase of those calls.
type eintrCounter struct {
	mu     sync.Mutex
	eintr  int
	phases []TracePhase
}

func countEINTR(t *testing.T, call string) *eintrCounter {
	c := &eintrCounter{}
	t.Cleanup(SetTraceHook(func(ev TraceEvent) {
		if ev.Call != call {
			return
		}
		c.mu.Lock()
		c.phases = append(c.phases, ev.Phase)
		if ev.Phase == PhaseExit && ev.Errno == unix.EINTR {
			c.eintr++
		}
		c.mu.Unlock()
	}))
	return c
}

func (c *eintrCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eintr
}

// interrupted runs attempt (a whole setup + call + checks, returning the
// number of EINTRs the call saw and an error) up to 3 times until one saw
// at least one EINTR; it fails the test otherwise.
func interrupted(t *testing.T, attempt func() (int, error)) {
	t.Helper()
	for i := 0; i < 3; i++ {
		n, err := attempt()
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Logf("the call saw %d EINTR(s)", n)
			return
		}
	}
	t.Fatal("the storm never interrupted the call in 3 attempts: the test proves nothing")
}

// CPython: OSEINTRTest.test_read.
func TestEINTRRead(t *testing.T) {
	s := startStorm(t)
	want := []byte("hello, interrupted world")
	interrupted(t, func() (int, error) {
		r, w := pipe(t, 0)
		c := countEINTR(t, "read")
		go func() {
			time.Sleep(peerDelay)
			unix.Write(w, want)
		}()
		var got []byte
		err := onMain(func() error {
			buf := make([]byte, 100)
			n, err := Read(r, buf)
			if err != nil {
				return err
			}
			got = buf[:n]
			return nil
		})
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(got, want) {
			return 0, errorf("read %q, want %q", got, want)
		}
		if s.runs.Load() == 0 {
			return 0, errorf("the SIGALRM handler never ran")
		}
		return c.count(), nil
	})
}

// The tests below complete the port in eintr_calls_test.go where it checks
// less than CPython's file does: EpollWait woken by a late writer, the
// siginfo that Sigwaitinfo, Sigtimedwait and Waitid fill in under the storm,
// and a handler error ending FcntlFlock(F_SETLKW).

// CPython: SelectEINTRTest.test_epoll, with the fd becoming ready: a late
// writer ends EpollWait (5 s timeout, and -1: forever) with one event, for
// the pipe's read end, EPOLLIN.
func TestEINTREpollWaitReady(t *testing.T) {
	s := startStorm(t)
	for _, timeout := range []time.Duration{5 * time.Second, -1} {
		interrupted(t, func() (int, error) {
			r, w := pipe(t, 0)
			ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
			if err != nil {
				return 0, err
			}
			defer unix.Close(ep)
			ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(r)}
			if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &ev); err != nil {
				return 0, err
			}
			c := countEINTR(t, "epoll_wait")
			runs := s.runs.Load()
			wrote := make(chan time.Time, 1)
			go func() {
				time.Sleep(peerDelay)
				wrote <- time.Now()
				unix.Write(w, []byte("x"))
			}()
			events := make([]unix.EpollEvent, 4)
			var n int
			err = onMain(func() (err error) {
				n, err = EpollWait(ep, events, timeout)
				return err
			})
			returned := time.Now()
			if err != nil || n != 1 || events[0].Fd != int32(r) || events[0].Events&unix.EPOLLIN == 0 {
				return 0, errorf("EpollWait(%v): %d, %v, events %+v; want 1 event, fd %d EPOLLIN", timeout, n, err, events[:max(n, 0)], r)
			}
			if at := <-wrote; returned.Before(at) {
				return 0, errorf("EpollWait(%v) reported the fd ready before the peer wrote", timeout)
			}
			if s.runs.Load() == runs {
				return 0, errorf("the SIGALRM handler never ran during the call")
			}
			return c.count(), nil
		})
	}
}

// CPython: SignalEINTRTest.test_sigwaitinfo and test_sigtimedwait, checking
// every field. SIGUSR1 is blocked on the main thread; once the main thread
// is seen waiting (wchan), after peerDelay, a peer sends it there with
// tgkill. The storm's SIGALRM is not blocked and interrupts the wait. The
// kernel reports tgkill as SI_TKILL (-6); glibc, and so CPython, fold that
// into SI_USER (0), and so does SigInfo. The SIGUSR1
// handler must never run: the wait takes the signal.
func TestEINTRSigwaitinfoSiginfo(t *testing.T) {
	s := startStorm(t)
	rec := newRecorder()
	own(t, usr1, rec)
	want := SigInfo{Signo: usr1, Code: siUser, Pid: int32(unix.Getpid()), UID: uint32(unix.Getuid())}
	// Band is read from the same union bytes as si_pid and si_uid, side by
	// side. The kernel zeroes the rest of the union (Status).
	var union [8]byte
	binary.NativeEndian.PutUint32(union[0:], uint32(want.Pid))
	binary.NativeEndian.PutUint32(union[4:], want.UID)
	want.Band = int64(binary.NativeEndian.Uint64(union[:]))
	for _, timed := range []bool{false, true} {
		interrupted(t, func() (int, error) {
			c := countEINTR(t, "rt_sigtimedwait")
			runs := s.runs.Load()
			peer := make(chan error, 1)
			go func() {
				time.Sleep(peerDelay)
				err := waitBlockedIn(MainThreadID(), "sigtimedwait")
				// Sent whatever happened, so that the wait always ends.
				unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
				peer <- err
			}()
			var info SigInfo
			var ok bool
			err := onMain(func() (err error) {
				var old unix.Sigset_t
				if err := unix.PthreadSigmask(unix.SIG_BLOCK, sigset(usr1), &old); err != nil {
					return err
				}
				defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
				if timed {
					info, ok, err = Sigtimedwait([]unix.Signal{usr1}, 5*time.Second)
				} else {
					info, err = Sigwaitinfo([]unix.Signal{usr1})
					ok = err == nil
				}
				return err
			})
			if perr := <-peer; perr != nil {
				return 0, perr
			}
			if err != nil || !ok {
				return 0, errorf("timed %v: ok %v, err %v", timed, ok, err)
			}
			if info != want {
				return 0, errorf("timed %v: took %+v, want %+v", timed, info, want)
			}
			if n := len(rec.runs()); n != 0 {
				return 0, errorf("the SIGUSR1 handler ran %d time(s) for a signal the wait took", n)
			}
			if s.runs.Load() == runs {
				return 0, errorf("the SIGALRM handler never ran during the wait")
			}
			return c.count(), nil
		})
	}
}

// CPython: os.waitid under the storm, checking the whole siginfo: SIGCHLD,
// CLD_EXITED, the child's pid and uid, exit status 7. The peer is the child
// itself, which exits after 0.2 s.
func TestEINTRWaitidSiginfo(t *testing.T) {
	s := startStorm(t)
	interrupted(t, func() (int, error) {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "sleep 0.2; exit 7"}, &syscall.ProcAttr{Env: os.Environ()})
		if err != nil {
			return 0, err
		}
		reaped := false
		defer func() {
			if !reaped {
				unix.Kill(pid, unix.SIGKILL)
				unix.Wait4(pid, nil, 0, nil)
			}
		}()
		c := countEINTR(t, "waitid")
		runs := s.runs.Load()
		var got WaitidResult
		err = onMain(func() (err error) {
			got, err = Waitid(unix.P_PID, pid, unix.WEXITED, nil)
			return err
		})
		if err != nil {
			return 0, errorf("Waitid: %w", err)
		}
		reaped = true
		if got.Signo != unix.SIGCHLD || got.Code != CLDExited || got.Pid != pid ||
			got.UID != unix.Getuid() || got.Status != 7 {
			return 0, errorf("Waitid: %+v; want SIGCHLD, CLD_EXITED, pid %d, uid %d, status 7", got, pid, unix.Getuid())
		}
		if s.runs.Load() == runs {
			return 0, errorf("the SIGALRM handler never ran during the wait")
		}
		return c.count(), nil
	})
}

// The FcntlFlock row of TestHandlerErrorAbortsEveryCall: a child holds a
// POSIX write lock until it is killed; FcntlFlock(F_SETLKW) under a storm
// whose handler fails must end at its first EINTR with that error, without
// the lock.
func TestHandlerErrorAbortsFcntlLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	must(t, os.WriteFile(path, []byte("x"), 0o600))
	t.Setenv("PYSIGNAL_LOCK_PATH", path)
	cmd, _ := startChild(t, "hold-lock-until-killed")
	defer func() {
		cmd.Process.Kill()
		waitChild(t, cmd)
	}()
	captureUnraisable(t) // the idle loop's handler errors, while no call waits
	s := startStorm(t)
	stop := errors.New("stop: handler error")
	s.err.Store(&stop)
	c := countEINTR(t, "fcntl")
	start := time.Now()
	var holder int32
	err := onMain(func() error {
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		lk := unix.Flock_t{Type: unix.F_WRLCK}
		err = FcntlFlock(uintptr(fd), unix.F_SETLKW, &lk)
		// Who holds the lock now? Still the child.
		probe := unix.Flock_t{Type: unix.F_WRLCK}
		if gerr := unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &probe); gerr != nil {
			return gerr
		}
		holder = probe.Pid
		return err
	})
	el := time.Since(start)
	if !errors.Is(err, stop) {
		t.Fatalf("FcntlFlock(F_SETLKW): %v, want the handler's error", err)
	}
	if el > 5*time.Second {
		t.Errorf("FcntlFlock took %v to report the handler's error", el)
	}
	if n := c.count(); n != 1 {
		t.Errorf("FcntlFlock saw %d EINTRs; the first one should have ended it", n)
	}
	if int(holder) != cmd.Process.Pid {
		t.Errorf("after the failed FcntlFlock, F_GETLK names pid %d as the holder, want the child %d", holder, cmd.Process.Pid)
	}
	if s.runs.Load() == 0 {
		t.Error("the SIGALRM handler never ran")
	}
	t.Logf("FcntlFlock ended after %v with %v", el.Round(time.Microsecond), err)
}
