//go:build linux && cgo

package pysignal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() {
	mc := func(fn func(ctx context.Context) error) func() {
		return func() { MainContext(fn) }
	}
	ready := func() { fmt.Println("ready") }
	mainThreadChildren["mc-ctx-wait"] = mc(func(ctx context.Context) error {
		ready()
		<-ctx.Done()
		return ctx.Err()
	})
	mainThreadChildren["mc-sleep"] = mc(func(ctx context.Context) error {
		ready()
		return Sleep(time.Minute)
	})
	mainThreadChildren["mc-read"] = mc(func(ctx context.Context) error {
		ready()
		_, err := Read(0, make([]byte, 1))
		return err
	})
	// "ready" only once the main thread sleeps in read(2): a signal that
	// lands before the call blocks waits for it (the race window).
	mainThreadChildren["mc-read-on-main"] = mc(func(ctx context.Context) error {
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") == nil {
				ready()
			}
		}()
		var err error
		Call(func() { _, err = Read(0, make([]byte, 1)) })
		return err
	})
	// SIGINT handled on another thread while the main thread sleeps in a
	// wrapped read through Call: the main thread must still be interrupted.
	mainThreadChildren["mc-read-on-main-signal-elsewhere"] = mc(func(ctx context.Context) error {
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") != nil {
				return
			}
			runtime.LockOSThread() // this thread takes it, not the main thread
			unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGINT)
		}()
		var err error
		Call(func() { _, err = Read(0, make([]byte, 1)) })
		return err
	})
	// As above, after a nudge the kernel refused: with RLIMIT_SIGPENDING 0
	// a SIGUSR1 handled on another thread cannot queue its SIGRTMAX; with
	// the limit back, the SIGINT that follows must still get through.
	mainThreadChildren["mc-nudge-after-refused-nudge"] = mc(func(ctx context.Context) error {
		var err error
		Call(func() { _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return nil })) })
		if err != nil {
			return err
		}
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") != nil {
				return
			}
			runtime.LockOSThread()
			var old unix.Rlimit
			if err := unix.Getrlimit(unix.RLIMIT_SIGPENDING, &old); err != nil {
				fmt.Println(err)
				return
			}
			unix.Setrlimit(unix.RLIMIT_SIGPENDING, &unix.Rlimit{Cur: 0, Max: old.Max})
			unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGUSR1)
			unix.Setrlimit(unix.RLIMIT_SIGPENDING, &old)
			unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGINT)
			time.Sleep(5 * time.Second)
			fmt.Fprintln(os.Stderr, "the main thread's read was not interrupted")
			os.Exit(3)
		}()
		var err2 error
		Call(func() { _, err2 = Read(0, make([]byte, 1)) })
		return err2
	})
	mainThreadChildren["mc-nil"] = mc(func(ctx context.Context) error { return nil })
	mainThreadChildren["mc-exit-3"] = mc(func(ctx context.Context) error { return ExitCode(3) })
	mainThreadChildren["mc-sigterm-exit-143"] = mc(func(ctx context.Context) error {
		var err error
		Call(func() {
			_, err = Signal(unix.SIGTERM, HandlerFunc(func(unix.Signal) error { return ExitCode(143) }))
		})
		if err != nil {
			return err
		}
		ready()
		<-ctx.Done()
		return ctx.Err()
	})
	mainThreadChildren["mc-sigint-ignored"] = mc(func(ctx context.Context) error {
		var h Handler
		Call(func() { h, _ = GetSignal(unix.SIGINT) })
		fmt.Println(h)
		ready()
		_, err := Read(0, make([]byte, 1)) // the parent closes stdin after its SIGINT
		return err
	})
	mainThreadChildren["mc-second-interrupt"] = mc(func(ctx context.Context) error {
		ready()
		<-ctx.Done()
		fmt.Println("cancelled") // and ignore it: the second Ctrl-C must end the process
		select {}
	})
	mainThreadChildren["mc-many"] = mc(manyBlockedCalls)
	// 1000 signals handled on another thread while the main goroutine sits
	// in a wrapped read on a thread that blocks SIGRTMAX: how many nudges
	// are queued for it? The kernel queues every real-time signal, so
	// without a bound there would be 1000.
	mainThreadChildren["mc-nudges-bounded"] = mc(func(ctx context.Context) error {
		var err error
		queued := 0
		Call(func() {
			if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return nil })); err != nil {
				return
			}
			var p [2]int
			if err = unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				return
			}
			defer unix.Close(p[0])
			defer unix.Close(p[1])
			if err = unix.PthreadSigmask(unix.SIG_BLOCK, sigset(interruptSignal), nil); err != nil {
				return
			}
			defer unix.PthreadSigmask(unix.SIG_UNBLOCK, sigset(interruptSignal), nil)
			go func() {
				runtime.LockOSThread()
				waitBlockedIn(MainThreadID(), "pipe_read")
				for i := 0; i < 1000; i++ {
					unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGUSR1)
				}
				unix.Write(p[1], []byte{1})
			}()
			if _, err = Read(p[0], make([]byte, 1)); err != nil {
				return
			}
			for {
				var info rawSiginfo
				if _, err := sigtimedwait(sigset(interruptSignal), &info, &unix.Timespec{}); err != nil {
					return // EAGAIN: none left (Sigtimedwait refuses the reserved signal)
				}
				queued++
			}
		})
		if err != nil {
			return err
		}
		fmt.Println("queued nudges:", queued)
		return nil
	})
	mainThreadChildren["mc-sigrtmax-taken"] = func() {
		if _, err := Signal(interruptSignal, HandlerFunc(func(unix.Signal) error { return nil })); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(5)
		}
		MainContext(func(ctx context.Context) error { return nil })
	}
	mainThreadChildren["mc-sigrtmax-reserved"] = mc(func(ctx context.Context) error {
		var err error
		Call(func() { _, err = Signal(interruptSignal, HandlerFunc(func(unix.Signal) error { return nil })) })
		if !errors.Is(err, ErrReservedSignal) {
			return fmt.Errorf("Signal(SIGRTMAX) under MainContext: %v, want ErrReservedSignal", err)
		}
		return nil
	})
}

