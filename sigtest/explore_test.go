//go:build linux && cgo

package sigtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// The tests run on a goroutine while the main thread serves pysignal.Call,
// as Explore needs. Re-run with SIGTEST_CHILD=maincontext, the test binary
// explores under MainContext instead (TestUnderMainContext).
func TestMain(m *testing.M) {
	if os.Getenv("SIGTEST_CHILD") == "maincontext" {
		pysignal.MainContext(func(context.Context) error {
			rep, err := sigtest.Explore(latePipeRead(pysignal.Read, "pipe_read"), sigtest.Options{Bound: bound})
			if err != nil {
				return err
			}
			for _, r := range rep.Results {
				fmt.Printf("%v late=%v\n", r.Point, r.Late)
			}
			return nil
		})
	}
	os.Exit(pysignal.Main(m.Run))
}

// Explore works while MainContext serves the main thread too.
func TestUnderMainContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), "SIGTEST_CHILD=maincontext")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	want := "point 0 (read: syscall enter) late=true\npoint 1 (read: syscall exit) late=false\n"
	if err != nil || string(out) != want {
		t.Errorf("child under MainContext: %v, stdout %q, stderr %q; want exit 0 and %q", err, out, stderr.String(), want)
	}
}

const (
	// peerDelay is how long the peer leaves a call blocked, and bound how
	// late a handler may run: a signal stuck behind the call is later than
	// bound by far, and a prompt one has bound to spare on a busy machine.
	peerDelay = 300 * time.Millisecond
	bound     = 100 * time.Millisecond
)

// onMain runs f on the main thread and returns its error.
func onMain(f func() error) error {
	var err error
	pysignal.Call(func() { err = f() })
	return err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitBlocked waits until the main thread sleeps in the kernel function
// whose name contains where (/proc's wchan: a real event), for up to 5 s.
func waitBlocked(where string) error {
	wchan := fmt.Sprintf("/proc/self/task/%d/wchan", pysignal.MainThreadID())
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(wchan); strings.Contains(string(b), where) {
			return nil
		}
	}
	return fmt.Errorf("the main thread never blocked in %s", where)
}

// latePipeRead returns an fn that reads one byte of a fresh pipe with read,
// while a peer writes it peerDelay after the main thread has blocked in
// where. It fails if the byte is not read.
func latePipeRead(read func(fd int, p []byte) (int, error), where string) func() error {
	return func() error {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return err
		}
		defer unix.Close(p[0])
		defer unix.Close(p[1])
		peer := make(chan error, 1)
		go func() {
			err := waitBlocked(where)
			if err == nil {
				time.Sleep(peerDelay) // the experiment: the call stays blocked this long
			}
			unix.Write(p[1], []byte("x"))
			peer <- err
		}()
		buf := make([]byte, 1)
		n, err := read(p[0], buf)
		if perr := <-peer; perr != nil {
			return perr
		}
		if err != nil || n != 1 || buf[0] != 'x' {
			return fmt.Errorf("read %d %q, %v; want the peer's byte", n, buf[:n], err)
		}
		return nil
	}
}

var ignoreDelay = cmpopts.IgnoreFields(sigtest.Result{}, "Delay")

func results(pts ...sigtest.Result) []sigtest.Result { return pts }

func point(i int, call string, ph pysignal.TracePhase, late bool) sigtest.Result {
	return sigtest.Result{Point: sigtest.Point{Index: i, Call: call, Phase: ph}, Late: late}
}

// The naive read: a signal at the read's enter phase waits for the peer;
// right after the read returned it runs at once.
func TestNaiveReadIsLateAtEnter(t *testing.T) {
	rep, err := sigtest.Explore(latePipeRead(pysignal.Read, "pipe_read"), sigtest.Options{Bound: bound})
	must(t, err)
	want := results(
		point(0, "read", pysignal.PhaseEnter, true),
		point(1, "read", pysignal.PhaseExit, false),
	)
	if diff := cmp.Diff(want, rep.Results, ignoreDelay, cmp.AllowUnexported(sigtest.Result{})); diff != "" {
		t.Fatalf("results (-want +got):\n%s\n%v", diff, rep)
	}
	if d := rep.Results[0].Delay; d < peerDelay {
		t.Errorf("the late point's delay %v is shorter than the peer's %v: it cannot have waited for the peer\n%v", d, peerDelay, rep)
	}
	if late := rep.Late(); len(late) != 1 || late[0].Index != 0 {
		t.Errorf("Late() = %v, want point 0 only", late)
	}
	if s := rep.String(); !strings.Contains(s, "LATE") || !strings.Contains(s, "syscall enter") {
		t.Errorf("String() does not show the late enter point:\n%s", s)
	}
}

