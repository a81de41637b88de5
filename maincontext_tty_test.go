//go:build linux && cgo

package pysignal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Issue 20's terminal and pipeline cases: MainContext programs and their
// Python twins run on a real pseudo-terminal, Ctrl-C and ^D typed on it,
// and in real pipelines.
//
// Each program is the session leader of a fresh terminal, which is its
// controlling terminal and standard input: the program's process group is
// the terminal's foreground group, so ^C typed on the master is SIGINT from
// the line discipline, as at a shell prompt. The terminal's echo is off on
// both sides, so what the master reads is exactly what the program wrote
// (with the terminal's \n -> \r\n, the same on both sides); standard error
// is a pipe of its own, so tracebacks are kept out of the comparison.
//
// PYSIGNAL_TTY_RUNS=10 runs every case ten times (docs/test-port.md has
// the counts); make test runs each once.

// ttyRuns is how many times each case runs.
func ttyRuns(t *testing.T) int {
	n := 1
	if s := os.Getenv("PYSIGNAL_TTY_RUNS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("PYSIGNAL_TTY_RUNS=%q: want a count >= 1", s)
		}
	}
	return n
}

// openPTY opens a new pseudo-terminal and returns its master and slave, the
// slave's echo off. Both are closed when the test ends.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(m), "/dev/ptmx") // blocking: reads sit in a thread
	t.Cleanup(func() { master.Close() })
	must(t, unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0)) // unlockpt
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)            // ptsname
	must(t, err)
	s, err := unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	must(t, err)
	slave = os.NewFile(uintptr(s), "/dev/pts/"+strconv.Itoa(n))
	t.Cleanup(func() { slave.Close() })
	tio, err := unix.IoctlGetTermios(s, unix.TCGETS)
	must(t, err)
	tio.Lflag &^= unix.ECHO | unix.ECHONL
	must(t, unix.IoctlSetTermios(s, unix.TCSETS, tio))
	return master, slave
}

// A ttyDriver types on the terminal in answer to the program's output
// lines: each line is answered once, at its first appearance, or at its
// n-th when the key says so ("prompt#2"); "(start)" is answered before any
// output. "^C" and "^D" are the control characters; anything else is typed
// with a newline after it.
type ttyDriver map[string]string

func (d ttyDriver) answer(seen map[string]int, line string) []byte {
	seen[line]++
	act, ok := d[fmt.Sprintf("%s#%d", line, seen[line])]
	if !ok && seen[line] == 1 {
		act, ok = d[line]
	}
	switch {
	case !ok:
		return nil
	case act == "^C":
		return []byte{0x03}
	case act == "^D":
		return []byte{0x04}
	}
	return []byte(act + "\n")
}

// A ttyOutcome is what one run of a program on a terminal did.
type ttyOutcome struct {
	out string // the bytes it wrote to its standard output
	end ending // wait status and standard error
}

// lines is the output split into lines, the terminal's \r taken off.
func (o ttyOutcome) lines() string {
	return strings.Join(strings.Split(strings.TrimSuffix(strings.ReplaceAll(o.out, "\r\n", "\n"), "\n"), "\n"), "|")
}

// String is the outcome in the form the cases state what they want.
func (o ttyOutcome) String() string { return o.lines() + "; " + o.end.String() }

