//go:build linux && cgo

package conformance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["eintr"] = eintr }

// syscallNR is scenarios/eintr.py's NR table.
var syscallNR = map[string]map[string]int{
	"amd64": {"read": 0, "write": 1, "open": 2, "poll": 7, "select": 23, "pause": 34, "nanosleep": 35,
		"accept": 43, "sendto": 44, "recvfrom": 45, "wait4": 61, "flock": 73,
		"rt_sigtimedwait": 128, "clock_nanosleep": 230, "epoll_wait": 232, "waitid": 247,
		"openat": 257, "pselect6": 270, "ppoll": 271, "epoll_pwait": 281, "accept4": 288,
		"readv": 19, "writev": 20, "sendmsg": 46, "recvmsg": 47, "sendfile": 40, "splice": 275},
	"arm64": {"read": 63, "write": 64, "pselect6": 72, "ppoll": 73, "nanosleep": 101,
		"clock_nanosleep": 115, "rt_sigtimedwait": 137, "accept": 202, "sendto": 206,
		"recvfrom": 207, "accept4": 242, "wait4": 260, "waitid": 95, "flock": 32, "openat": 56,
		"epoll_pwait": 22, "readv": 65, "writev": 66, "sendmsg": 211, "recvmsg": 212, "sendfile": 71,
		"splice": 76},
}[runtime.GOARCH]

func nrs(names ...string) map[int]bool {
	m := map[int]bool{}
	for _, n := range names {
		if nr, ok := syscallNR[n]; ok {
			m[nr] = true
		}
	}
	return m
}

// eintrRig is the scenario's shared state: the handler count and the
// wakeup pipe whose byte tells the helper that the C handler ran.
type eintrRig struct {
	o      *out
	runs   atomic.Int32 // the helper reads it while the main thread is blocked
	wr, ww int
}

func (e *eintrRig) handler(fail bool) pysignal.Handler {
	return pysignal.HandlerFunc(func(unix.Signal) error {
		e.runs.Add(1)
		if fail {
			return errHandler
		}
		return nil
	})
}

// blockedIn waits until /proc shows the main thread blocked in one of nums
// (MainThreadID names the thread of the main goroutine's wrapped call once
// it has begun).
func blockedIn(nums map[int]bool) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Microsecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/syscall", pysignal.MainThreadID()))
		if err != nil {
			return false
		}
		f := strings.Fields(string(b))
		if len(f) > 0 && f[0] != "running" {
			if nr, err := strconv.Atoi(f[0]); err == nil && nums[nr] {
				return true
			}
		}
	}
	return false
}

// waitByte waits for the wakeup byte and takes it.
func (e *eintrRig) waitByte() {
	unix.Poll([]unix.PollFd{{Fd: int32(e.wr), Events: unix.POLLIN}}, 20000)
	unix.Read(e.wr, make([]byte, 100))
}

type caseOpts struct {
	release   func()
	fail      bool
	noRetries bool
	differs   string
}

// run is eintr.py's case(): call runs on the main thread under one SIGUSR1.
func (e *eintrRig) run(label string, call func() (any, error), nums map[int]bool, c caseOpts) {
	must(sig(u1, e.handler(c.fail)))
	e.runs.Store(0)
	type seen struct{ before, problem string }
	done := make(chan seen, 1)
	go func() {
		var s seen
		if !blockedIn(nums) {
			s.problem = "never blocked"
		} else {
			must(pysignal.PthreadKill(pysignal.MainThreadID(), u1))
			e.waitByte()
			if !c.noRetries && !c.fail && !blockedIn(nums) {
				s.problem = "never retried"
			}
		}
		s.before = "-"
		if !c.fail && !c.noRetries {
			s.before = format(e.runs.Load() > 0)
		}
		if c.release != nil {
			c.release()
		}
		done <- s
	}()
	res, err := call()
	s := <-done
	b, problem := s.before, s.problem
	result := "return " + format(res)
	if errors.Is(err, errHandler) {
		result = "HandlerError"
	} else if err != nil {
		result = "unexpected " + err.Error()
	}
	text := fmt.Sprintf("%s | %s | runs %d", b, result, e.runs.Load())
	if problem != "" {
		text += " | " + problem
	}
	if c.differs != "" {
		e.o.differs(label, text, c.differs)
	} else {
		e.o.line(label, text)
	}
}

