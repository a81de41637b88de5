//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pysignal/pysignal/internal/bench"
	"github.com/pysignal/pysignal/internal/benchsender"
)

// benchProgs are the programs of the other implementations pysig bench
// runs. In the repository, make bench builds them into build/ and the flags'
// defaults find them there. Elsewhere (an installed pysig) the C floor and
// CPython's sender library are built from the sources embedded in pysig with
// $CC (cc if unset), and the CPython script is written out; what cannot be
// had is skipped, with a note saying what and why. The os/signal program is
// a Go program of its own: make bench builds it.
type benchProgs struct {
	floor, senderLib, script, osProg string
	notes                            []string
	tmp                              string // built here; removed by cleanup
}

// prepareBenchProgs resolves each program: a path given explicitly must
// exist (a usage error otherwise); a default path is used if it exists, else
// the program comes from the embedded sources.
func prepareBenchProgs(fs *flag.FlagSet, floor, senderLib, script, osProg string) (*benchProgs, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	p := &benchProgs{floor: floor, senderLib: senderLib, script: script, osProg: osProg}
	for name, path := range map[string]string{"floor": floor, "sender-lib": senderLib, "cpython-script": script, "ossignal": osProg} {
		if _, err := os.Stat(path); err != nil && set[name] {
			return nil, fmt.Errorf("-%s %s: %w", name, path, err)
		}
	}
	missing := func(path string) bool { _, err := os.Stat(path); return err != nil }
	if !missing(floor) && !missing(senderLib) && !missing(script) {
		return p, nil
	}
	dir, err := os.MkdirTemp("", "pysig-bench-")
	if err != nil {
		return nil, err
	}
	p.tmp = dir
	if err := os.CopyFS(dir, benchsender.Sources); err != nil {
		return nil, err
	}
	if missing(script) {
		p.script = filepath.Join(dir, "cpython_latency.py")
		if err := os.WriteFile(p.script, bench.CPythonScript, 0o644); err != nil {
			return nil, err
		}
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	ccPath, ccErr := exec.LookPath(strings.Fields(cc)[0])
	build := func(what, out string, args ...string) string {
		if ccErr != nil {
			p.notes = append(p.notes, fmt.Sprintf("%s skipped: no C compiler to build it from pysig's embedded source (%v; set $CC)", what, ccErr))
			return ""
		}
		cmd := exec.Command(ccPath, append(append(strings.Fields(cc)[1:], args...), "-o", out)...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			p.notes = append(p.notes, fmt.Sprintf("%s skipped: %s failed to build it: %v\n%s", what, cc, err, b))
			return ""
		}
		p.notes = append(p.notes, fmt.Sprintf("%s built with %s from pysig's embedded source", what, cc))
		return filepath.Join(dir, out)
	}
	if missing(floor) {
		p.floor = build("C floor", "latency_floor", "-O2", "-pthread", "floor/latency_floor.c")
	}
	if missing(senderLib) {
		p.senderLib = build("CPython's sender library", "libbenchsender.so", "-O2", "-pthread", "-shared", "-fPIC", "sender.c")
	}
	if missing(osProg) {
		p.notes = append(p.notes, fmt.Sprintf("os/signal skipped (latency and throughput): %s not found (make bench builds it from internal/bench/ossignal)", osProg))
		p.osProg = ""
	}
	return p, nil
}

// cleanup removes what prepareBenchProgs built.
func (p *benchProgs) cleanup() {
	if p.tmp != "" {
		os.RemoveAll(p.tmp)
	}
}