// runOnTTY runs cmd on a fresh terminal under d, bounded by 10 s. Its
// standard output is the terminal, or, with stdoutPipe, a pipe whose reader
// is the harness (prog | cat, with a cat that Ctrl-C does not kill).
func runOnTTY(t *testing.T, cmd *exec.Cmd, stdoutPipe bool, d ttyDriver) ttyOutcome {
	t.Helper()
	master, slave := openPTY(t)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	var out io.Reader = master
	var pipeW *os.File
	if stdoutPipe {
		r, w, err := os.Pipe()
		must(t, err)
		t.Cleanup(func() { r.Close() })
		cmd.Stdout, out, pipeW = w, r, w
	}
	err := cmd.Start()
	slave.Close() // the child's are the only ones left: its end is the master's EIO
	if pipeW != nil {
		pipeW.Close()
	}
	must(t, err)
	killed := time.AfterFunc(10*time.Second, func() { unix.Kill(-cmd.Process.Pid, unix.SIGKILL) })
	var got bytes.Buffer
	seen := map[string]int{}
	if keys := d.answer(seen, "(start)"); keys != nil { // typed ahead: the terminal keeps it
		if _, err := master.Write(keys); err != nil {
			t.Errorf("typing %q: %v", keys, err)
		}
	}
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadString('\n')
		got.WriteString(line)
		if err != nil { // EOF from the pipe, EIO from the master
			break
		}
		if keys := d.answer(seen, strings.TrimRight(line, "\r\n")); keys != nil {
			if _, err := master.Write(keys); err != nil {
				t.Errorf("typing %q: %v", keys, err)
			}
		}
	}
	cmd.Wait()
	if !killed.Stop() {
		t.Fatalf("%v did not end within 10s; output %q, stderr %q", cmd.Args, got.String(), stderr.String())
	}
	return ttyOutcome{got.String(), ending{cmd.ProcessState.Sys().(syscall.WaitStatus), stderr.String()}}
}

// ttyPython is the python3 the twins run with, or "" (the test skips).
func ttyPython(t *testing.T) string {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH: nothing to compare with")
	}
	return py
}

// pythonTwin runs a twin with -E: PYTHONUNBUFFERED and the like in the
// environment are ignored, so that sys.stdout buffers as it does by default
// (a line at a time on a terminal, by blocks into a pipe).
func pythonTwin(py, script string) *exec.Cmd { return exec.Command(py, "-E", "-c", script) }

func init() {
	// The grep-like filter: prints the lines of standard input that
	// contain "apple", each at once on a terminal (as Python's stdout is
	// line-buffered there), block-buffered into a pipe; what is buffered
	// when it ends is flushed, as Python flushes sys.stdout at exit, and a
	// failed flush is an error.
	mainThreadChildren["tty-grep"] = func() {
		MainContext(func(ctx context.Context) (err error) {
			w := bufio.NewWriter(fdWriter(1))
			defer func() { // the flush's error is fn's if fn has none
				if ferr := w.Flush(); err == nil {
					err = ferr
				}
			}()
			_, err = unix.IoctlGetTermios(1, unix.TCGETS)
			interactive := err == nil
			sc := bufio.NewScanner(fdReader(0))
			for sc.Scan() {
				if !strings.Contains(sc.Text(), "apple") {
					continue
				}
				if _, err := fmt.Fprintln(w, sc.Text()); err != nil {
					return err
				}
				if interactive {
					if err := w.Flush(); err != nil {
						return err
					}
				}
			}
			return sc.Err()
		})
	}
	// Go-shaped: fn waits on ctx, and learns of Ctrl-C there.
	mainThreadChildren["tty-ctx-wait"] = func() {
		MainContext(func(ctx context.Context) error {
			say("ready")
			<-ctx.Done()
			say("stopping")
			return ctx.Err() // MainContext ends with the cause: KeyboardInterrupt
		})
	}
}

