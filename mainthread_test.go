//go:build linux && cgo

package pysignal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Main's idle loop runs handlers on the main thread promptly, whichever
// thread the kernel delivered the signal to: the process (any thread), or
// this test's own thread.
func TestMainIdleRunsHandlersOnTheMainThread(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	const rounds = 50
	for i := 0; i < rounds; i++ {
		if i%2 == 0 {
			must(t, unix.Kill(unix.Getpid(), usr1))
		} else {
			runtime.LockOSThread()
			err := unix.Tgkill(unix.Getpid(), unix.Gettid(), usr1)
			runtime.UnlockOSThread()
			must(t, err)
		}
		rec.waitRun(t, "signal while Main is idle")
	}
	for i, tid := range rec.threads() {
		if tid != MainThreadID() {
			t.Fatalf("run %d: handler ran on thread %d, want the main thread %d", i, tid, MainThreadID())
		}
	}
	if n := len(rec.runs()); n != rounds {
		t.Errorf("handler ran %d times, want %d", n, rounds)
	}
}

// SetInterruptEx from another goroutine wakes the idle main thread too.
func TestMainIdleWakesOnSetInterruptEx(t *testing.T) {
	rec := newRecorder()
	own(t, usr2, rec)
	must(t, SetInterruptEx(usr2))
	rec.waitRun(t, "SetInterruptEx while Main is idle")
}

// A handler error in Main's idle loop has nobody to receive it: it goes to
// the unraisable hook.
func TestMainIdleHandlerErrorGoesToTheHook(t *testing.T) {
	hook := captureUnraisable(t)
	rec := newRecorder()
	rec.err = errTest
	own(t, usr1, rec)
	must(t, unix.Kill(unix.Getpid(), usr1))
	select {
	case <-hook.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no unraisable report within 5s")
	}
	if r := hook.reports(); len(r) != 1 || !errors.Is(r[0], errTest) || !strings.Contains(r[0].Msg, "pysignal.Main") {
		t.Errorf("reports %v, want one wrapping the handler's error", r)
	}
}

func TestCallPropagatesPanicsAndNests(t *testing.T) {
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		Call(func() { panic("boom") })
	}()
	if recovered != "boom" {
		t.Errorf("Call re-panicked with %v, want boom", recovered)
	}
	inner := 0
	Call(func() { Call(func() { inner = unix.Gettid() }) })
	if inner != MainThreadID() {
		t.Errorf("nested Call ran on thread %d", inner)
	}
}

// CPython: SiginterruptTest. The main thread blocks in read(2) on an empty
// pipe; once the kernel shows it asleep there, SIGUSR1 goes to that thread.
// Without SA_RESTART the read fails with EINTR; with it, the read goes on and
// returns the byte written after the signal was delivered.
func TestSiginterrupt(t *testing.T) {
	cases := []struct {
		name      string
		configure func() error
		wantEINTR bool
	}{
		{"without_siginterrupt", func() error { return nil }, true},
		{"siginterrupt_on", func() error { return Siginterrupt(usr1, true) }, true},
		{"siginterrupt_off", func() error { return Siginterrupt(usr1, false) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder()
			own(t, usr1, rec)
			must(t, c.configure())
			r, w := pipe(t, 0)
			before := Deliveries(usr1)
			peer := make(chan error, 1)
			go func() {
				if err := waitBlockedIn(MainThreadID(), "pipe_read"); err != nil {
					peer <- err
					unix.Write(w, []byte("x")) // unblock the main thread
					return
				}
				if err := unix.Tgkill(unix.Getpid(), MainThreadID(), usr1); err != nil {
					peer <- err
					return
				}
				if !waitFor(func() bool { return Deliveries(usr1) > before }) {
					peer <- errors.New("SIGUSR1 was never delivered")
				}
				// Delivered: now give the read its data, so a restarted
				// read can finish (an interrupted one already has).
				_, err := unix.Write(w, []byte("x"))
				peer <- err
			}()
			var n int
			var readErr error
			var runsAtReturn int
			must(t, onMain(func() error {
				buf := make([]byte, 1)
				n, readErr = unix.Read(r, buf)
				runsAtReturn = len(rec.runs())
				return CheckSignals()
			}))
			must(t, <-peer)
			if c.wantEINTR && (readErr != unix.EINTR || n != -1) {
				t.Errorf("read returned %d, %v; want EINTR", n, readErr)
			}
			if !c.wantEINTR && (readErr != nil || n != 1) {
				t.Errorf("read returned %d, %v; want the byte written after the signal (restarted read)", n, readErr)
			}
			if runsAtReturn != 0 || len(rec.runs()) != 1 {
				t.Errorf("handler runs: %d when read returned, %d after CheckSignals; want 0 and 1", runsAtReturn, len(rec.runs()))
			}
		})
	}
}

