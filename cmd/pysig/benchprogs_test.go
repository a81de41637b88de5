//go:build linux && cgo

package main

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal/internal/bench"
)

// TestBenchProgsFromEmbeddedSources: away from the repository (the default
// paths missing), the C floor and CPython's sender library are built with
// $CC from the embedded sources and the script is written out; without a
// compiler they are skipped with a note that says so; a path given
// explicitly must exist.
func TestBenchProgsFromEmbeddedSources(t *testing.T) {
	t.Chdir(t.TempDir()) // no build/, no bench/
	newFlags := func(args ...string) *flag.FlagSet {
		fs := flag.NewFlagSet("bench", flag.ContinueOnError)
		fs.String("floor", "build/latency_floor", "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	defaults := []string{"build/latency_floor", "build/libbenchsender.so", "internal/bench/cpython_latency.py", "build/ossignal_latency"}

	t.Setenv("CC", "cc")
	p, err := prepareBenchProgs(newFlags(), defaults[0], defaults[1], defaults[2], defaults[3])
	if err != nil {
		t.Fatal(err)
	}
	defer p.cleanup()
	for _, path := range []string{p.floor, p.senderLib, p.script} {
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("%q: %v", path, err)
		}
	}
	if b, _ := os.ReadFile(p.script); !bytes.Equal(b, bench.CPythonScript) {
		t.Error("the script written out is not the embedded one")
	}
	if p.osProg != "" || !strings.Contains(strings.Join(p.notes, "\n"), "os/signal skipped") {
		t.Errorf("os/signal: %q, notes %q; want it skipped with a note", p.osProg, p.notes)
	}

	t.Setenv("CC", "/nonexistent/cc")
	q, err := prepareBenchProgs(newFlags(), defaults[0], defaults[1], defaults[2], defaults[3])
	if err != nil {
		t.Fatal(err)
	}
	defer q.cleanup()
	notes := strings.Join(q.notes, "\n")
	if q.floor != "" || q.senderLib != "" || !strings.Contains(notes, "C floor skipped: no C compiler") ||
		!strings.Contains(notes, "CPython's sender library skipped: no C compiler") {
		t.Errorf("without a compiler: floor %q, lib %q, notes %q; want both skipped, saying why", q.floor, q.senderLib, q.notes)
	}

	if _, err := prepareBenchProgs(newFlags("-floor", "/nope"), "/nope", defaults[1], defaults[2], defaults[3]); err == nil {
		t.Error("an explicit -floor that does not exist was accepted")
	}
}

// TestOSFlood: os/signal's throughput comes from the os/signal program's
// "throughput DURATION" mode, run as a process of its own (here a stand-in
// that checks its arguments); a program that is missing (prepareBenchProgs
// gave "") is skipped, one that fails or prints something else is an error.
func TestOSFlood(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string { return standIn(t, dir, name, body) }
	good := script("good", `[ "$*" = "throughput 250ms" ] || { echo "args: $*" >&2; exit 2; }
echo '{"sent": 1000, "handler_runs": 10, "c_deliveries": 0, "cpu_seconds": 0.25}'`)
	r := &benchResult{Throughput: map[string]throughput{}}
	if err := r.osFlood(good, 250*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Throughput, (map[string]throughput{"os/signal": {Sent: 1000, Runs: 10, CPU: 0.25}}); !maps.Equal(got, want) {
		t.Errorf("throughput %+v, want %+v", got, want)
	}

	r = &benchResult{Throughput: map[string]throughput{}}
	if err := r.osFlood("", time.Second); err != nil || len(r.Throughput) != 0 {
		t.Errorf("no program: %v, %+v; want skipped", err, r.Throughput)
	}
	for _, bad := range []string{script("fails", "exit 1"), script("babbles", "echo hello")} {
		if err := r.osFlood(bad, time.Second); err == nil || len(r.Throughput) != 0 {
			t.Errorf("%s: %v, %+v; want an error", filepath.Base(bad), err, r.Throughput)
		}
	}
}

// TestPyFlood: pysignal's throughput, measured in this process with the
// shared sender child (this binary as pysig, "pysig flood"): something sent,
// every C delivery counted by no more than one kill(), at least one handler
// run and no more than the deliveries, CPU spent.
func TestPyFlood(t *testing.T) {
	t.Setenv("PYSIG_AS_MAIN", "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0") // the child's exit, under the race detector
	r := &benchResult{Throughput: map[string]throughput{}}
	if err := r.pyFlood(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	p := r.Throughput["pysignal"]
	if p.Sent <= 0 || p.Deliveries < 1 || p.Deliveries > p.Sent || p.Runs < 1 || p.Runs > p.Deliveries || p.CPU <= 0 {
		t.Errorf("%+v: want sent > 0, 1 <= handler runs <= C deliveries <= sent, CPU > 0", p)
	}
}
