//go:build linux && cgo

package pysignal

// Coexistence with the Go runtime and os/signal, and restoring what the
// package found (issue: reliability).

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pysignal/pysignal/internal/clib"
	"golang.org/x/sys/unix"
)

// What wins: while pysignal's handler is installed for a signal, an
// os/signal.Notify channel for it receives nothing (the C handler does not
// chain to the runtime's). Release hands the signal back and the channel
// works again.
func TestReleaseHandsTheSignalBackToOsSignal(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	must(t, unix.Kill(unix.Getpid(), usr1))
	rec.waitRun(t, "owned SIGUSR1")
	select {
	case s := <-ch:
		t.Fatalf("os/signal received %v while pysignal owned it", s)
	default:
	}
	must(t, onMain(func() error { return Release(usr1) }))
	if h, err := GetSignal(usr1); h != nil || err != nil {
		t.Errorf("GetSignal after Release = %v, %v; want nil (the runtime's handler)", h, err)
	}
	must(t, unix.Kill(unix.Getpid(), usr1))
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("os/signal did not receive SIGUSR1 within 5s of Release")
	}
	if n := len(rec.runs()); n != 1 {
		t.Errorf("pysignal's handler ran %d times, want 1 (none after Release)", n)
	}
	if err := Release(usr1); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("Release off the main thread: %v", err)
	}
}

// os/signal.Ignore on an owned signal replaces pysignal's handler behind
// its back; GetSignal reads the kernel and says so instead of reporting
// stale state.
func TestGetSignalSeesOsSignalIgnore(t *testing.T) {
	own(t, unix.SIGWINCH, newRecorder())
	signal.Ignore(syscall.SIGWINCH)
	t.Cleanup(func() { signal.Reset(syscall.SIGWINCH) })
	if h, _ := GetSignal(unix.SIGWINCH); h != Ignore {
		t.Errorf("GetSignal after os/signal.Ignore = %v, want Ignore", h)
	}
}

// Pipe scenarios: the child waits for a line on stdin (so the parent can
// close the stdout pipe first), then writes to its broken stdout.
func init() {
	writeBroken := func() int {
		bufio.NewReader(os.Stdin).ReadString('\n')
		_, err := fmt.Fprintln(os.Stdout, "into a closed pipe")
		if errors.Is(err, syscall.EPIPE) {
			fmt.Fprintln(os.Stderr, "EPIPE reported, still alive")
			if e := onMain(CheckSignals); e != nil {
				fmt.Fprintln(os.Stderr, "handler:", e)
			}
			return 0
		}
		fmt.Fprintln(os.Stderr, "write returned", err)
		return 3
	}
	set := func(h Handler) error { _, err := Signal(unix.SIGPIPE, h); return err }
	childScenarios["pipe-go-default"] = writeBroken
	childScenarios["pipe-ignore"] = func() int {
		if err := onMain(func() error { return set(Ignore) }); err != nil {
			return 4
		}
		return writeBroken()
	}
	childScenarios["pipe-handler"] = func() int {
		h := HandlerFunc(func(unix.Signal) error { return errors.New("SIGPIPE handler ran") })
		// If Main's idle loop runs the handler, its error goes to this
		// hook (without one it would end the process through Exit).
		SetUnraisableHook(func(e *UnraisableError) { fmt.Fprintln(os.Stderr, "handler:", e.Err) })
		if err := onMain(func() error { return set(h) }); err != nil {
			return 4
		}
		return writeBroken()
	}
	// Issue 22, fault 5: os/signal.Reset(SIGPIPE) undoes the package's
	// registration with the others (it undoes every Notify): the kernel
	// still ignores SIGPIPE (GetSignal says so, truthfully), but the
	// runtime kills on EPIPE again. Signal(SIGPIPE, ...) registers again.
	childScenarios["pipe-ignore-reset"] = func() int {
		if err := onMain(func() error { return set(Ignore) }); err != nil {
			return 4
		}
		signal.Reset(syscall.SIGPIPE)
		if h, err := GetSignal(unix.SIGPIPE); h != Ignore || err != nil {
			return 5
		}
		return writeBroken()
	}
	childScenarios["pipe-ignore-reset-resignal"] = func() int {
		if err := onMain(func() error { return set(Ignore) }); err != nil {
			return 4
		}
		signal.Reset()
		if err := onMain(func() error { return set(Ignore) }); err != nil {
			return 4
		}
		return writeBroken()
	}
	childScenarios["pipe-ignore-released"] = func() int {
		if err := onMain(func() error {
			if err := set(Ignore); err != nil {
				return err
			}
			return Release(unix.SIGPIPE)
		}); err != nil {
			return 4
		}
		return writeBroken()
	}
}