// manyBlockedCalls blocks a goroutine in each of several wrapped calls, says
// "ready" once all are inside, and after the cancellation prints, for each
// call, its error and when it returned, counted from the first sign of the
// cancellation (fn seeing ctx done, or a call returning): an upper bound of
// how long the call took to return once ctx was cancelled.
func manyBlockedCalls(ctx context.Context) error {
	var p [2]int
	unix.Pipe2(p[:], unix.O_CLOEXEC)
	ep, _ := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, p[0], &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p[0])})
	ln, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(ln, 1)
	sleeper := exec.Command("sleep", "30")
	sleeper.Start()
	defer sleeper.Process.Kill()
	calls := []struct {
		name string
		f    func() error
	}{
		{"Sleep", func() error { return Sleep(time.Minute) }},
		{"Read", func() error { _, err := Read(p[0], make([]byte, 1)); return err }},
		{"Poll", func() error {
			_, err := Poll([]unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}, -1)
			return err
		}},
		{"Poll(timeout)", func() error {
			_, err := Poll([]unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}, time.Minute)
			return err
		}},
		{"EpollWait", func() error { _, err := EpollWait(ep, make([]unix.EpollEvent, 1), -1); return err }},
		{"Accept", func() error { _, _, err := Accept(ln); return err }},
		{"Wait4", func() error { _, err := Wait4(sleeper.Process.Pid, nil, 0, nil); return err }},
		{"Sigtimedwait", func() error { _, _, err := Sigtimedwait([]unix.Signal{unix.SIGUSR2}, time.Minute); return err }},
		{"Pause", Pause},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first time.Time // the first sign of the cancellation
	seen := func() time.Time {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if first.IsZero() {
			first = now
		}
		return now
	}
	returned := make([]time.Time, len(calls))
	errs := make([]error, len(calls))
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.f()
			returned[i] = seen()
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		intr.mu.Lock()
		n := len(intr.calls)
		intr.mu.Unlock()
		if n == len(calls) {
			break
		}
	}
	ready()
	<-ctx.Done()
	seen()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		for i, c := range calls {
			fmt.Printf("%s: %v, returned %v after the first sign\n", c.name, errs[i], returned[i].Sub(first).Round(10*time.Microsecond))
		}
	case <-time.After(5 * time.Second):
		fmt.Println("calls still blocked 5s after the cancellation")
	}
	return ctx.Err()
}