func ready(n int, err error) (any, error) {
	if n > 0 {
		return "ready", err
	}
	return "empty", err
}

// timed reports whether call took its whole timeout, as eintr.py's timed().
func timed(call func() (any, error), timeout time.Duration) (any, error) {
	start := time.Now()
	res, err := call()
	return fmt.Sprintf("%s, waited the whole timeout %s", format(res), format(time.Since(start) >= timeout)), err
}

func nbPipe() (r, w int) {
	var p [2]int
	must(unix.Pipe2(p[:], unix.O_CLOEXEC))
	return p[0], p[1]
}

func fillNonblocking(fd int, write func() error) {
	must(unix.SetNonblock(fd, true))
	for write() == nil {
	}
	must(unix.SetNonblock(fd, false))
}

func drainNonblocking(fd int) {
	unix.SetNonblock(fd, true)
	b := make([]byte, 65536)
	for {
		if n, err := unix.Read(fd, b); n <= 0 || err != nil {
			return
		}
	}
}

// drainAll reads fd until it would block, and returns what it read.
func drainAll(fd int) []byte {
	unix.SetNonblock(fd, true)
	var all []byte
	b := make([]byte, 65536)
	for {
		n, err := unix.Read(fd, b)
		if n <= 0 || err != nil {
			return all
		}
		all = append(all, b[:n]...)
	}
}