// runPipeChild starts a pipe scenario with its stdout pipe already closed
// at the reading end, lets it write, and returns its wait status and stderr.
func runPipeChild(t *testing.T, name string) (syscall.WaitStatus, string) {
	t.Helper()
	cmd := childCommand("PYSIGNAL_TEST_CHILD=" + name)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	stdout.Close() // now the child's stdout is a broken pipe
	fmt.Fprintln(stdin, "go")
	return waitChild(t, cmd), stderr.String()
}

// The Go runtime kills a program whose stdout write fails with EPIPE,
// unless it believes SIGPIPE is ignored: Signal(SIGPIPE, Ignore) and a
// SIGPIPE handler must give CPython's behaviour (the write reports EPIPE),
// and Release must give the runtime's behaviour back.
func TestSIGPIPEKeepsTheRuntimeInStep(t *testing.T) {
	cases := []struct {
		name       string
		wantKilled bool
		wantErr    string
	}{
		{"pipe-go-default", true, ""},
		{"pipe-ignore", false, "EPIPE reported, still alive"},
		{"pipe-handler", false, "SIGPIPE handler ran"}, // run by Main's idle loop or by the check
		{"pipe-ignore-released", true, ""},
		{"pipe-ignore-reset", true, ""},
		{"pipe-ignore-reset-resignal", false, "EPIPE reported, still alive"},
	}
	for _, c := range cases {
		ws, stderr := runPipeChild(t, c.name)
		killed := ws.Signaled() && ws.Signal() == syscall.SIGPIPE
		if killed != c.wantKilled || (!c.wantKilled && ws.ExitStatus() != 0) {
			t.Errorf("%s: wait status %v (killed by SIGPIPE: %v), want killed %v; stderr %q", c.name, ws, killed, c.wantKilled, stderr)
		}
		if !strings.Contains(stderr, c.wantErr) {
			t.Errorf("%s: stderr %q lacks %q", c.name, stderr, c.wantErr)
		}
	}
}

// POSIX: across exec, an ignored signal stays ignored and a caught one
// returns to the default. /proc/self/status of an exec'd program shows it.
// The Go runtime resets, in the forked child, every signal it believes it
// handles: an Ignore set through pysignal reaches the child for the signals
// the runtime leaves alone (SIGTTOU), not for those it handles (SIGUSR1),
// unless the program also tells the runtime with os/signal.Ignore (SIGXCPU).
// pysignal does not do that itself: it would drop os/signal.Notify
// registrations for good (release.go).
func TestExecInheritsDispositions(t *testing.T) {
	own(t, unix.SIGTTOU, Ignore)
	own(t, usr1, Ignore)
	own(t, usr2, newRecorder())
	own(t, unix.SIGXCPU, Ignore)
	signal.Ignore(syscall.SIGXCPU)
	t.Cleanup(func() { // the runtime handles SIGXCPU again
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGXCPU)
		signal.Stop(c)
	})
	out, err := exec.Command("cat", "/proc/self/status").Output()
	must(t, err)
	masks := map[string]uint64{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "SigIgn" || k == "SigCgt") {
			masks[k], _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	bit := func(sig unix.Signal) uint64 { return 1 << (uint(sig) - 1) }
	for _, sig := range []unix.Signal{unix.SIGTTOU, unix.SIGXCPU} {
		if masks["SigIgn"]&bit(sig) == 0 {
			t.Errorf("exec'd child does not ignore %v (SigIgn %#x)", sig, masks["SigIgn"])
		}
	}
	if masks["SigIgn"]&bit(usr1) != 0 {
		t.Errorf("exec'd child ignores SIGUSR1 (SigIgn %#x): the runtime no longer resets it; update release.go's note", masks["SigIgn"])
	}
	if masks["SigIgn"]&bit(usr2) != 0 || masks["SigCgt"]&bit(usr2) != 0 {
		t.Errorf("exec'd child does not have SIGUSR2 at its default (SigIgn %#x, SigCgt %#x)", masks["SigIgn"], masks["SigCgt"])
	}
}

// Installing Default for SIGINT really terminates by SIGINT, as CPython's
// SIG_DFL does (and unlike the Go runtime's handler, which pysignal never
// pretends to be).
func init() {
	childScenarios["sigint-default"] = func() int {
		if err := onMain(func() error { _, err := Signal(unix.SIGINT, Default); return err }); err != nil {
			return 4
		}
		fmt.Println("ready")
		time.Sleep(20 * time.Second)
		return 5
	}
}

func TestDefaultSIGINTTerminatesBySIGINT(t *testing.T) {
	cmd, _ := startChild(t, "sigint-default")
	must(t, cmd.Process.Signal(syscall.SIGINT))
	if ws := waitChild(t, cmd); !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("child status %v, want killed by SIGINT", ws)
	}
}