func ready() { fmt.Println("ready") }

// MainContext ends each program as CPython ends the same script: Ctrl-C
// (a SIGINT from outside) while fn waits on ctx, sleeps in Sleep, reads on
// its own goroutine or reads on the main thread through Call kills the
// process by SIGINT after printing KeyboardInterrupt; a nil result exits 0,
// ExitCode(3) exits 3, a SIGTERM handler's ExitCode(143) exits 143.
func TestMainContextEndsAsCPython(t *testing.T) {
	cases := []struct {
		child, python string
		want          string
	}{
		{"mc-ctx-wait", "import threading; print('ready', flush=True); threading.Event().wait()", "killed by signal 2"},
		{"mc-sleep", "import time; print('ready', flush=True); time.sleep(60)", "killed by signal 2"},
		{"mc-read", "import os, threading; t = threading.Thread(target=os.read, args=(0, 1), daemon=True); t.start(); print('ready', flush=True); t.join()", "killed by signal 2"},
		{"mc-read-on-main", "import os; print('ready', flush=True); os.read(0, 1)", "killed by signal 2"},
		{"mc-nil", "pass", "exit status 0"},
		{"mc-exit-3", "import sys; sys.exit(3)", "exit status 3"},
		{"mc-sigterm-exit-143", "import signal, sys, threading; signal.signal(signal.SIGTERM, lambda *a: sys.exit(143)); print('ready', flush=True); threading.Event().wait()", "exit status 143"},
	}
	for _, c := range cases {
		t.Run(c.child, func(t *testing.T) {
			// mc-read-on-main too: the main goroutine is no longer kept
			// on the process's first thread, which the kernel prefers for
			// SIGINT, and a SIGINT taken on another thread reaches its
			// read only through the nudge.
			if c.child == "mc-sleep" || c.child == "mc-read" || c.child == "mc-read-on-main" {
				skipUnderQEMU(t, noSIGRTMAX)
			}
			sig := syscall.SIGINT
			if strings.Contains(c.child, "sigterm") {
				sig = syscall.SIGTERM
			}
			onReady := func(line string, p *os.Process, _ *os.File) error {
				if line != "ready" {
					return nil
				}
				return p.Signal(sig)
			}
			cmd := childCommand("PYSIGNAL_TEST_CHILD=" + c.child)
			got := finish(t, cmd, onReady)
			wantLast := ""
			if c.want == "killed by signal 2" {
				wantLast = "KeyboardInterrupt"
			}
			if got.String() != c.want || got.lastLine() != wantLast {
				t.Errorf("child ended with %v, stderr %q; want %s, last line %q", got, got.stderr, c.want, wantLast)
			}
			if py, ok := pythonEnding(t, c.python, onReady); ok && (py.String() != got.String() || py.lastLine() != got.lastLine()) {
				t.Errorf("CPython ended with %v, last line %q; the child with %v, %q", py, py.lastLine(), got, got.lastLine())
			}
		})
	}
}

