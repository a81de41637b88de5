//go:build linux && cgo

package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/pysignal/pysignal/bench"
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
	defaults := []string{"build/latency_floor", "build/libbenchsender.so", "bench/cpython_latency.py", "build/ossignal_latency"}

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