// The same read through a Wakeup: the signal at poll's enter phase leaves a
// byte that ends the poll at once, so no point is late.
func TestWakeupReadHasNoLatePoint(t *testing.T) {
	var wk *pysignal.Wakeup
	must(t, onMain(func() (err error) { wk, err = pysignal.OpenWakeup(); return err }))
	defer onMain(wk.Close)
	rep, err := sigtest.Explore(latePipeRead(wk.Read, "poll"), sigtest.Options{Bound: bound})
	must(t, err)
	want := results(
		point(0, "poll", pysignal.PhaseEnter, false),
		point(1, "poll", pysignal.PhaseExit, false),
	)
	if diff := cmp.Diff(want, rep.Results, ignoreDelay, cmp.AllowUnexported(sigtest.Result{})); diff != "" {
		t.Fatalf("results (-want +got):\n%s\n%v", diff, rep)
	}
	if d := rep.Results[0].Delay; d >= peerDelay {
		t.Errorf("the handler waited for the peer (%v) although the wakeup byte should end the poll\n%v", d, rep)
	}
}

// No wrapped call, no points, no error.
func TestNoWrappedCallNoPoints(t *testing.T) {
	runs := 0
	rep, err := sigtest.Explore(func() error {
		runs++
		_, err := unix.Getpid(), error(nil)
		return err
	}, sigtest.Options{})
	must(t, err)
	if len(rep.Results) != 0 || rep.Late() != nil || runs != 1 {
		t.Errorf("%d results, late %v, fn ran %d times; want none, nil, once", len(rep.Results), rep.Late(), runs)
	}
	if s := rep.String(); !strings.Contains(s, "no points") {
		t.Errorf("String() = %q, want it to say there are no points", s)
	}
}

// readable returns a pipe's read end holding n bytes, closed with the test.
func readable(t *testing.T, n int) (r, w int) {
	var p [2]int
	must(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	if n > 0 {
		_, err := unix.Write(p[1], make([]byte, n))
		must(t, err)
	}
	return p[0], p[1]
}

// A function that does something else on later runs is refused, with the
// point where the runs part.
func TestNotRepeatable(t *testing.T) {
	r, w := readable(t, 10)
	cases := []struct {
		name string
		fn   func(run int) error
		want string
	}{
		{"stops calling", func(run int) error {
			if run == 0 {
				_, err := pysignal.Read(r, make([]byte, 1))
				return err
			}
			return nil
		}, "the first run reached point 0 (read: syscall enter), the run for point 0 stopped after 0 points"},
		{"calls something else", func(run int) error {
			if _, err := pysignal.Read(r, make([]byte, 1)); err != nil {
				return err
			}
			if run == 0 {
				_, err := pysignal.Read(r, make([]byte, 1))
				return err
			}
			_, err := pysignal.Write(w, []byte("x"))
			return err
		}, "the first run had point 2 (read: syscall enter), the run for point 2 had point 2 (write: syscall enter)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := 0
			rep, err := sigtest.Explore(func() error { defer func() { run++ }(); return c.fn(run) }, sigtest.Options{})
			if !errors.Is(err, sigtest.ErrNotRepeatable) || !strings.Contains(fmt.Sprint(err), c.want) {
				t.Errorf("Explore: %v, %v; want ErrNotRepeatable naming %q", rep, err, c.want)
			}
		})
	}
}

// counting is a program's own handler that counts its runs.
type counting struct{ runs atomic.Int32 }

func (c *counting) Handle(unix.Signal) error { c.runs.Add(1); return nil }

// countingHook is a trace hook that counts the events it sees.
type countingHook struct{ events atomic.Int32 }

func (c *countingHook) hook(pysignal.TraceEvent) { c.events.Add(1) }

// programState gives sig a counting handler and installs a counting trace
// hook, as the program under test would have them, until the test ends.
func programState(t *testing.T, sig unix.Signal) (*counting, *countingHook) {
	t.Helper()
	own, hook := &counting{}, &countingHook{}
	must(t, onMain(func() error { _, err := pysignal.Signal(sig, own); return err }))
	t.Cleanup(func() { onMain(func() error { return pysignal.Release(sig) }) })
	t.Cleanup(pysignal.SetTraceHook(hook.hook))
	return own, hook
}

