//go:build linux && cgo

package pysignal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The programs a user writes first under MainContext, each beside its
// Python twin: a handler's error is an exception raised once in fn's
// goroutine, caught and gone on from, with cleanup that still does I/O.

// errTimeout is the alarm handler's error in the timeout programs.
var errTimeout = errors.New("Timeout")

// say writes a line to stdout straight away (print(..., flush=True)).
func say(format string, a ...any) { writeFD(1, fmt.Sprintf(format+"\n", a...)) }

func writeFD(fd int, s string) { Write(fd, []byte(s)) }

// readLine reads one line (or what one read gives) from fd 0 with the
// wrapped Read: the input comes a line per write.
func readLine() (string, error) {
	buf := make([]byte, 256)
	n, err := Read(0, buf)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(buf[:n]), "\n"), nil
}

// ctxAlive fails the program if a caught error cancelled ctx.
func ctxAlive(ctx context.Context) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ctx cancelled after a caught error: %v", context.Cause(ctx))
	}
	return nil
}

func init() {
	mc := func(fn func(ctx context.Context) error) func() {
		return func() { MainContext(fn) }
	}
	// An alarm times out a read; the program catches it and reads again.
	mainThreadChildren["raise-timeout"] = mc(func(ctx context.Context) error {
		var err error
		Call(func() {
			_, err = Signal(unix.SIGALRM, HandlerFunc(func(unix.Signal) error { return errTimeout }))
		})
		if err != nil {
			return err
		}
		for timer := 100 * time.Millisecond; ; timer = 5 * time.Second {
			Setitimer(ItimerReal, timer, 0)
			line, err := readLine()
			Setitimer(ItimerReal, 0, 0)
			switch {
			case errors.Is(err, errTimeout):
				say("timeout")
				if err := ctxAlive(ctx); err != nil {
					return err
				}
			case err != nil:
				return err
			case line == "":
				say("eof")
				return nil
			default:
				say("got %s", line)
			}
		}
	})
	// A REPL: Ctrl-C during a command prints ^C and prompts again; Ctrl-C
	// or the end of input at the prompt ends the program.
	mainThreadChildren["raise-repl"] = mc(func(ctx context.Context) error {
		for {
			say("prompt")
			line, err := readLine()
			if err != nil || line == "" {
				return err
			}
			say("sleeping")
			if err := Sleep(time.Minute); errors.Is(err, ErrKeyboardInterrupt) {
				say("^C")
				if err := ctxAlive(ctx); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
		}
	})
	// Output buffered when Ctrl-C comes is flushed by the deferred Flush.
	mainThreadChildren["raise-flush"] = mc(func(ctx context.Context) error {
		w := bufio.NewWriter(fdWriter(1))
		defer w.Flush()
		fmt.Fprintln(w, "match")
		say("ready")
		_, err := readLine()
		return err
	})
	// A loop that calls CheckSignals is interruptible, and the error can be
	// caught.
	mainThreadChildren["raise-check-loop"] = mc(func(ctx context.Context) error {
		say("ready")
		for {
			if err := CheckSignals(); errors.Is(err, ErrKeyboardInterrupt) {
				say("caught")
				return ctxAlive(ctx)
			} else if err != nil {
				return err
			}
		}
	})
	// A second Ctrl-C interrupts the cleanup.
	mainThreadChildren["raise-cleanup-interrupted"] = mc(func(ctx context.Context) error {
		say("ready")
		_, err := readLine()
		if !errors.Is(err, ErrKeyboardInterrupt) {
			return fmt.Errorf("read: %v, want KeyboardInterrupt", err)
		}
		say("cleanup")
		return Sleep(time.Minute)
	})
	// Blocked where nothing can interrupt it, nothing watching ctx: the
	// process ends after the untaken limit, by SIGINT.
	mainThreadChildren["raise-untaken"] = mc(func(ctx context.Context) error {
		say("ready")
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
		}
		return sc.Err()
	})
	// A server blocked in Accept takes SIGTERM's SystemExit(143), then
	// still writes (drains) before it exits.
	mainThreadChildren["raise-sigterm-drain"] = mc(func(ctx context.Context) error {
		var err error
		Call(func() {
			_, err = Signal(unix.SIGTERM, HandlerFunc(func(unix.Signal) error { return ExitCode(143) }))
		})
		if err != nil {
			return err
		}
		ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			return err
		}
		if err := unix.Listen(ln, 1); err != nil {
			return err
		}
		say("ready")
		_, _, err = Accept(ln)
		say("drained")
		return err
	})
}

// fdWriter is an io.Writer over the wrapped Write.
type fdWriter int

