//go:build linux && cgo

package pysignal

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runPiped runs cmd with stdin from the file named in and stdout into a
// pipe read by reader (nil: a pipe whose read end is closed before cmd
// starts), bounded by 10 s. It returns what reader wrote and how cmd ended.
func runPiped(t *testing.T, cmd *exec.Cmd, in string, reader *exec.Cmd) (string, ending) {
	t.Helper()
	f, err := os.Open(in)
	must(t, err)
	defer f.Close()
	r, w, err := os.Pipe()
	must(t, err)
	defer w.Close()
	var stderr, readerOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, w, &stderr
	if reader != nil {
		reader.Stdin, reader.Stdout = r, &readerOut
		must(t, reader.Start())
	}
	r.Close()
	err = cmd.Start()
	w.Close()
	must(t, err)
	killed := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	cmd.Wait()
	if reader != nil {
		reader.Wait()
	}
	if !killed.Stop() {
		t.Fatalf("%v did not end within 10s; stderr %q", cmd.Args, stderr.String())
	}
	return readerOut.String(), ending{cmd.ProcessState.Sys().(syscall.WaitStatus), stderr.String()}
}

// TestMainContextGrepPipeline runs the grep-like filter and its Python
// twin in "prog <input | head -1" with many matches, and with a reader gone
// before the first write (TestMainContextPipeToHead has a plain print loop).
// MainContext's start-up ignores SIGPIPE, as CPython's does, so the write
// fails with EPIPE instead of killing the
// process: with many matches both exit 1 (CPython's traceback ends with
// BrokenPipeError, Go's message with "broken pipe"). When the failing
// write is the flush at the end, CPython exits 120 after "Exception ignored
// ... BrokenPipeError"; the Go program returns the error and exits 1 (a
// deliberate difference: docs/design.md, difference 13).
func TestMainContextGrepPipeline(t *testing.T) {
	py := ttyPython(t)
	runs := ttyRuns(t)
	dir := t.TempDir()
	many, one := dir+"/many", dir+"/one"
	var b strings.Builder
	for i := 1; i <= 100000; i++ {
		fmt.Fprintf(&b, "apple %d\n", i)
	}
	must(t, os.WriteFile(many, []byte(b.String()), 0o600))
	must(t, os.WriteFile(one, []byte("apple 1\n"), 0o600))
	cases := []struct {
		name, input string
		head        bool
		goEnd       string // Go's ending
		pyEnd       string // CPython's
		pyLast      string // the last line of CPython's standard error
	}{
		{"many matches | head -1", many, true, "exit status 1", "exit status 1", "BrokenPipeError: [Errno 32] Broken pipe"},
		{"one match, reader gone", one, false, "exit status 1", "exit status 120", "BrokenPipeError: [Errno 32] Broken pipe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			matched := 0
			for i := 0; i < runs; i++ {
				head := func() *exec.Cmd { // one each: an exec.Cmd runs once
					if c.head {
						return exec.Command("head", "-1")
					}
					return nil
				}
				goOut, goEnd := runPiped(t, childCommand("PYSIGNAL_TEST_CHILD=tty-grep"), c.input, head())
				pyOut, pyEnd := runPiped(t, pythonTwin(py, ttyGrep), c.input, head())
				ok := true
				wantOut := map[bool]string{true: "apple 1\n"}[c.head]
				if goOut != wantOut || pyOut != wantOut {
					t.Errorf("run %d: the reader got %q from Go, %q from CPython; want %q", i+1, goOut, pyOut, wantOut)
					ok = false
				}
				if goEnd.String() != c.goEnd || !strings.HasSuffix(strings.ToLower(goEnd.lastLine()), "broken pipe") {
					t.Errorf("run %d: Go ended %s, stderr %q; want %s after a message ending in \"broken pipe\"", i+1, goEnd, goEnd.stderr, c.goEnd)
					ok = false
				}
				if pyEnd.String() != c.pyEnd || pyEnd.lastLine() != c.pyLast {
					t.Errorf("run %d: CPython ended %s, stderr %q; want %s after %q", i+1, pyEnd, pyEnd.stderr, c.pyEnd, c.pyLast)
					ok = false
				}
				if ok {
					matched++
				}
			}
			t.Logf("%s: Go and CPython as expected on %d of %d runs", c.name, matched, runs)
		})
	}
}