// fdReader is an io.Reader over the wrapped Read.
type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	n, err := Read(int(fd), p)
	if err != nil {
		return 0, err
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// The Python twins. Where the driver answers a print with ^C and the
// program is meant to catch it, the print is inside the try.
const (
	// ttyGrep is the grep-like filter's.
	ttyGrep = `
import sys
for line in sys.stdin:
    if "apple" in line:
        print(line, end="")
`
	// ttyREPL is the REPL's (the Go side is raise-repl): ^C during a
	// command prints ^C and prompts again; at the prompt it ends the
	// program, as does ^D.
	ttyREPL = `
import os, time
while True:
    print("prompt", flush=True)
    line = os.read(0, 256).decode().rstrip("\n")
    if not line:
        break
    try:
        print("sleeping", flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        print("^C", flush=True)
`
	// ttyFlush is raise-flush's with stdout a pipe: "match" waits in
	// sys.stdout's buffer until the exit flushes it.
	ttyFlush = `
import os, sys
print("match")
os.write(1, b"ready\n")
sys.stdin.readline()
`
	// ttyCtxWait is tty-ctx-wait's: the cleanup runs, then the
	// KeyboardInterrupt goes on.
	ttyCtxWait = `
import time
try:
    print("ready", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    print("stopping", flush=True)
    raise
`
	// ttyUntaken is raise-untaken's: blocked reading sys.stdin.
	ttyUntaken = `
import sys
print("ready", flush=True)
for line in sys.stdin:
    pass
`
)

// TestMainContextOnATerminal runs each program and its Python twin on a
// terminal under the same driver, and compares the bytes each wrote to its
// standard output, how it ended (exit status or killing signal) and the
// last line of its standard error.
func TestMainContextOnATerminal(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	py := ttyPython(t)
	runs := ttyRuns(t)
	const (
		killed = "killed by signal 2"
		exit0  = "exit status 0"
	)
	repl := func(atPrompt string) ttyDriver {
		return ttyDriver{"prompt#1": "sleep", "sleeping": "^C", "prompt#2": atPrompt}
	}
	cases := []struct {
		name, child, python string
		stdoutPipe          bool
		drive               ttyDriver
		want                string // stdout lines joined with "|", then the ending
		stderrHas           string // Go's standard error must contain it
	}{
		{"grep ^C while it waits", "tty-grep", ttyGrep, false,
			ttyDriver{"(start)": "apple pie", "apple pie": "banana\npineapple", "pineapple": "^C"},
			"apple pie|pineapple; " + killed, ""},
		{"grep ^D", "tty-grep", ttyGrep, false,
			ttyDriver{"(start)": "apple pie", "apple pie": "banana\npineapple", "pineapple": "^D"},
			"apple pie|pineapple; " + exit0, ""},
		{"REPL ^C in a command, ^C at the prompt", "raise-repl", ttyREPL, false,
			repl("^C"), "prompt|sleeping|^C|prompt; " + killed, ""},
		{"REPL ^C in a command, ^D at the prompt", "raise-repl", ttyREPL, false,
			repl("^D"), "prompt|sleeping|^C|prompt; " + exit0, ""},
		{"buffered output, stdout a pipe, ^C", "raise-flush", ttyFlush, true,
			ttyDriver{"ready": "^C"}, "ready|match; " + killed, ""},
		{"buffered output, stdout a pipe, ^D", "raise-flush", ttyFlush, true,
			ttyDriver{"ready": "^D"}, "ready|match; " + exit0, ""},
		{"ctx.Done() ^C", "tty-ctx-wait", ttyCtxWait, false,
			ttyDriver{"ready": "^C"}, "ready|stopping; " + killed, ""},
		{"os.Stdin read ^C (untaken)", "raise-untaken", ttyUntaken, false,
			ttyDriver{"ready": "^C"}, "ready; " + killed, "pysignal.MainContext: nothing took KeyboardInterrupt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			matched := 0
			for i := 0; i < runs; i++ {
				goSide := runOnTTY(t, childCommand("PYSIGNAL_TEST_CHILD="+c.child), c.stdoutPipe, c.drive)
				pySide := runOnTTY(t, pythonTwin(py, c.python), c.stdoutPipe, c.drive)
				ok := true
				if got := goSide.String(); got != c.want {
					t.Errorf("run %d: Go: %s, stderr %q; want %s", i+1, got, goSide.end.stderr, c.want)
					ok = false
				}
				if goSide.out != pySide.out || goSide.end.String() != pySide.end.String() {
					t.Errorf("run %d: Go wrote %q and ended %s; CPython wrote %q and ended %s (stderr %q)",
						i+1, goSide.out, goSide.end, pySide.out, pySide.end, pySide.end.stderr)
					ok = false
				}
				if g, p := goSide.end.lastLine(), pySide.end.lastLine(); g != p {
					t.Errorf("run %d: last line of standard error: Go %q, CPython %q", i+1, g, p)
					ok = false
				}
				if !strings.Contains(goSide.end.stderr, c.stderrHas) {
					t.Errorf("run %d: Go's standard error %q lacks %q", i+1, goSide.end.stderr, c.stderrHas)
					ok = false
				}
				if ok {
					matched++
				}
			}
			t.Logf("%s: Go matched CPython on %d of %d runs", c.name, matched, runs)
		})
	}
}