func (fd fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := Write(int(fd), p[n:])
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// driver answers the program's lines: SIGINT, SIGTERM, a line of input, or
// the end of input. Each line is answered once, at its first appearance
// (by count: "prompt#2" is the second prompt).
type driver map[string]string

func (d driver) onLine() func(string, *os.Process, *os.File) error {
	seen := map[string]int{}
	return func(line string, p *os.Process, stdin *os.File) error {
		seen[line]++
		act, ok := d[fmt.Sprintf("%s#%d", line, seen[line])]
		if !ok && seen[line] == 1 {
			act, ok = d[line]
		}
		if !ok {
			return nil
		}
		switch {
		case act == "INT":
			return p.Signal(syscall.SIGINT)
		case act == "TERM":
			return p.Signal(syscall.SIGTERM)
		case act == "EOF":
			return stdin.Close()
		default:
			_, err := stdin.WriteString(act + "\n")
			return err
		}
	}
}

// realPython is python3's own executable, not a launcher in front of it
// (pyenv's shim is a shell script, slow to start on a loaded machine), or
// "" if there is none.
var realPython = sync.OnceValue(func() string {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// transcript runs a program under the driver and returns its stdout lines
// and how it ended.
func transcript(t *testing.T, run func(onLine func(string, *os.Process, *os.File) error) ending, d driver) ([]string, ending) {
	var lines []string
	on := d.onLine()
	end := run(func(line string, p *os.Process, stdin *os.File) error {
		lines = append(lines, line)
		return on(line, p, stdin)
	})
	return lines, end
}

// replPython is the REPL program's Python twin.
const replPython = `
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

// TestMainContextRaisesOnceInFn runs each program and its Python twin
// under the same driver and compares what they printed, how they ended
// and the last line of standard error.
func TestMainContextRaisesOnceInFn(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	cases := []struct {
		child  string
		python string
		drive  driver
		want   string // stdout lines, joined with "|", then the ending
	}{
		{"raise-timeout", `
import os, signal
class Timeout(Exception): pass
def alarm(*a): raise Timeout()
signal.signal(signal.SIGALRM, alarm)
timer = 0.1
while True:
    try:
        signal.setitimer(signal.ITIMER_REAL, timer)
        data = os.read(0, 256)
    except Timeout:
        print("timeout", flush=True)
        continue
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        timer = 5
    if not data:
        print("eof", flush=True)
        break
    print("got " + data.decode().rstrip("\n"), flush=True)
`, driver{"timeout": "hello", "got hello": "EOF"}, "timeout|got hello|eof; exit status 0"},
		{"raise-repl", replPython, driver{"prompt#1": "sleep", "sleeping": "INT", "prompt#2": "INT"}, "prompt|sleeping|^C|prompt; killed by signal 2"},
		{"raise-repl", replPython, driver{"prompt#1": "sleep", "sleeping": "INT", "prompt#2": "EOF"}, "prompt|sleeping|^C|prompt; exit status 0"},
		{"raise-flush", `
import os
out = open(1, "w", buffering=8192, closefd=False)
try:
    print("match", file=out)
    os.write(1, b"ready\n")
    os.read(0, 1)
finally:
    out.flush()
`, driver{"ready": "INT"}, "ready|match; killed by signal 2"},
		{"raise-check-loop", `
try:
    print("ready", flush=True)
    while True:
        pass
except KeyboardInterrupt:
    print("caught", flush=True)
`, driver{"ready": "INT"}, "ready|caught; exit status 0"},
		{"raise-cleanup-interrupted", `
import os, time
try:
    print("ready", flush=True)
    os.read(0, 1)
except KeyboardInterrupt:
    print("cleanup", flush=True)
    time.sleep(60)
`, driver{"ready": "INT", "cleanup": "INT"}, "ready|cleanup; killed by signal 2"},
		{"raise-untaken", `
import sys
print("ready", flush=True)
for line in sys.stdin:
    pass
`, driver{"ready": "INT"}, "ready; killed by signal 2"},
		{"raise-sigterm-drain", `
import signal, socket, sys
signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
try:
    print("ready", flush=True)
    s.accept()
finally:
    print("drained", flush=True)
`, driver{"ready": "TERM"}, "ready|drained; exit status 143"},
	}
	for _, c := range cases {
		t.Run(c.child, func(t *testing.T) {
			lines, end := transcript(t, func(on func(string, *os.Process, *os.File) error) ending {
				return finish(t, childCommand("PYSIGNAL_TEST_CHILD="+c.child), on)
			}, c.drive)
			got := strings.Join(lines, "|") + "; " + end.String()
			if got != c.want {
				t.Errorf("Go: %s, stderr %q; want %s", got, end.stderr, c.want)
			}
			if untaken := strings.Contains(end.stderr, "nothing took"); untaken != (c.child == "raise-untaken") {
				t.Errorf("Go: stderr %q: the untaken limit's report only where nothing can take the error", end.stderr)
			}
			wantLast := map[string]string{"killed by signal 2": "KeyboardInterrupt"}[end.String()]
			if end.lastLine() != wantLast {
				t.Errorf("Go: last line of stderr %q, want %q (stderr %q)", end.lastLine(), wantLast, end.stderr)
			}
			py := realPython()
			if py == "" {
				t.Skip("no python3")
			}
			pyLines, pyEnd := transcript(t, func(on func(string, *os.Process, *os.File) error) ending {
				return finish(t, exec.Command(py, "-c", c.python), on)
			}, c.drive)
			if pyGot := strings.Join(pyLines, "|") + "; " + pyEnd.String(); pyGot != got || pyEnd.lastLine() != end.lastLine() {
				t.Errorf("CPython: %s, last line %q; Go: %s, %q", pyGot, pyEnd.lastLine(), got, end.lastLine())
			}
		})
	}
}
