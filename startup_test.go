//go:build linux && cgo

package pysignal

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func init() {
	// What the child sees of SIGTERM, then whether it survives its own.
	term := func() error {
		h, _ := GetSignal(unix.SIGTERM)
		i, err := InheritedSignal(unix.SIGTERM)
		fmt.Printf("GetSignal(SIGTERM) %v\nInheritedSignal(SIGTERM) %v %v\n", h, i, err)
		if err := RaiseSignal(unix.SIGTERM); err != nil {
			return err
		}
		fmt.Println("survived")
		return nil
	}
	mainThreadChildren["startup-term"] = func() {
		MainContext(func(context.Context) error {
			for _, s := range []unix.Signal{unix.SIGPIPE, unix.SIGXFSZ, unix.SIGCHLD} {
				h, err := GetSignal(s)
				fmt.Printf("GetSignal(%d) %v %v\n", s, h, err)
			}
			return term()
		})
	}
	mainThreadChildren["startup-term-no-maincontext"] = func() {
		if err := term(); err != nil {
			Exit(err)
		}
	}
	// Many lines to standard output, each checked, as a filter would.
	mainThreadChildren["startup-pipe"] = func() {
		MainContext(func(context.Context) error {
			for i := range 100000 {
				if _, err := fmt.Println("line", i); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// termChild runs the child with SIGTERM ignored from the start, or not,
// and returns what it said and how it ended.
func termChild(t *testing.T, child string, ignored bool) (string, ending) {
	t.Helper()
	trap := ""
	if ignored {
		trap = "trap '' TERM; "
	}
	cmd := exec.Command("sh", "-c", trap+`exec "$0" -test.run='^$'`, os.Args[0])
	cmd.Env = childEnv("PYSIGNAL_TEST_CHILD=" + child)
	var said []string
	got := finish(t, cmd, func(line string, _ *os.Process, _ *os.File) error {
		said = append(said, line)
		return nil
	})
	return strings.Join(said, "\n"), got
}

// Issue 19.4: CPython keeps every inherited SIG_IGN (getsignal reports
// SIG_IGN, and the signal does nothing); the Go runtime keeps only SIGHUP's
// and SIGINT's. MainContext's start-up keeps the rest, from what the C
// constructor recorded before the runtime ran. A program that does not
// call MainContext is any Go program: its SIGTERM kills it, and
// InheritedSignal tells it what it started with. SIGCHLD is never kept
// ignored (os/exec's Wait would fail); SIGPIPE and SIGXFSZ are ignored as
// CPython's start-up does.
func TestMainContextKeepsInheritedIgnores(t *testing.T) {
	cases := []struct {
		child   string
		ignored bool
		said    string
		ending  string
	}{
		{"startup-term", true, "GetSignal(13) SIG_IGN <nil>\nGetSignal(25) SIG_IGN <nil>\nGetSignal(17) <nil> <nil>\n" +
			"GetSignal(SIGTERM) SIG_IGN\nInheritedSignal(SIGTERM) SIG_IGN <nil>\nsurvived", "exit status 0"},
		{"startup-term", false, "GetSignal(13) SIG_IGN <nil>\nGetSignal(25) SIG_IGN <nil>\nGetSignal(17) <nil> <nil>\n" +
			"GetSignal(SIGTERM) <nil>\nInheritedSignal(SIGTERM) SIG_DFL <nil>", "killed by signal 15"},
		{"startup-term-no-maincontext", true, "GetSignal(SIGTERM) <nil>\nInheritedSignal(SIGTERM) SIG_IGN <nil>", "killed by signal 15"},
	}
	for _, c := range cases {
		said, got := termChild(t, c.child, c.ignored)
		if said != c.said || got.String() != c.ending {
			t.Errorf("%s, SIGTERM ignored at start %v: said\n%s\nended %v (stderr %q); want\n%s\nand %s",
				c.child, c.ignored, said, got, got.stderr, c.said, c.ending)
		}
	}
}

// pipeToHead runs cmd | head -1 and returns how cmd ended and what head
// printed (bounded: 10 s).
func pipeToHead(t *testing.T, cmd *exec.Cmd) (ending, string) {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	var stderr, headOut strings.Builder
	cmd.Stdout, cmd.Stderr = w, &stderr
	head := exec.Command("head", "-1")
	head.Stdin, head.Stdout = r, &headOut
	must(t, head.Start())
	err = cmd.Start()
	r.Close()
	w.Close()
	must(t, err)
	done := make(chan struct{})
	go func() { head.Wait(); cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		head.Process.Kill()
		<-done
		t.Fatalf("%v | head -1 did not end within 10s", cmd.Args)
	}
	return ending{cmd.ProcessState.Sys().(syscall.WaitStatus), stderr.String()}, headOut.String()
}

// Issue 20.4: CPython's start-up ignores SIGPIPE, so `prog | head -1` ends
// with BrokenPipeError, exit status 1; MainContext's start-up does the
// same, so the write reports EPIPE, fn returns it and Exit prints it and
// exits 1 (before, the Go runtime killed the child by SIGPIPE).
func TestMainContextPipeToHead(t *testing.T) {
	got, out := pipeToHead(t, childCommand("PYSIGNAL_TEST_CHILD=startup-pipe"))
	if got.String() != "exit status 1" || !strings.Contains(got.lastLine(), "broken pipe") || out != "line 0\n" {
		t.Errorf("prog | head -1: %v, stderr %q, head printed %q; want exit status 1 reporting the broken pipe, and line 0",
			got, got.stderr, out)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: no comparison with CPython")
		return
	}
	pyGot, pyOut := pipeToHead(t, exec.Command(py, "-E", "-c", "for i in range(100000): print('line', i)"))
	if pyGot.String() != got.String() || !strings.Contains(pyGot.lastLine(), "Broken pipe") || pyOut != out {
		t.Errorf("CPython: %v, stderr %q, head printed %q; pysignal: %v, %q", pyGot, pyGot.stderr, pyOut, got, out)
	}
}