// The program's own handler runs once per injection; its trace hook sees
// nothing while Explore runs and is back in place afterwards, as is its
// handler.
func TestProgramHandlerRunsOncePerInjection(t *testing.T) {
	const sig = unix.SIGUSR2
	own, hook := programState(t, sig)

	r, w := readable(t, 0)
	before := pysignal.Deliveries(sig)
	rep, err := sigtest.Explore(func() error {
		if _, err := pysignal.Write(w, []byte("ab")); err != nil {
			return err
		}
		_, err := pysignal.Read(r, make([]byte, 2))
		return err
	}, sigtest.Options{Signal: sig})
	must(t, err)
	if n := len(rep.Results); n != 4 {
		t.Fatalf("%d points, want 4 (write and read, enter and exit)\n%v", n, rep)
	}
	if got, sent := own.runs.Load(), pysignal.Deliveries(sig)-before; got != 4 || sent != 4 {
		t.Errorf("the program's handler ran %d times for %d deliveries; want 4 and 4", got, sent)
	}
	if h := getSignal(t, sig); h != own {
		t.Errorf("after Explore the handler is %v, want the program's own", h)
	}
	if got := hook.events.Load(); got != 0 {
		t.Errorf("the program's trace hook saw %d events during Explore, want 0", got)
	}
	pysignal.Write(w, []byte("x")) // enter and exit: to the program's hook, if it is back
	if got := hook.events.Load(); got != 2 {
		t.Errorf("a write after Explore reached the program's trace hook with %d events, want 2", got)
	}
}

// getSignal is pysignal.GetSignal, failing the test on error.
func getSignal(t *testing.T, sig unix.Signal) pysignal.Handler {
	h, err := pysignal.GetSignal(sig)
	must(t, err)
	return h
}

// A signal the program never set is handed back to the Go runtime.
func TestRuntimeSignalIsHandedBack(t *testing.T) {
	if h := getSignal(t, unix.SIGUSR1); h != nil {
		t.Skipf("SIGUSR1's handler is %v before the test, want the Go runtime's", h)
	}
	r, _ := readable(t, 3) // a byte for each of the 3 runs
	rep, err := sigtest.Explore(func() error { _, err := pysignal.Read(r, make([]byte, 1)); return err }, sigtest.Options{})
	must(t, err)
	if len(rep.Results) != 2 {
		t.Errorf("%d points, want 2\n%v", len(rep.Results), rep)
	}
	if h := getSignal(t, unix.SIGUSR1); h != nil {
		t.Errorf("after Explore SIGUSR1's handler is %v, want the Go runtime's (nil)", h)
	}
}

// Bad input is refused with an error, and changes nothing.
func TestBadInput(t *testing.T) {
	ok := func() error { return nil }
	cases := []struct {
		name string
		fn   func() error
		opts sigtest.Options
		want string
	}{
		{"nil fn", nil, sigtest.Options{}, "Explore(nil)"},
		{"negative bound", ok, sigtest.Options{Bound: -time.Millisecond}, "negative Bound"},
		{"reserved signal", ok, sigtest.Options{Signal: unix.SIGURG}, "reserved"},
		{"out of range", ok, sigtest.Options{Signal: 1000}, "out of range"},
		{"uncatchable", ok, sigtest.Options{Signal: unix.SIGKILL}, "invalid argument"},
		{"fn fails", func() error { return errors.New("boom") }, sigtest.Options{}, "fn failed on its first run: boom"},
		{"fn replaces the handler", func() error {
			_, err := pysignal.Signal(unix.SIGUSR1, pysignal.Ignore)
			return err
		}, sigtest.Options{}, "fn replaced the handler of SIGUSR1 (now SIG_IGN)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := sigtest.Explore(c.fn, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || rep != nil {
				t.Errorf("Explore: %v, %v; want an error containing %q", rep, err, c.want)
			}
			if h := getSignal(t, unix.SIGUSR1); h != nil {
				t.Errorf("SIGUSR1's handler is %v after a refused Explore", h)
			}
		})
	}
}

// Explore from inside the function it explores would deadlock: refused.
func TestNestedExploreRefused(t *testing.T) {
	var inner error
	_, err := sigtest.Explore(func() error {
		_, inner = sigtest.Explore(func() error { return nil }, sigtest.Options{})
		return nil
	}, sigtest.Options{})
	must(t, err)
	if inner == nil || !strings.Contains(inner.Error(), "while an exploration runs") {
		t.Errorf("nested Explore: %v, want it refused", inner)
	}
}