// Issue 22, fault 6: the default unraisable hook must never kill the
// process, even with standard error a pipe nobody reads (CPython 3.10-3.13
// survive the same report): neither the runtime's EPIPE check nor a
// SIGPIPE under SIG_DFL may end it, and no SIGPIPE may be left pending.
func init() {
	report := func() int {
		reportUnraisable(&UnraisableError{Msg: "Exception ignored on purpose", Err: errTest})
		reportUnraisable(&UnraisableError{Msg: "Exception ignored twice", Err: errTest})
		fmt.Println("alive")
		return 0
	}
	childScenarios["report-broken-stderr"] = report
	childScenarios["report-broken-stderr-sigdfl"] = func() int {
		if err := onMain(func() error { _, err := Signal(unix.SIGPIPE, Default); return err }); err != nil {
			return 4
		}
		return report()
	}
}

func TestDefaultHookSurvivesBrokenStderr(t *testing.T) {
	for _, name := range []string{"report-broken-stderr", "report-broken-stderr-sigdfl"} {
		r, w, err := os.Pipe()
		must(t, err)
		r.Close()
		cmd := childCommand("PYSIGNAL_TEST_CHILD=" + name)
		cmd.Stderr = w
		out, _ := cmd.Output()
		w.Close()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Exited() || ws.ExitStatus() != 0 || string(out) != "alive\n" {
			t.Errorf("%s: a report to a broken stderr ended the child with %v (stdout %q); want exit 0 and \"alive\"", name, ws, out)
		}
	}
}

// Issue 22, C libraries (Go issues 19465, 32659, 13028): a C library that
// calls sigaction behind the package's back takes the signal; the package
// must say so (GetSignal's ErrHandlerReplaced, one report to the unraisable
// hook at the next Signal, GetSignal or Release on the main thread) instead
// of silently never running the Go handler; Signal takes it back.
func TestForeignHandlerReplacementIsReported(t *testing.T) {
	var orig kernelSigaction
	must(t, rtSigaction(usr2, nil, &orig))
	t.Cleanup(func() { rtSigaction(usr2, &orig, nil) })
	hook := captureUnraisable(t)
	rec := newRecorder()
	own(t, usr2, rec)
	must(t, clib.Install(usr2))

	h, err := GetSignal(usr2)
	var e *Error
	if h != nil || !errors.Is(err, ErrHandlerReplaced) || !errors.As(err, &e) || e.Sig != usr2 || e.Op != "getsignal" {
		t.Fatalf("GetSignal after a C library's sigaction = %v, %v; want nil and an *Error (getsignal, SIGUSR2) wrapping ErrHandlerReplaced", h, err)
	}
	if n := len(hook.reports()); n != 0 {
		t.Errorf("GetSignal off the main thread reported %d times to the hook, want 0", n)
	}
	must(t, unix.Kill(unix.Getpid(), usr2))
	if !waitFor(func() bool { return clib.Runs(usr2) == 1 }) {
		t.Fatalf("the C library's handler ran %d times, want 1", clib.Runs(usr2))
	}

	// The next Signal (of any signal) on the main thread reports it, once.
	for i := 0; i < 2; i++ {
		must(t, onMain(func() error {
			if _, err := Signal(usr1, Ignore); err != nil {
				return err
			}
			_, err := GetSignal(usr2) // on the main thread: no second report
			if !errors.Is(err, ErrHandlerReplaced) {
				return fmt.Errorf("GetSignal on the main thread: %v", err)
			}
			return Release(usr1)
		}))
	}
	reps := hook.reports()
	if len(reps) != 1 || !errors.Is(reps[0], ErrHandlerReplaced) || !errors.As(reps[0].Err, &e) || e.Sig != usr2 {
		t.Fatalf("unraisable reports %v; want one, for SIGUSR2, wrapping ErrHandlerReplaced", reps)
	}
	t.Logf("report: %v", reps[0])

	// Signal takes it back; the Go handler runs again.
	must(t, onMain(func() error { _, err := Signal(usr2, rec); return err }))
	if h, err := GetSignal(usr2); h != rec || err != nil {
		t.Errorf("GetSignal after Signal took the signal back = %v, %v", h, err)
	}
	must(t, unix.Kill(unix.Getpid(), usr2))
	rec.waitRun(t, "SIGUSR2 taken back")
	if len(rec.runs()) != 1 || clib.Runs(usr2) != 1 {
		t.Errorf("Go handler runs %d, C library's %d; want 1 and 1", len(rec.runs()), clib.Runs(usr2))
	}
	// Release gives it back to the C library, which had it when Signal
	// took it back.
	must(t, onMain(func() error { return Release(usr2) }))
	must(t, unix.Kill(unix.Getpid(), usr2))
	if !waitFor(func() bool { return clib.Runs(usr2) == 2 }) {
		t.Errorf("after Release the C library's handler ran %d times, want 2", clib.Runs(usr2))
	}
}