// Started with SIGINT ignored (nohup, a background job), MainContext leaves
// it ignored, as CPython's start-up does: Ctrl-C changes nothing, and the
// program ends normally when its input ends.
func TestMainContextLeavesAnIgnoredSIGINTIgnored(t *testing.T) {
	var said []string
	onLine := func(line string, p *os.Process, stdin *os.File) error {
		said = append(said, line)
		if line != "ready" {
			return nil
		}
		if err := p.Signal(syscall.SIGINT); err != nil {
			return err
		}
		// An ignored signal is discarded when it is sent: kill has
		// returned, so ending the input now cannot overtake it.
		return stdin.Close()
	}
	cmd := exec.Command("sh", "-c", `trap '' INT; exec "$0" -test.run='^$'`, os.Args[0])
	cmd.Env = childEnv("PYSIGNAL_TEST_CHILD=mc-sigint-ignored")
	got := finish(t, cmd, onLine)
	if got.String() != "exit status 0" || len(said) == 0 || said[0] != "SIG_IGN" {
		t.Errorf("child said %q and ended with %v, stderr %q; want SIG_IGN and exit status 0", said, got, got.stderr)
	}
}

// A handler error cancels ctx and interrupts every wrapped call blocked on
// fn's goroutines: each returns KeyboardInterrupt within milliseconds, and
// the process then dies by SIGINT.
func TestMainContextInterruptsBlockedCalls(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	onLine := func(line string, p *os.Process, _ *os.File) error {
		said = append(said, line)
		return sigintWhenReady(line, p, nil)
	}
	cmd := childCommand("PYSIGNAL_TEST_CHILD=mc-many")
	got := finish(t, cmd, onLine)
	if got.String() != "killed by signal 2" || got.lastLine() != "KeyboardInterrupt" {
		t.Errorf("child ended with %v, stderr %q; want killed by signal 2 after KeyboardInterrupt", got, got.stderr)
	}
	if len(said) != 10 {
		t.Fatalf("child said %q; want ready and 9 results", said)
	}
	for _, r := range said[1:] {
		// Pause ends, nil, when the kernel gives SIGINT to its own
		// thread, before the main thread has run the handler (Pause's
		// doc; CPython's pause in a thread does the same).
		if !strings.Contains(r, ": KeyboardInterrupt, returned ") && !strings.HasPrefix(r, "Pause: <nil>, returned ") {
			t.Errorf("%s; want KeyboardInterrupt", r)
		}
		t.Log(r)
	}
}

// After the first handler error has cancelled ctx, a second one while fn
// has not returned ends the process through Exit (no unraisable hook).
func TestMainContextSecondInterruptExits(t *testing.T) {
	onLine := func(line string, p *os.Process, _ *os.File) error {
		if line == "ready" || line == "cancelled" {
			return p.Signal(syscall.SIGINT)
		}
		return nil
	}
	cmd := childCommand("PYSIGNAL_TEST_CHILD=mc-second-interrupt")
	got := finish(t, cmd, onLine)
	if got.String() != "killed by signal 2" || got.lastLine() != "KeyboardInterrupt" {
		t.Errorf("child ended with %v, stderr %q; want killed by signal 2 after KeyboardInterrupt", got, got.stderr)
	}
}

// A signal the kernel hands to another thread still interrupts a wrapped
// call on the main thread (the C handler forwards SIGRTMAX to it): without
// that, the read would wait for input that never comes.
func TestMainContextInterruptsTheMainThreadForASignalElsewhere(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	got := runChildToEnd(t, "mc-read-on-main-signal-elsewhere")
	if got.String() != "killed by signal 2" || got.lastLine() != "KeyboardInterrupt" {
		t.Errorf("child ended with %v, stderr %q; want killed by signal 2 after KeyboardInterrupt", got, got.stderr)
	}
}