// A panic in fn propagates, and the handler and hook are put back.
func TestPanicRestores(t *testing.T) {
	const sig = unix.SIGUSR2
	own, hook := programState(t, sig)
	r, _ := readable(t, 10)
	run := 0
	got := func() (p any) {
		defer func() { p = recover() }()
		sigtest.Explore(func() error {
			if run++; run == 2 {
				panic("second run")
			}
			_, err := pysignal.Read(r, make([]byte, 1))
			return err
		}, sigtest.Options{Signal: sig})
		return nil
	}()
	if got != "second run" {
		t.Errorf("recovered %v, want fn's panic", got)
	}
	if h := getSignal(t, sig); h != own {
		t.Errorf("after the panic the handler is %v, want the program's own", h)
	}
	pysignal.Read(r, make([]byte, 1))
	if got := hook.events.Load(); got != 2 {
		t.Errorf("after the panic a read reached the program's trace hook with %d events, want 2: Explore's hook is still installed", got)
	}
}

// fakeTB records what Check reports.
type fakeTB struct {
	helper int
	fatal  []string
}

func (f *fakeTB) Helper() { f.helper++ }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = append(f.fatal, fmt.Sprintf(format, args...))
}

// Check fails the test with the table when a point is late, and stays
// silent when none is.
func TestCheck(t *testing.T) {
	var _ sigtest.TB = t // *testing.T has what Check needs

	var late fakeTB
	rep := sigtest.Check(&late, func() error { return pysignal.Sleep(3 * bound / 2) }, sigtest.Options{Bound: bound / 2})
	if len(late.fatal) != 1 || !strings.Contains(late.fatal[0], "1 of 2 points") ||
		!strings.Contains(late.fatal[0], "clock_nanosleep") || !strings.Contains(late.fatal[0], "LATE") || late.helper == 0 {
		t.Errorf("Check of a sleep: Fatalf calls %q (Helper called %d times); want one, with the table", late.fatal, late.helper)
	}
	if rep == nil || len(rep.Late()) != 1 || rep.Late()[0].Phase != pysignal.PhaseEnter {
		t.Errorf("Check returned %v; want the report, late at the enter phase", rep)
	}

	var prompt fakeTB
	r, _ := readable(t, 3)
	rep = sigtest.Check(&prompt, func() error { _, err := pysignal.Read(r, make([]byte, 1)); return err }, sigtest.Options{Bound: bound})
	if len(prompt.fatal) != 0 || rep == nil || len(rep.Results) != 2 {
		t.Errorf("Check of a ready read: Fatalf calls %q, report %v; want none and 2 points", prompt.fatal, rep)
	}

	var failed fakeTB
	if rep := sigtest.Check(&failed, nil, sigtest.Options{}); rep != nil || len(failed.fatal) != 1 {
		t.Errorf("Check(nil): report %v, Fatalf calls %q; want nil and one", rep, failed.fatal)
	}
	var none *sigtest.Report // what Check returns when Explore fails: safe to use
	if none.Late() != nil || none.Worst() != 0 || none.String() == "" {
		t.Errorf("a nil Report: Late %v, Worst %v, String %q", none.Late(), none.Worst(), none.String())
	}
}

// After an EINTR the loop checks, then retries: a signal at the check or
// the retry (or the retried call's enter) waits for the retried call, while
// one at the first enter is run by the check that the EINTR leads to.
func TestRetryWindows(t *testing.T) {
	const interrupt = unix.SIGUSR2
	ran := make(chan struct{}, 1)
	must(t, onMain(func() error {
		_, err := pysignal.Signal(interrupt, pysignal.HandlerFunc(func(unix.Signal) error {
			ran <- struct{}{}
			return nil
		}))
		return err
	}))
	defer onMain(func() error { return pysignal.Release(interrupt) })

	fn := func() error {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return err
		}
		defer unix.Close(p[0])
		defer unix.Close(p[1])
		peer := make(chan error, 1)
		go func() { // interrupt the blocked read once, then answer late
			err := waitBlocked("pipe_read")
			if err == nil {
				unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), interrupt)
				select {
				case <-ran: // its handler ran in the check: the retry comes next
					err = waitBlocked("pipe_read")
				case <-time.After(5 * time.Second):
					err = errors.New("the interrupting signal's handler never ran")
				}
			}
			if err == nil {
				time.Sleep(peerDelay)
			}
			unix.Write(p[1], []byte("x"))
			peer <- err
		}()
		_, err := pysignal.Read(p[0], make([]byte, 1))
		if perr := <-peer; perr != nil {
			return perr
		}
		return err
	}
	rep, err := sigtest.Explore(fn, sigtest.Options{Bound: bound})
	must(t, err)
	want := results(
		point(0, "read", pysignal.PhaseEnter, false), // the EINTR's check runs it
		point(1, "read", pysignal.PhaseExit, false),  // (EINTR) likewise
		point(2, "read", pysignal.PhaseCheck, true),  // after the check: waits for the retry
		point(3, "read", pysignal.PhaseRetry, true),
		point(4, "read", pysignal.PhaseEnter, true),
		point(5, "read", pysignal.PhaseExit, false),
	)
	if diff := cmp.Diff(want, rep.Results, ignoreDelay, cmp.AllowUnexported(sigtest.Result{})); diff != "" {
		t.Errorf("results (-want +got):\n%s\n%v", diff, rep)
	}
}