func eintr(o *out) {
	e := &eintrRig{o: o}
	var p [2]int
	must(unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	e.wr, e.ww = p[0], p[1]
	_, err := pysignal.SetWakeupFD(e.ww, true)
	must(err)
	buf := make([]byte, 10)
	one := func(n int, err error) (any, error) { return buf[:max(n, 0)], err }

	for _, fail := range []bool{false, true} {
		r, w := nbPipe()
		e.run("read"+map[bool]string{true: " failing"}[fail], func() (any, error) { return one(pysignal.Read(r, buf)) },
			nrs("read"), caseOpts{release: func() { unix.Write(w, []byte("x")) }, fail: fail})
		unix.Close(r)
		unix.Close(w)
	}

	r, w := nbPipe()
	e.run("readv", func() (any, error) { return pysignal.Readv(r, [][]byte{make([]byte, 10)}) }, nrs("readv"),
		caseOpts{release: func() { unix.Write(w, []byte("x")) }})
	unix.Close(r)
	unix.Close(w)

	r, w = nbPipe()
	fillPipe := func() { fillNonblocking(w, func() error { _, err := unix.Write(w, make([]byte, 4096)); return err }) }
	fillPipe()
	e.run("write", func() (any, error) { return pysignal.Write(w, []byte("x")) }, nrs("write"),
		caseOpts{release: func() { drainNonblocking(r) }})
	fillPipe()
	e.run("writev", func() (any, error) { return pysignal.Writev(w, [][]byte{[]byte("x")}) }, nrs("writev"),
		caseOpts{release: func() { drainNonblocking(r) }})
	// sendfile to the full pipe; splice from an empty pipe to it
	src, err := os.CreateTemp("", "pysignal-conformance")
	must(err)
	os.Remove(src.Name())
	_, err = src.Write([]byte("s"))
	must(err)
	fillPipe()
	e.run("sendfile", func() (any, error) {
		var off int64
		return pysignal.Sendfile(w, int(src.Fd()), &off, 1)
	}, nrs("sendfile"), caseOpts{release: func() { drainNonblocking(r) }})
	src.Close()
	r2, w2 := nbPipe()
	e.run("splice", func() (any, error) { return pysignal.Splice(r2, nil, w, nil, 10, 0) }, nrs("splice"),
		caseOpts{release: func() { unix.Write(w2, []byte("x")) }})
	unix.Close(r2)
	unix.Close(w2)
	unix.Close(r)
	unix.Close(w)

	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(err)
	a, b := sp[0], sp[1]
	for _, fail := range []bool{false, true} {
		e.run("recv"+map[bool]string{true: " failing"}[fail], func() (any, error) {
			n, _, err := pysignal.Recvfrom(a, buf, 0)
			return one(n, err)
		}, nrs("recvfrom", "read"), caseOpts{release: func() { unix.Write(b, []byte("y")) }, fail: fail})
	}
	unix.Read(a, buf) // what the failing case's peer sent
	e.run("recvmsg", func() (any, error) {
		n, _, _, _, err := pysignal.Recvmsg(a, buf, nil, 0)
		return one(n, err)
	}, nrs("recvmsg"), caseOpts{release: func() { unix.Write(b, []byte("y")) }})
	drainNonblocking(b)
	unix.SetNonblock(b, false)
	fillSocket := func() { fillNonblocking(a, func() error { _, err := unix.Write(a, make([]byte, 4096)); return err }) }
	fillSocket()
	e.run("send", func() (any, error) { return 1, pysignal.Sendto(a, []byte("z"), 0, nil) }, nrs("sendto", "write"),
		caseOpts{release: func() { drainNonblocking(b) }})
	fillSocket()
	e.run("sendmsg", func() (any, error) { return 1, pysignal.Sendmsg(a, []byte("z"), nil, nil, 0) }, nrs("sendmsg"),
		caseOpts{release: func() { drainNonblocking(b) }})
	// A send interrupted after part of it went returns that count (the
	// kernel reports no EINTR then); the peer got exactly that many bytes.
	// CheckSignals after the send is the safe point CPython's next bytecode
	// is.
	const big = 1 << 20
	partial := func(send func([]byte) (int, error)) (any, error) {
		n, err := send(make([]byte, big))
		if err := pysignal.CheckSignals(); err != nil {
			return nil, err
		}
		got := len(drainAll(b))
		return fmt.Sprintf("partial %s, the peer got the count %s", format(0 < n && n < big), format(got == n)), err
	}
	drainNonblocking(b)
	e.run("send 1 MiB", func() (any, error) {
		return partial(func(p []byte) (int, error) { return pysignal.Send(a, p, 0) })
	}, nrs("sendto", "write"), caseOpts{noRetries: true})
	e.run("sendmsg 1 MiB", func() (any, error) {
		return partial(func(p []byte) (int, error) { return pysignal.SendmsgN(a, p, nil, nil, 0) })
	}, nrs("sendmsg"), caseOpts{noRetries: true})
	drainNonblocking(b)
	fillSocket()
	e.run("sendall", func() (any, error) {
		_, err := pysignal.Sendall(a, []byte("zzzzzzzzzz"), 0)
		return nil, err
	}, nrs("sendto", "write"), caseOpts{release: func() { drainNonblocking(b) }})
	unix.Close(a)
	unix.Close(b)

	ls, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	must(err)
	addr := &unix.SockaddrUnix{Name: fmt.Sprintf("@pysignal-conformance-%d", os.Getpid())}
	must(unix.Bind(ls, addr))
	must(unix.Listen(ls, 8))
	var peer int
	e.run("accept", func() (any, error) {
		fd, _, err := pysignal.Accept(ls)
		unix.Close(fd)
		return "conn", err
	}, nrs("accept", "accept4"), caseOpts{release: func() {
		peer, _ = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		unix.Connect(peer, addr)
	}})
	unix.Close(ls)
	unix.Close(peer)

	r, w = nbPipe()
	writeX := func() { unix.Write(w, []byte("x")) }
	sel := func(timeout time.Duration) (any, error) {
		var set unix.FdSet
		set.Set(r)
		return ready(pysignal.Select(r+1, &set, nil, nil, timeout))
	}
	pollFds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
	pl := func(timeout time.Duration) (any, error) { return ready(pysignal.Poll(pollFds, timeout)) }
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	must(err)
	must(unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(r)}))
	evs := make([]unix.EpollEvent, 4)
	epw := func(timeout time.Duration) (any, error) { return ready(pysignal.EpollWait(ep, evs, timeout)) }
	e.run("select", func() (any, error) { return sel(-1) }, nrs("select", "pselect6"), caseOpts{release: writeX})
	unix.Read(r, buf)
	e.run("poll", func() (any, error) { return pl(-1) }, nrs("poll", "ppoll"), caseOpts{release: writeX})
	unix.Read(r, buf)
	e.run("epoll", func() (any, error) { return epw(-1) }, nrs("epoll_wait", "epoll_pwait"), caseOpts{release: writeX})
	unix.Read(r, buf)
	const t100 = 100 * time.Millisecond
	e.run("select timeout 0.1", func() (any, error) { return timed(func() (any, error) { return sel(t100) }, t100) },
		nrs("select", "pselect6"), caseOpts{})
	e.run("poll timeout 100ms", func() (any, error) { return timed(func() (any, error) { return pl(t100) }, t100) },
		nrs("poll", "ppoll"), caseOpts{})
	e.run("epoll timeout 0.1", func() (any, error) { return timed(func() (any, error) { return epw(t100) }, t100) },
		nrs("epoll_wait", "epoll_pwait"), caseOpts{})
	e.run("select failing", func() (any, error) { return sel(-1) }, nrs("select", "pselect6"), caseOpts{release: writeX, fail: true})
	unix.Read(r, buf)
	unix.Close(ep)
	unix.Close(r)
	unix.Close(w)

	sleepNRs := nrs("clock_nanosleep", "nanosleep", "select", "pselect6")
	e.run("sleep 0.1", func() (any, error) {
		return timed(func() (any, error) { return nil, pysignal.Sleep(t100) }, t100)
	}, sleepNRs, caseOpts{})
	e.run("sleep failing", func() (any, error) { return nil, pysignal.Sleep(t100) }, sleepNRs, caseOpts{fail: true})

	block(u2)
	sendU2 := func() { pysignal.PthreadKill(pysignal.MainThreadID(), u2) }
	u2set := []unix.Signal{u2}
	e.run("sigwaitinfo", func() (any, error) { info, err := pysignal.Sigwaitinfo(u2set); return info.Signo, err },
		nrs("rt_sigtimedwait"), caseOpts{release: sendU2})
	e.run("sigtimedwait", func() (any, error) {
		info, _, err := pysignal.Sigtimedwait(u2set, 20*time.Second)
		return info.Signo, err
	}, nrs("rt_sigtimedwait"), caseOpts{release: sendU2})
	e.run("sigtimedwait timeout 0.1", func() (any, error) {
		return timed(func() (any, error) {
			_, ok, err := pysignal.Sigtimedwait(u2set, t100)
			if ok {
				return "a siginfo", err
			}
			return nil, err
		}, t100)
	}, nrs("rt_sigtimedwait"), caseOpts{})
	e.run("sigwait", func() (any, error) { return pysignal.Sigwait(u2set) }, nrs("rt_sigtimedwait"),
		caseOpts{release: sendU2, differs: "libc's sigwait retries EINTR itself, so CPython runs the handler only after it " +
			"returns; pysignal's Sigwait is Sigwaitinfo's loop and runs it at once (design.md difference 17)"})
	e.run("sigtimedwait failing", func() (any, error) {
		info, _, err := pysignal.Sigtimedwait(u2set, 20*time.Second)
		return info.Signo, err
	}, nrs("rt_sigtimedwait"), caseOpts{release: sendU2, fail: true})
	pysignal.Sigtimedwait(u2set, 0)
	unblock(u2)

	child := exec.Command("sh", "-c", "read x; exit 7")
	stdin, err := child.StdinPipe()
	must(err)
	must(child.Start())
	e.run("waitpid", func() (any, error) {
		var ws unix.WaitStatus
		_, err := pysignal.Wait4(child.Process.Pid, &ws, 0, nil)
		return ws.ExitStatus(), err
	}, nrs("wait4", "waitid"), caseOpts{release: func() { stdin.Write([]byte("\n")) }})
	stdin.Close()
	child = exec.Command("sh", "-c", "read x; exit 7")
	stdin, err = child.StdinPipe()
	must(err)
	must(child.Start())
	e.run("waitid", func() (any, error) {
		res, err := pysignal.Waitid(unix.P_PID, child.Process.Pid, unix.WEXITED, nil)
		return int32(res.Status), err
	}, nrs("waitid"), caseOpts{release: func() { stdin.Write([]byte("\n")) }})
	stdin.Close()

	d, err := os.MkdirTemp("", "pysignal-conformance")
	must(err)
	defer os.RemoveAll(d)
	path := filepath.Join(d, "lock")
	f1, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(err)
	f2, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	must(err)
	must(unix.Flock(f2, unix.LOCK_EX))
	e.run("flock", func() (any, error) { return nil, pysignal.Flock(f1, unix.LOCK_EX) }, nrs("flock"),
		caseOpts{release: func() { unix.Flock(f2, unix.LOCK_UN) }})
	unix.Close(f1)
	unix.Close(f2)

	fifo := filepath.Join(d, "fifo")
	must(unix.Mkfifo(fifo, 0o600))
	var wfd int
	e.run("open fifo", func() (any, error) {
		fd, err := pysignal.Open(fifo, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		return "opened", err
	}, nrs("openat", "open"), caseOpts{release: func() { wfd, _ = unix.Open(fifo, unix.O_WRONLY|unix.O_CLOEXEC, 0) }})
	unix.Close(wfd)

	e.run("pause", func() (any, error) { return nil, pysignal.Pause() }, nrs("pause", "ppoll"), caseOpts{noRetries: true})
	e.run("pause failing", func() (any, error) { return nil, pysignal.Pause() }, nrs("pause", "ppoll"), caseOpts{fail: true})

	// siginterrupt(False): restarted by the kernel; the handler runs at the
	// check after the read.
	r, w = nbPipe()
	must(sig(u1, e.handler(false)))
	must(pysignal.Siginterrupt(u1, false))
	e.runs.Store(0)
	before := make(chan bool, 1)
	go func() {
		if blockedIn(nrs("read")) {
			must(pysignal.PthreadKill(pysignal.MainThreadID(), u1))
			e.waitByte()
			blockedIn(nrs("read"))
		}
		ran := e.runs.Load() > 0
		unix.Write(w, []byte("x"))
		before <- ran
	}()
	res, err := one(pysignal.Read(r, buf))
	must(err)
	bf := <-before
	block() // a check
	o.line("read with siginterrupt(False)", fmt.Sprintf("%s | return %s | runs %d", format(bf), format(res), e.runs.Load()))
	unix.Close(r)
	unix.Close(w)
	pysignal.SetWakeupFD(-1, true)

	r, w = nbPipe()
	unix.Write(w, []byte("x"))
	_, err = pysignal.Read(1<<32+r, buf)
	o.attempt("read(2**32+r)", err)
	o.attempt("close(2**32+w)", pysignal.Close(1<<32+w))
	var ws unix.WaitStatus
	_, err = pysignal.Wait4(1<<32, &ws, unix.WNOHANG, nil)
	o.attempt("waitpid(2**32, WNOHANG)", err)
	n, _ := unix.Read(r, buf)
	m, _ := unix.Write(w, []byte("y"))
	o.line("the pipe afterwards", format(buf[:n])+" "+format(m))
}