// A nudge the kernel refuses (its queue of real-time signals full) does
// not stop later ones: the next signal handled elsewhere still interrupts
// the main thread.
func TestMainContextNudgesAgainAfterARefusedNudge(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	got := runChildToEnd(t, "mc-nudge-after-refused-nudge")
	if got.String() != "killed by signal 2" || got.lastLine() != "KeyboardInterrupt" {
		t.Errorf("child ended with %v, stderr %q; want killed by signal 2 after KeyboardInterrupt", got, got.stderr)
	}
}

// BenchmarkReadUnderMainContext is BenchmarkRead's 1-byte round trip with
// the wrapper in its MainContext mode (each attempt registers its thread),
// next to the plain wrapper and the raw call, in one run.
func BenchmarkReadUnderMainContext(b *testing.B) {
	for _, v := range []struct {
		name  string
		read  func(int, []byte) (int, error)
		owned bool
	}{{"impl=raw", unix.Read, false}, {"impl=wrapped", Read, false}, {"impl=wrapped-maincontext", Read, true}} {
		b.Run(v.name, func(b *testing.B) {
			intr.owned.Store(v.owned)
			defer intr.owned.Store(false)
			benchReadRoundTrip(b, v.read)
		})
	}
}

// MainContext owns SIGRTMAX: Signal refuses it rather than let a handler
// break the interruption of blocked calls.
// A program that already owns SIGRTMAX is told so, not robbed of it.
func TestMainContextReservesSIGRTMAX(t *testing.T) {
	if got := runChildToEnd(t, "mc-sigrtmax-reserved"); got.String() != "exit status 0" {
		t.Errorf("child ended with %v, stderr %q", got, got.stderr)
	}
	got := runChildToEnd(t, "mc-sigrtmax-taken")
	if got.String() != "exit status 1" || !strings.Contains(got.lastLine(), "SIGRTMAX (64) has a handler set with Signal") {
		t.Errorf("with SIGRTMAX taken, the child ended with %v, stderr %q; want exit status 1 and the reason", got, got.stderr)
	}
}

// The C handler keeps at most one nudge in flight to the main goroutine's
// thread, however many signals other threads take.
func TestMainContextBoundsTheNudges(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	cmd := childCommand("PYSIGNAL_TEST_CHILD=mc-nudges-bounded")
	got := finish(t, cmd, func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	if got.String() != "exit status 0" || len(said) != 1 || said[0] != "queued nudges: 1" {
		t.Errorf("child said %q and ended with %v, stderr %q; want one queued nudge", said, got, got.stderr)
	}
}

func init() {
	// SIGUSR1 restarts calls (Siginterrupt false) and is taken by another
	// thread while the main thread reads in a Call: the read must not see
	// EINTR from the nudge, and completes when the input comes.
	mainThreadChildren["mc-restart-not-nudged"] = mc2(func(ctx context.Context) error {
		var err error
		Call(func() {
			if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return nil })); err == nil {
				err = Siginterrupt(unix.SIGUSR1, false)
			}
		})
		if err != nil {
			return err
		}
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") != nil {
				return
			}
			runtime.LockOSThread() // this thread takes it, not the main thread
			unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGUSR1)
			if waitFor(func() bool { return Deliveries(unix.SIGUSR1) > 0 }) {
				fmt.Println("sent")
			}
		}()
		var n int
		buf := make([]byte, 16)
		Call(func() { n, err = unix.Read(0, buf) })
		fmt.Printf("read %q %v\n", buf[:max(n, 0)], err)
		return nil
	})
}

// readyWhenFnBlocksIn says "ready" once fn's goroutine sleeps in the
// kernel function where, inside a wrapped call: a signal then has to
// interrupt the call, not merely be seen before it.
func readyWhenFnBlocksIn(where string) {
	if _, ok := fnBlockedIn(where); ok {
		ready()
	}
}

// fnBlockedIn waits (boundedly) until fn's goroutine is inside a wrapped
// call and its thread sleeps in the kernel function where, and returns
// that thread.
func fnBlockedIn(where string) (tid int, ok bool) {
	waitFor(func() bool {
		intr.mu.Lock()
		defer intr.mu.Unlock()
		for _, c := range intr.calls {
			if c.fn {
				tid = c.tid
			}
		}
		return tid != 0
	})
	return tid, tid != 0 && waitBlockedIn(tid, where) == nil
}