// The same function gives the same points and late points every time.
func TestDeterministic(t *testing.T) {
	var reports []*sigtest.Report
	for i := 0; i < 3; i++ {
		rep, err := sigtest.Explore(func() error { return pysignal.Sleep(3 * bound / 2) }, sigtest.Options{Bound: bound / 2})
		must(t, err)
		reports = append(reports, rep)
	}
	for i, rep := range reports[1:] {
		if diff := cmp.Diff(reports[0].Results, rep.Results, ignoreDelay, cmp.AllowUnexported(sigtest.Result{})); diff != "" {
			t.Errorf("exploration %d differs from the first (-first +this):\n%s", i+2, diff)
		}
	}
	if late := reports[0].Late(); len(late) != 1 || late[0].Phase != pysignal.PhaseEnter {
		t.Errorf("late points %v, want the sleep's enter only", late)
	}
}

// Issue 22, fault 7: a real Ctrl-C during an exploration is the program's,
// not the exploration's. With DefaultIntHandler for SIGINT, a SIGINT on a
// later run (after fn's calls, caught by Explore's own check; or before
// them, making fn stop early) must come out of Explore as
// ErrKeyboardInterrupt, neither dropped nor called ErrNotRepeatable.
func TestRealInterruptIsNotSwallowed(t *testing.T) {
	must(t, onMain(func() error {
		_, err := pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler)
		return err
	}))
	t.Cleanup(func() { must(t, onMain(func() error { return pysignal.Release(unix.SIGINT) })) })
	ctrlC := func() { unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGINT) } // fn runs on the main thread
	r, _ := readable(t, 10)
	for _, when := range []string{"after the calls", "before the calls"} {
		t.Run(when, func(t *testing.T) {
			run := 0
			fn := func() error {
				defer func() { run++ }()
				if run == 2 && when == "before the calls" {
					ctrlC()
					if err := pysignal.CheckSignals(); err != nil {
						return err
					}
				}
				if _, err := pysignal.Read(r, make([]byte, 1)); err != nil {
					return err
				}
				if run == 2 && when == "after the calls" {
					ctrlC()
				}
				return nil
			}
			rep, err := sigtest.Explore(fn, sigtest.Options{})
			if !errors.Is(err, pysignal.ErrKeyboardInterrupt) || errors.Is(err, sigtest.ErrNotRepeatable) {
				t.Errorf("Explore with a Ctrl-C on its third run (%s): %v, %v; want ErrKeyboardInterrupt", when, rep, err)
			}
		})
	}
}

// The program's handler for the explored signal may still make fn fail on
// purpose, on any run, with fn wrapping its error: that is no failure.
func TestHandlerErrorThroughFnIsExpected(t *testing.T) {
	errStop := errors.New("stop on purpose")
	must(t, onMain(func() error {
		_, err := pysignal.Signal(sigtest.DefaultSignal, pysignal.HandlerFunc(func(unix.Signal) error { return errStop }))
		return err
	}))
	t.Cleanup(func() { must(t, onMain(func() error { return pysignal.Release(sigtest.DefaultSignal) })) })
	r, _ := readable(t, 10)
	rep, err := sigtest.Explore(func() error {
		if _, err := pysignal.Read(r, make([]byte, 1)); err != nil {
			return fmt.Errorf("reading: %w", err)
		}
		return nil
	}, sigtest.Options{})
	if err != nil || len(rep.Results) != 2 {
		t.Errorf("Explore: %v, %v; want a report of 2 points", rep, err)
	}
}