// os/signal keeps working for signals pysignal does not own.
func TestOsSignalNotifyCoexists(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	defer signal.Stop(ch)
	must(t, unix.Kill(unix.Getpid(), unix.SIGWINCH))
	must(t, unix.Kill(unix.Getpid(), usr1))
	select {
	case s := <-ch:
		if s != syscall.SIGWINCH {
			t.Errorf("os/signal delivered %v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("os/signal did not deliver SIGWINCH within 5s")
	}
	rec.waitRun(t, "SIGUSR1 next to os/signal")
}

// startChild re-runs the test binary as a child scenario (see runChild) and
// waits for its "ready" line. The returned output holds the child's other
// stdout lines; its String waits until the child has closed its stdout.
func startChild(t *testing.T, name string) (*exec.Cmd, *childOutput) {
	t.Helper()
	cmd := childCommand("PYSIGNAL_TEST_CHILD=" + name)
	// Our own pipe, not StdoutPipe: Wait closes a StdoutPipe as soon as the
	// child exits, which can cut the reader off before it has read the
	// last lines.
	r, w, err := os.Pipe()
	must(t, err)
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	out := &childOutput{done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(out.done)
		defer r.Close()
		sc := bufio.NewScanner(r)
		said := false
		for sc.Scan() {
			if sc.Text() == "ready" && !said {
				said = true
				close(ready)
				continue
			}
			out.b.WriteString(sc.Text() + "\n")
		}
	}()
	select {
	case <-ready:
	case <-out.done:
		cmd.Process.Kill()
		t.Fatalf("child %s closed its stdout without saying ready; stderr: %s", name, stderr.String())
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("child %s not ready within 10s; stderr: %s", name, stderr.String())
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out
}

// childOutput is a child's stdout after its "ready" line, filled by one
// reader goroutine.
type childOutput struct {
	b    strings.Builder // written only by the reader, read after done
	done chan struct{}   // closed when the reader has seen EOF
}

// String returns everything the child wrote after "ready", once the child
// has closed its stdout (it has exited), or what there is after 10 s.
func (o *childOutput) String() string {
	select {
	case <-o.done:
		return o.b.String()
	case <-time.After(10 * time.Second):
		return "(child's stdout still open after 10s)"
	}
}

// waitChild waits (bounded) for the child and returns its wait status.
func waitChild(t *testing.T, cmd *exec.Cmd) syscall.WaitStatus {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not exit within 10s of the signal")
	}
	return cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// CPython: PosixTests.test_keyboard_interrupt_exit_code and
// test_interprocess_signal. A real SIGINT from another process interrupts
// the child's wait with KeyboardInterrupt; the child then dies by SIGINT.
func TestKeyboardInterruptFromARealSIGINT(t *testing.T) {
	cmd, out := startChild(t, "keyboard-interrupt")
	must(t, cmd.Process.Signal(syscall.SIGINT))
	ws := waitChild(t, cmd)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child wait status %v, want killed by SIGINT", ws)
	}
	if !strings.Contains(out.String(), "KeyboardInterrupt") {
		t.Errorf("child output %q lacks KeyboardInterrupt", out.String())
	}
}

// Importing the package leaves SIGINT to the Go runtime: the child's
// GetSignal says nil, and a SIGINT kills it as it would any Go program.
func TestImportLeavesSIGINTAlone(t *testing.T) {
	cmd, out := startChild(t, "untouched")
	must(t, cmd.Process.Signal(syscall.SIGINT))
	ws := waitChild(t, cmd)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child wait status %v, want killed by SIGINT (the Go runtime's default)", ws)
	}
	if got := out.String(); got != "GetSignal(SIGINT) = <nil>\n" {
		t.Errorf("child said %q", got)
	}
}

// A handler error in the idle loop stops the scan; the handlers tripped with
// it must still run at once, not at the next unrelated wake-up. The Call
// trips both signals without waking the loop (no signal, no check).
func TestMainIdleRunsTheRestAfterAHandlerError(t *testing.T) {
	hook := captureUnraisable(t)
	failing, rest := newRecorder(), newRecorder()
	failing.err = errTest
	own(t, usr1, failing)
	own(t, usr2, rest)
	for round := 0; round < 20; round++ {
		Call(func() {
			tripSignal(usr1)
			tripSignal(usr2)
		})
		failing.waitRun(t, "the failing handler")
		rest.waitRun(t, fmt.Sprintf("round %d: the handler tripped with the failing one", round))
	}
	if n := len(hook.reports()); n != 20 {
		t.Errorf("%d unraisable reports, want 20", n)
	}
}

// Goexit, panics and idle-loop errors in Main, each in a child process:
// Main ends with a message instead of hanging, is reusable after a recovered
// panic, and an idle-loop KeyboardInterrupt with no unraisable hook ends the
// process by SIGINT.
func TestMainFaults(t *testing.T) {
	cases := []struct {
		child string
		want  string // the ending
		say   string // in stderr
	}{
		{"main-fn-goexit", "exit status 2", "pysignal.Main: fn called runtime.Goexit"},
		{"main-call-goexit", "exit status 2", "a function run by Call called runtime.Goexit"}, // the caller or the main thread says it first
		{"main-handler-goexit", "exit status 2", "pysignal.Main: a signal handler called runtime.Goexit"},
		{"main-recovered-panic", "exit status 7", "recovered: handler panic"},
	}
	for _, c := range cases {
		t.Run(c.child, func(t *testing.T) {
			got := runChildToEnd(t, c.child)
			if got.String() != c.want || !strings.Contains(got.stderr, c.say) {
				t.Errorf("child ended with %v, stderr %q; want %s and %q", got, got.stderr, c.want, c.say)
			}
		})
	}
	t.Run("main-idle-keyboard-interrupt", func(t *testing.T) {
		cmd := childCommand("PYSIGNAL_TEST_CHILD=main-idle-keyboard-interrupt")
		got := finish(t, cmd, sigintWhenReady)
		if got.String() != "killed by signal 2" || got.lastLine() != "KeyboardInterrupt" {
			t.Errorf("child ended with %v, stderr %q; want killed by signal 2 after KeyboardInterrupt", got, got.stderr)
		}
	})
}

// A handler that re-enters itself (it raises its own signal, whose check
// runs it again) nests at most MaxHandlerNesting deep; the innermost check
// gets ErrRecursion, which every level returns.
func TestHandlerNestingIsBounded(t *testing.T) {
	depth, deepest := 0, 0
	stop := false
	var innermost error
	own(t, usr1, HandlerFunc(func(sig unix.Signal) error {
		if stop {
			return nil
		}
		depth++
		defer func() { depth-- }()
		deepest = max(deepest, depth)
		if depth > 3*MaxHandlerNesting {
			return errors.New("nesting not bounded")
		}
		err := RaiseSignal(sig)
		if innermost == nil {
			innermost = err
		}
		return err
	}))
	err := onMain(func() error {
		err := RaiseSignal(usr1)
		stop = true
		return err
	})
	if !errors.Is(err, ErrRecursion) || !errors.Is(innermost, ErrRecursion) || deepest != MaxHandlerNesting {
		t.Errorf("RaiseSignal returned %v (innermost check: %v), nesting %d; want ErrRecursion at depth %d", err, innermost, deepest, MaxHandlerNesting)
	}
	// The refused signal stayed pending: the next check runs it.
	must(t, onMain(CheckSignals))
}

// Main's idle loop sends a handler error to the hook only while the program
// has installed one; restoring the default is not "installed".
func TestHookInstalledFollowsRestore(t *testing.T) {
	restoreDefault := SetUnraisableHook(nil)
	defer restoreDefault()
	if hookInstalled() {
		t.Fatal("nil installed, yet hookInstalled says yes")
	}
	restore := SetUnraisableHook(func(*UnraisableError) {})
	if !hookInstalled() {
		t.Error("a hook was installed but hookInstalled says no")
	}
	restore()
	if hookInstalled() {
		t.Error("after restoring the default, hookInstalled says yes")
	}
}

// The case: a handler that makes a wrapped blocking call under a
// stream of its own signal re-enters itself at every signal (each EINTR runs
// the check, which runs the handler). The nesting stops at MaxHandlerNesting
// with ErrRecursion, which unwinds every level out to the first call.
func TestHandlerNestingUnderAStormIsBounded(t *testing.T) {
	errUnbounded := errors.New("nesting not bounded")
	depth, deepest := 0, 0 // main thread only
	var stop atomic.Bool
	own(t, alrm, HandlerFunc(func(unix.Signal) error {
		if stop.Load() {
			return nil
		}
		depth++
		defer func() { depth-- }()
		deepest = max(deepest, depth)
		if depth > 3*MaxHandlerNesting {
			return errUnbounded
		}
		return Sleep(time.Second) // the next SIGALRM interrupts it, and re-enters
	}))
	iv := unix.NsecToTimeval(int64(100 * time.Microsecond))
	err := onMain(func() error {
		// Armed here, inside the Call: armed before it, a SIGALRM could run
		// the handler in Main's idle loop first, which would nest there and
		// end the process with ErrRecursion (seen under qemu-user).
		if _, err := unix.Setitimer(unix.ItimerReal, unix.Itimerval{Interval: iv, Value: iv}); err != nil {
			return err
		}
		defer unix.Setitimer(unix.ItimerReal, unix.Itimerval{})
		defer stop.Store(true) // on the main thread: no handler run writes depth after
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			if err := Sleep(time.Second); err != nil {
				return err
			}
		}
		return errors.New("no handler error within 20 s")
	})
	if !errors.Is(err, ErrRecursion) || deepest != MaxHandlerNesting {
		t.Errorf("the outermost Sleep returned %v at nesting %d; want ErrRecursion at %d", err, deepest, MaxHandlerNesting)
	}
}

// A nil fn is a programming error, reported as such before anything starts.
func TestMainNilPanicsClearly(t *testing.T) {
	for name, start := range map[string]func(){
		"Main":        func() { Main(nil) },
		"MainContext": func() { MainContext(nil) },
	} {
		var got any
		func() {
			defer func() { got = recover() }()
			start()
		}()
		if want := "pysignal." + name + "(nil)"; got != want {
			t.Errorf("%s(nil) panicked with %v, want %q", name, got, want)
		}
	}
}

// MainContext while Main runs (here: this test binary's) is refused before
// it changes anything: SIGINT and SIGRTMAX stay as they were.
func TestMainContextInsideMainChangesNothing(t *testing.T) {
	var got any
	func() {
		defer func() { got = recover() }()
		Call(func() { MainContext(func(context.Context) error { return nil }) })
	}()
	if got != "pysignal.MainContext: pysignal.Main is already running" {
		t.Errorf("MainContext inside Main panicked with %v", got)
	}
	if h, err := GetSignal(unix.SIGINT); h != nil || err != nil || intr.owned.Load() {
		t.Errorf("after the refused MainContext: GetSignal(SIGINT) = %v, %v; SIGRTMAX owned: %v", h, err, intr.owned.Load())
	}
}
