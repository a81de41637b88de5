//go:build linux && cgo

package pysignal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/trace"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

// TestWaitKeepsItsP checks keepp.go's promise with the Go runtime's own
// record of it: a child waits in Wakeup.Wait (or idles in Main's loop) for
// 600 signals sent 200 µs
// apart by the C sender thread of pysig bench, under runtime/trace, and the
// parent counts how the main goroutine's system calls ended: with its P
// (Syscall->Running) or without it (Syscall->Runnable, the slow path that
// wakes sysmon). Without keepP about two thirds of the waits lost the P;
// with it, almost none. A count, not a speed: it depends on the runtime's
// scheduling rules, not on the machine's load.
func TestWaitKeepsItsP(t *testing.T) {
	for _, where := range []string{"Wakeup.Wait", "Main"} {
		t.Run(where, func(t *testing.T) { testKeepsItsP(t, where) })
	}
}

func testKeepsItsP(t *testing.T, where string) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to read the trace with: %v", err)
	}
	file := filepath.Join(t.TempDir(), "trace.out")
	cmd := childCommand("PYSIGNAL_TEST_CHILD=keepp-trace", "PYSIGNAL_TRACE="+file, "PYSIGNAL_KEEPP_IN="+where, "GOMAXPROCS=2")
	if out, err := runBounded(cmd, 60*time.Second); err != nil {
		t.Fatalf("child: %v; output: %s", err, out)
	}
	parsed, err := runBounded(exec.Command(gobin, "tool", "trace", "-d=parsed", file), 60*time.Second)
	if err != nil {
		t.Fatalf("go tool trace: %v; output: %.2000s", err, parsed)
	}
	kept := strings.Count(parsed, "GoID=1 Syscall->Running")
	lost := strings.Count(parsed, "GoID=1 Syscall->Runnable")
	t.Logf("main goroutine's system calls: %d kept the P, %d lost it", kept, lost)
	if kept+lost < waits {
		t.Fatalf("only %d system calls of the main goroutine in the trace, want at least one per wait (%d)", kept+lost, waits)
	}
	if lost*20 > waits {
		t.Errorf("%d of %d waits lost the P (want under 5 %%)", lost, waits)
	}
}

// runBounded runs cmd, killing it after d, and returns its combined output.
func runBounded(cmd *exec.Cmd, d time.Duration) (string, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	return out.String(), err
}

// waits is how many signals the child waits for: about 130 ms of waiting,
// well past the 10 ms after which sysmon judges a goroutine.
const waits = 600

func init() {
	childScenarios["keepp-trace"] = func() int {
		f, err := os.Create(os.Getenv("PYSIGNAL_TRACE"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		defer f.Close()
		if os.Getenv("PYSIGNAL_KEEPP_IN") == "Main" {
			err = traceMainIdle(f)
		} else {
			err = traceWakeupWait(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
}

// traceWakeupWait: the main thread waits in Wakeup.Wait; the handler's
// error ends each wait.
func traceWakeupWait(f *os.File) (err error) {
	errGot := errors.New("got")
	Call(func() {
		var wk *Wakeup
		if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return errGot })); err != nil {
			return
		}
		if wk, err = OpenWakeup(); err != nil {
			return
		}
		defer wk.Close()
		if err = trace.Start(f); err != nil {
			return
		}
		defer trace.Stop()
		if err = benchsender.Start(waits, unix.SIGUSR1, 200*time.Microsecond); err != nil {
			return
		}
		defer benchsender.Stop()
		for i := 0; i < waits; i++ {
			if _, err = wk.Wait(-1, 0, 10*time.Second); err != errGot {
				err = fmt.Errorf("wait %d: %v", i, err)
				return
			}
			wk.Signals()
			benchsender.Ack()
		}
		err = nil
	})
	return err
}

// traceMainIdle: the main thread idles in Main's loop; the handler it runs
// lets the sender go on.
func traceMainIdle(f *os.File) error {
	done := make(chan struct{})
	n := 0
	var err error
	Call(func() {
		_, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error {
			if n++; n == waits {
				close(done)
			}
			benchsender.Ack()
			return nil
		}))
	})
	if err != nil {
		return err
	}
	if err := trace.Start(f); err != nil {
		return err
	}
	defer trace.Stop()
	if err := benchsender.Start(waits, unix.SIGUSR1, 200*time.Microsecond); err != nil {
		return err
	}
	defer benchsender.Stop()
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("the handlers did not all run within 30 s")
	}
}
