//go:build linux && cgo

package pysignal

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// An ending is how a child process ended: its wait status and standard
// error.
type ending struct {
	status syscall.WaitStatus
	stderr string
}

// String says it as a shell would see it.
func (e ending) String() string {
	if e.status.Signaled() {
		return fmt.Sprintf("killed by signal %d", int(e.status.Signal()))
	}
	return fmt.Sprintf("exit status %d", e.status.ExitStatus())
}

// lastLine is the last line of the child's standard error.
func (e ending) lastLine() string {
	lines := strings.Split(strings.TrimRight(e.stderr, "\n"), "\n")
	return lines[len(lines)-1]
}

// runChildToEnd runs a child scenario to its end (bounded: 30 s).
func runChildToEnd(t *testing.T, name string) ending {
	t.Helper()
	cmd := childCommand("PYSIGNAL_TEST_CHILD=" + name)
	return finish(t, cmd, nil)
}

// finish runs cmd to its end, bounded by 30 s (Python children start slowly on a loaded machine). The child's stdin is a pipe
// that stays open (empty) until onLine closes it or the child ends. onLine,
// if not nil, sees each line of the child's stdout as it comes.
func finish(t *testing.T, cmd *exec.Cmd, onLine func(line string, p *os.Process, stdin *os.File) error) ending {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	stdinR, stdinW, err := os.Pipe()
	must(t, err)
	defer stdinW.Close()
	cmd.Stdin = stdinR
	err = cmd.Start()
	stdinR.Close()
	must(t, err)
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if onLine != nil {
				if err := onLine(sc.Text(), cmd.Process, stdinW); err != nil {
					t.Error(err)
				}
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end within 30s; stderr: %s", cmd.Args, stderr.String())
	}
	return ending{cmd.ProcessState.Sys().(syscall.WaitStatus), stderr.String()}
}

// pythonEnding runs a Python script the same way, or skips the comparison
// when python3 is missing.
func pythonEnding(t *testing.T, script string, onLine func(string, *os.Process, *os.File) error) (ending, bool) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: no comparison with CPython")
		return ending{}, false
	}
	return finish(t, exec.Command(py, "-c", script), onLine), true
}

// sigintWhenReady sends SIGINT once the child says "ready".
func sigintWhenReady(line string, p *os.Process, _ *os.File) error {
	if line != "ready" {
		return nil
	}
	return p.Signal(syscall.SIGINT)
}

// Exit ends the process as CPython ends it for the same uncaught exception:
// the same wait status, and the same last line on standard error.
func TestExitEndsAsCPython(t *testing.T) {
	cases := []struct {
		child    string
		python   string
		want     string
		lastLine string
	}{
		{"exit-nil", "pass", "exit status 0", ""},
		{"exit-code-3", "import sys; sys.exit(3)", "exit status 3", ""},
		{"exit-wrapped-code-4", "import sys; sys.exit(4)", "exit status 4", ""},
		{"exit-other", "raise ValueError('boom: it broke')", "exit status 1", "boom: it broke"},
		{"exit-keyboard-interrupt", "raise KeyboardInterrupt", "killed by signal 2", "KeyboardInterrupt"},
		{"exit-keyboard-interrupt-notify", "raise KeyboardInterrupt", "killed by signal 2", "KeyboardInterrupt"},
		{"exit-keyboard-interrupt-owned-blocked", "raise KeyboardInterrupt", "killed by signal 2", "reading: KeyboardInterrupt"},
	}
	for _, c := range cases {
		t.Run(c.child, func(t *testing.T) {
			got := runChildToEnd(t, c.child)
			if got.String() != c.want || got.lastLine() != c.lastLine {
				t.Errorf("child ended with %v, stderr %q; want %s, last line %q", got, got.stderr, c.want, c.lastLine)
			}
			py, ok := pythonEnding(t, c.python, nil)
			if ok && py.String() != got.String() {
				t.Errorf("CPython (%s) ended with %v, the child with %v", c.python, py, got)
			}
			if ok && c.lastLine != "" && !strings.HasSuffix(py.lastLine(), strings.TrimPrefix(c.lastLine, "reading: ")) {
				t.Errorf("CPython's last stderr line %q, the child's %q", py.lastLine(), got.lastLine())
			}
		})
	}
}

// Exit's message to a broken standard error (its reader gone) changes
// nothing about the ending while SIGPIPE has the Go runtime's handler, as a
// Go program starts (the runtime kills a program by SIGPIPE for an EPIPE
// only on os.Stdout or os.Stderr, which Exit does not use); CPython, which
// ignores SIGPIPE from the start, ends the same way. With SIGPIPE set to
// SIG_DFL, the message's write kills both by SIGPIPE.
func TestExitWithABrokenStderr(t *testing.T) {
	cases := []struct{ child, python, want string }{
		{"exit-other", "raise ValueError('boom: it broke')", "exit status 1"},
		{"exit-keyboard-interrupt", "raise KeyboardInterrupt", "killed by signal 2"},
		{"exit-keyboard-interrupt-sigpipe-dfl", "import signal; signal.signal(signal.SIGPIPE, signal.SIG_DFL); raise KeyboardInterrupt", "killed by signal 13"},
	}
	run := func(cmd *exec.Cmd) string {
		r, w, err := os.Pipe()
		must(t, err)
		r.Close()
		cmd.Stderr = w
		err = cmd.Start()
		w.Close()
		must(t, err)
		timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		cmd.Wait()
		return ending{status: cmd.ProcessState.Sys().(syscall.WaitStatus)}.String()
	}
	for _, c := range cases {
		if got := run(childCommand("PYSIGNAL_TEST_CHILD=" + c.child)); got != c.want {
			t.Errorf("%s with a broken stderr: %s, want %s", c.child, got, c.want)
		}
		if py, err := exec.LookPath("python3"); err == nil {
			if got := run(exec.Command(py, "-c", c.python)); got != c.want {
				t.Errorf("CPython (%s) with a broken stderr: %s, want %s", c.python, got, c.want)
			}
		}
	}
}

func init() {
	mainThreadChildren["exit-keyboard-interrupt-sigpipe-dfl"] = func() {
		if _, err := Signal(unix.SIGPIPE, Default); err != nil {
			os.Exit(5)
		}
		Exit(ErrKeyboardInterrupt)
	}
}