func mc2(fn func(ctx context.Context) error) func() { return func() { MainContext(fn) } }

func init() {
	// mc-read, saying first whether SIGRTMAX is blocked on the main thread.
	mainThreadChildren["mc-read-rtmax-mask"] = func() {
		var old unix.Sigset_t
		unix.PthreadSigmask(unix.SIG_BLOCK, nil, &old)
		fmt.Println("SIGRTMAX blocked:", old.Val[0]>>63&1 == 1)
		MainContext(func(ctx context.Context) error {
			go readyWhenFnBlocksIn("pipe_read")
			_, err := Read(0, make([]byte, 1))
			return err
		})
	}
}

// A program started with SIGRTMAX blocked (a parent using signalfd) still
// has its blocked calls interrupted: the mask is inherited by every thread
// the runtime makes, and without unblocking it the read never returned.
func TestMainContextWithSIGRTMAXBlockedAtStart(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 starts the child with SIGRTMAX blocked (Go's exec cannot); not found")
	}
	cmd := exec.Command(py, "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, [64]); os.execv(sys.argv[1], sys.argv[1:])",
		os.Args[0], "-test.run=^$")
	cmd.Env = childEnv("PYSIGNAL_TEST_CHILD=mc-read-rtmax-mask")
	var said []string
	got := finish(t, cmd, func(line string, p *os.Process, stdin *os.File) error {
		said = append(said, line)
		return sigintWhenReady(line, p, stdin)
	})
	if got.String() != "killed by signal 2" || got.stderr != "KeyboardInterrupt\n" || strings.Join(said, "|") != "SIGRTMAX blocked: true|ready" {
		t.Errorf("child said %q and ended with %v, stderr %q; want SIGRTMAX blocked, ready, then killed by signal 2 after KeyboardInterrupt", said, got, got.stderr)
	}
}

// The nudge to the main thread keeps Siginterrupt(sig, false): a raw read
// in a Call completes instead of failing with EINTR, as under plain Main.
func TestMainContextNudgeKeepsSiginterrupt(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	cmd := childCommand("PYSIGNAL_TEST_CHILD=mc-restart-not-nudged")
	got := finish(t, cmd, func(line string, _ *os.Process, stdin *os.File) error {
		said = append(said, line)
		if line == "sent" {
			_, err := stdin.WriteString("x")
			return err
		}
		return nil
	})
	if got.String() != "exit status 0" || strings.Join(said, "|") != `sent|read "x" <nil>` {
		t.Errorf("child said %q and ended with %v, stderr %q; want sent, then the read's byte", said, got, got.stderr)
	}
}

func init() {
	// A C library's handler on SIGRTMAX (here an address that is not the
	// runtime's, installed with rt_sigaction behind the package's back):
	// MainContext refuses rather than take the signal.
	mainThreadChildren["mc-sigrtmax-foreign"] = func() {
		act := struct{ handler, flags, restorer, mask uint64 }{
			handler: uint64(reflect.ValueOf(ready).Pointer()), flags: 0x08000000, // SA_ONSTACK
		}
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(interruptSignal), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
			fmt.Fprintln(os.Stderr, "rt_sigaction:", e)
			os.Exit(5)
		}
		MainContext(func(ctx context.Context) error { return nil })
	}
}

func TestMainContextLeavesAForeignSIGRTMAXAlone(t *testing.T) {
	got := runChildToEnd(t, "mc-sigrtmax-foreign")
	if got.String() != "exit status 1" || !strings.Contains(got.lastLine(), "SIGRTMAX (64) has a handler installed outside Go") {
		t.Errorf("child ended with %v, stderr %q; want exit status 1 and the reason", got, got.stderr)
	}
}
