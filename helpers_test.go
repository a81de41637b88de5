//go:build linux && cgo

package pysignal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain runs the tests on a goroutine while the main thread serves Call,
// as every program using pysignal's main-thread rules should. A child
// process started by a test re-enters here with PYSIGNAL_TEST_CHILD set.
func TestMain(m *testing.M) {
	if name := os.Getenv("PYSIGNAL_TEST_CHILD"); name != "" {
		if f, ok := mainThreadChildren[name]; ok {
			f() // calls Main, MainContext or Exit itself
			os.Exit(0)
		}
		os.Exit(Main(func() int { return runChild(name) }))
	}
	os.Exit(Main(m.Run))
}

// onMain runs f on the main thread and returns its error. f must not call
// t.Fatal (see Call); the caller fails the test instead.
func onMain(f func() error) error {
	var err error
	Call(func() { err = f() })
	return err
}

// must fails the test if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// own installs h for sig on the main thread and, when the test ends, puts
// back the disposition the package found and forgets any tripped flag.
func own(t *testing.T, sig unix.Signal, h Handler) {
	t.Helper()
	must(t, onMain(func() error { _, err := Signal(sig, h); return err }))
	t.Cleanup(func() { release(t, sig) })
}

// release forgets any tripped flag (a test may leave one on purpose) and
// hands sig back with Release.
func release(t *testing.T, sig unix.Signal) {
	t.Helper()
	must(t, onMain(func() error {
		untrip(sig)
		return Release(sig)
	}))
}

// recorder is a Handler that records what ran, and on which thread.
type recorder struct {
	mu   sync.Mutex
	sigs []unix.Signal
	tids []int
	err  error         // returned by Handle
	ran  chan struct{} // if not nil, receives a value per run (never blocks)
}

func newRecorder() *recorder { return &recorder{ran: make(chan struct{}, 1024)} }

func (r *recorder) Handle(sig unix.Signal) error {
	r.mu.Lock()
	r.sigs = append(r.sigs, sig)
	r.tids = append(r.tids, unix.Gettid())
	err := r.err
	r.mu.Unlock()
	if r.ran != nil {
		select {
		case r.ran <- struct{}{}:
		default:
		}
	}
	return err
}

// setErr changes what Handle returns, safely while handlers may run.
func (r *recorder) setErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

func (r *recorder) runs() []unix.Signal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]unix.Signal(nil), r.sigs...)
}

func (r *recorder) threads() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.tids...)
}

// waitRun waits for the handler to run once more, or fails after 5 s.
func (r *recorder) waitRun(t *testing.T, what string) {
	t.Helper()
	select {
	case <-r.ran:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: the handler did not run within 5s (runs so far: %v)", what, r.runs())
	}
}

// pipe returns a pipe whose ends are closed when the test ends.
func pipe(t *testing.T, flags int) (r, w int) {
	t.Helper()
	var p [2]int
	must(t, unix.Pipe2(p[:], flags|unix.O_CLOEXEC))
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// wakeupPipe installs a fresh non-blocking pipe as the wakeup fd for the
// test and returns its read end.
func wakeupPipe(t *testing.T, warn bool) (r, w int) {
	t.Helper()
	r, w = pipe(t, unix.O_NONBLOCK)
	setWakeup(t, w, warn)
	return r, w
}

func setWakeup(t *testing.T, fd int, warn bool) {
	t.Helper()
	must(t, onMain(func() error { _, err := SetWakeupFD(fd, warn); return err }))
	t.Cleanup(func() {
		must(t, onMain(func() error { _, err := SetWakeupFD(-1, true); return err }))
	})
}

// drain reads everything a non-blocking fd holds now.
func drain(fd int) []byte {
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// sigset builds a kernel signal set.
func sigset(sigs ...unix.Signal) *unix.Sigset_t {
	var s unix.Sigset_t
	for _, sig := range sigs {
		s.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	}
	return &s
}

// raisePendingThenUnblock, on the main thread, blocks sigs, raises each in
// the order given, and unblocks them together: the kernel then delivers them
// all before PthreadSigmask returns, with no CheckSignals in between.
func raisePendingThenUnblock(sigs ...unix.Signal) error {
	var old unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, sigset(sigs...), &old); err != nil {
		return err
	}
	for _, sig := range sigs {
		if err := raise(sig); err != nil {
			return err
		}
	}
	return unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
}

// captureHook collects unraisable reports for the duration of the test.
type captureHook struct {
	mu   sync.Mutex
	errs []*UnraisableError
	got  chan struct{}
}

func captureUnraisable(t *testing.T) *captureHook {
	c := &captureHook{got: make(chan struct{}, 100)}
	t.Cleanup(SetUnraisableHook(func(e *UnraisableError) {
		c.mu.Lock()
		c.errs = append(c.errs, e)
		c.mu.Unlock()
		select {
		case c.got <- struct{}{}:
		default:
		}
	}))
	return c
}

func (c *captureHook) reports() []*UnraisableError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*UnraisableError(nil), c.errs...)
}

// waitBlockedIn waits until thread tid sleeps in the kernel function whose
// name contains where ("pipe_read", "poll"), as /proc/<tid>/wchan reports it
// (a real event, not a guess), or fails after 5 s.
func waitBlockedIn(tid int, where string) error {
	deadline := time.Now().Add(5 * time.Second)
	task := fmt.Sprintf("/proc/self/task/%d/", tid)
	for time.Now().Before(deadline) {
		wchan, _ := os.ReadFile(task + "wchan")
		if strings.Contains(string(wchan), where) {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	wchan, _ := os.ReadFile(task + "wchan")
	return fmt.Errorf("thread %d never blocked in %s (wchan %q)", tid, where, wchan)
}

// qemu names the user-mode emulator the tests run under, or is "": make
// test-arm64 sets PYSIGNAL_QEMU. The few checks qemu-user cannot emulate
// are skipped under it, each with its reason.
var qemu = os.Getenv("PYSIGNAL_QEMU")

// skipUnderQEMU skips t under qemu-user, saying why.
func skipUnderQEMU(t *testing.T, why string) {
	t.Helper()
	if qemu != "" {
		t.Skipf("skipped under %s: %s", qemu, why)
	}
}

// noSIGRTMAX is why MainContext's interruption of blocked calls cannot be
// tested under qemu-user: it keeps the host's signals 63 and 64 for itself,
// and MainContext interrupts with SIGRTMAX (64).
const noSIGRTMAX = "qemu-user cannot deliver SIGRTMAX, which MainContext interrupts blocked calls with"

// waitFor polls cond every millisecond until it holds or 5 s pass.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

var errTest = errors.New("handler failed on purpose")

var errorf = fmt.Errorf

func itoa(i int) string { return fmt.Sprint(i) }

// cWakeupFDValue is the wakeup fd as the C handler sees it.
func cWakeupFDValue() int32 { return atomic.LoadInt32(cWakeupFD) }

// childCommand re-runs this test binary as a child process with the
// environment variables vars added (PYSIGNAL_TEST_CHILD=name picks the
// child's scenario).
func childCommand(vars ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = childEnv(vars...)
	return cmd
}

// childEnv is this process's environment plus vars, for a child that runs
// this test binary. Under the race detector a child that exits with status
// 0 would first sleep 1 s (GORACE's atexit_sleep_ms); the child skips it.
func childEnv(vars ...string) []string {
	race := "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
	return append(append(os.Environ(), race), vars...)
}
