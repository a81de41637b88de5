//go:build linux && cgo

package difffuzz

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// The Go interpreter runs in the test binary itself, re-executed with this
// variable set, on the main goroutine (under pysignal.Main, which keeps it
// on one thread), serving programs from standard input.
const serveEnv = "PYSIGNAL_DIFFFUZZ_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		// Main keeps the main goroutine on one thread, which
		// MainThreadID names: a signal sent to it (tkill, rblock) is
		// then held and taken there, as pthread_kill to CPython's main
		// thread is.
		os.Exit(pysignal.Main(func() int {
			pysignal.Call(func() { serve(os.Stdin, os.Stdout) })
			return 0
		}))
	}
	os.Exit(m.Run())
}

// A python is one CPython found (as conformance_test.go finds them).
type python struct{ path, version string }

func findPythons() []python {
	var cands []string
	if env := os.Getenv("PYSIGNAL_PYTHONS"); env != "" {
		cands = strings.FieldsFunc(env, func(r rune) bool { return r == ' ' || r == ':' || r == ',' })
	} else {
		cands = append(cands, "python3")
		home, _ := os.UserHomeDir()
		for _, v := range []string{"10", "11", "12", "13"} {
			m, _ := filepath.Glob(filepath.Join(home, ".pyenv/versions/3."+v+"*/bin/python3"))
			cands = append(cands, m...)
		}
	}
	seen := map[string]bool{}
	var out []python
	for _, c := range cands {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		b, err := exec.CommandContext(ctx, c, "-c",
			"import sys; v = sys.version_info; print('%d.%d.%d' % v[:3] if v >= (3, 10) else '')").Output()
		cancel()
		v := strings.TrimSpace(string(b))
		if err != nil || v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, python{c, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// A side is one interpreter process serving programs.
type side struct {
	name string
	argv []string
	env  []string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	errb *strings.Builder
}

func (s *side) start() error {
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Env = s.env
	var err error
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		return err
	}
	o, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	s.errb = &strings.Builder{}
	s.cmd.Stderr = &lockedWriter{w: s.errb}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.out = bufio.NewReaderSize(o, 1<<16)
	return nil
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (s *side) stop() {
	if s.cmd == nil {
		return
	}
	s.in.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// run sends the programs and reads their traces. A side that dies or hangs
// (10 s) is restarted, and its trace ends with a line saying so.
func (s *side) run(progs []*program) ([][]string, error) {
	if s.cmd == nil {
		if err := s.start(); err != nil {
			return nil, err
		}
	}
	var text strings.Builder
	for _, p := range progs {
		text.WriteString(p.String())
	}
	go func(in io.Writer, t string) { io.WriteString(in, t) }(s.in, text.String())
	type res struct {
		traces [][]string
		err    error
	}
	ch := make(chan res, 1)
	go func(out *bufio.Reader) {
		var r res
		var cur []string
		for len(r.traces) < len(progs) {
			l, err := out.ReadString('\n')
			if err != nil {
				r.err = err
				break
			}
			l = strings.TrimSuffix(l, "\n")
			if l == "== end" {
				r.traces = append(r.traces, cur)
				cur = nil
				continue
			}
			cur = append(cur, l)
		}
		if r.err != nil {
			r.traces = append(r.traces, append(cur, "!! interpreter died"))
		}
		ch <- r
	}(s.out)
	var r res
	select {
	case r = <-ch:
	case <-time.After(60*time.Second + time.Duration(len(progs))*100*time.Millisecond):
		// Both interpreters dump their stacks on SIGQUIT (interp.py
		// registers faulthandler for it).
		s.cmd.Process.Signal(syscall.SIGQUIT)
		time.Sleep(2 * time.Second)
		s.cmd.Process.Kill()
		r = <-ch
		r.err = fmt.Errorf("hung, killed after %d programs: %v", len(r.traces)-1, r.err)
	}
	if r.err != nil {
		s.cmd.Process.Kill()
		stderr := s.errb.String()
		s.stop()
		for len(r.traces) < len(progs) {
			r.traces = append(r.traces, []string{"!! not run"})
		}
		if len(stderr) > 2000 {
			stderr = stderr[len(stderr)-2000:]
		}
		return r.traces, fmt.Errorf("%s: %v; stderr:\n%s", s.name, r.err, stderr)
	}
	return r.traces, nil
}

// A rule filters a deliberate difference: it rewrites a line of both sides
// the same way, and names the numbered difference of docs/design.md.
type rule struct {
	cite  string
	match *regexp.Regexp
	fix   func(m []string) string
}

var rules = []rule{
	{
		// Signals that arrive together write their wakeup bytes highest
		// first in CPython (its handler nests), lowest first here.
		cite:  "design.md difference 1 (handlers never nest): wakeup bytes of signals that arrive together come in delivery order",
		match: regexp.MustCompile(`^(\.*drain [AB] -> ok )([0-9,]+)(.*)$`),
		fix: func(m []string) string {
			var n []int
			for _, f := range strings.Split(m[2], ",") {
				x, _ := strconv.Atoi(f)
				n = append(n, x)
			}
			sort.Ints(n)
			s := make([]string, len(n))
			for i, x := range n {
				s[i] = strconv.Itoa(x)
			}
			return m[1] + strings.Join(s, ",") + m[3]
		},
	},
}

// A pairRule filters a deliberate difference seen only by comparing the two
// sides' lines: given a Go line and CPython's, it says whether they are the
// same up to that difference.
type pairRule struct {
	cite string
	same func(g, p string) bool
}

// readLate matches a read's line whose value came back with a handler's
// error raised at the checks after it.
var readLate = regexp.MustCompile(`^(\.*(?:rblock|read) \S+ -> )ok \S+ late (\S+)(.*)$`)

var pairRules = []pairRule{
	{
		// A read whose data came back (its signal handled by a handler that
		// fails, with SA_RESTART: siginterrupt(S, 0)) with that handler
		// tripped: CPython's os.read returns the data, and the eval breaker
		// raises the handler's error at the next bytecode, inside the
		// interpreter's own call, so the data are lost; pysignal's Read
		// returns them, and the next check returns the error.
		cite: "design.md difference 3 (no eval loop): a read's data, then the handler's error at the next check",
		same: func(g, p string) bool {
			m := readLate.FindStringSubmatch(g)
			if m == nil {
				return false
			}
			late := ""
			if m[3] != "" {
				late = " late" + m[3]
			}
			return p == m[1]+m[2]+late
		},
	},
}

// firstDiffRules is firstDiff after the pair rules, counting their use.
func firstDiffRules(g, p []string, used map[string]int) int {
	for i := 0; i < len(g) || i < len(p); i++ {
		if i >= len(g) || i >= len(p) {
			return i
		}
		if g[i] == p[i] {
			continue
		}
		ok := false
		for _, r := range pairRules {
			if r.same(g[i], p[i]) {
				ok = true
				if used != nil {
					used[r.cite]++
				}
				break
			}
		}
		if !ok {
			return i
		}
	}
	return -1
}

// normalize applies the rules to a trace and counts the lines each changed.
func normalize(lines []string, used map[string]int) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		for _, r := range rules {
			if m := r.match.FindStringSubmatch(l); m != nil {
				if n := r.fix(m); n != l {
					l = n
					if used != nil {
						used[r.cite]++
					}
				}
			}
		}
		out[i] = l
	}
	return out
}

// firstDiff returns the index of the first differing line, -1 if none.
func firstDiff(g, p []string) int { return firstDiffRules(g, p, nil) }

// pair runs programs in a Go interpreter and a CPython.
type pair struct {
	py     python
	goSide *side
	pySide *side
}

func newPair(py python) *pair {
	return &pair{
		py: py,
		goSide: &side{name: "Go", argv: []string{os.Args[0], "-test.run=^$"},
			env: append(os.Environ(), serveEnv+"=1",
				"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))},
		pySide: &side{name: "CPython " + py.version, argv: []string{py.path, "-E", "-s", "-B", "interp.py"}, env: os.Environ()},
	}
}

func (p *pair) stop() { p.goSide.stop(); p.pySide.stop() }

// run runs progs on both sides, returning the normalized traces.
func (p *pair) run(progs []*program, used map[string]int) (g, py [][]string, err error) {
	var wg sync.WaitGroup
	var ge, pe error
	wg.Add(1)
	go func() { defer wg.Done(); g, ge = p.goSide.run(progs) }()
	py, pe = p.pySide.run(progs)
	wg.Wait()
	for i := range g {
		g[i] = normalize(g[i], used)
	}
	for i := range py {
		py[i] = normalize(py[i], used)
	}
	return g, py, errors.Join(ge, pe)
}

// differs reports whether one program's traces differ.
func (p *pair) differs(q *program) bool {
	g, py, _ := p.run([]*program{q}, nil)
	return firstDiff(g[0], py[0]) >= 0
}

// A finding is a shrunk program that differs.
type finding struct {
	version  string
	seed     int64
	prog     *program
	at       int
	goT, pyT []string
}

func (f *finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CPython %s, program seed %d, shrunk to %d ops:\n%s", f.version, f.seed, f.prog.size(), f.prog)
	fmt.Fprintf(&b, "first difference at trace line %d:\n", f.at+1)
	show := func(name string, t []string) {
		fmt.Fprintf(&b, "  %s:\n", name)
		for i, l := range t {
			mark := "   "
			if i == f.at {
				mark = ">> "
			}
			fmt.Fprintf(&b, "    %s%s\n", mark, l)
		}
	}
	show("Go", f.goT)
	show("CPython", f.pyT)
	return b.String()
}

// signature identifies a finding for de-duplication: the differing lines.
func (f *finding) signature() string {
	at := func(t []string) string {
		if f.at < len(t) {
			return t[f.at]
		}
		return "(end)"
	}
	return at(f.goT) + " | " + at(f.pyT)
}

// fuzz runs programs seed0, seed0+1, ... until n programs or the deadline,
// in batches; it shrinks each differing program and returns the findings
// (at most maxFindings distinct ones) and the count run.
func (p *pair) fuzz(seed0 int64, n int, deadline time.Time, maxFindings int, used map[string]int, progress func(count, found int)) (found []*finding, count int, err error) {
	const batch = 50
	seen := map[string]bool{}
	for count < n && time.Now().Before(deadline) && len(found) < maxFindings {
		var progs []*program
		for i := 0; i < batch && count+i < n; i++ {
			progs = append(progs, genProgram(seed0+int64(count+i)))
		}
		g, py, rerr := p.run(progs, used)
		if rerr != nil {
			// An interpreter died or hung: that is reported as it is, not shrunk.
			return found, count, rerr
		}
		for i := range progs {
			if firstDiffRules(g[i], py[i], used) < 0 {
				continue
			}
			seed := seed0 + int64(count+i)
			s := shrink(progs[i], p.differs)
			gs, ps, _ := p.run([]*program{s}, nil)
			f := &finding{version: p.py.version, seed: seed, prog: s, goT: gs[0], pyT: ps[0]}
			f.at = firstDiff(gs[0], ps[0])
			if f.at < 0 {
				// Did not reproduce alone: keep the original.
				f.prog, f.goT, f.pyT, f.at = progs[i], g[i], py[i], firstDiff(g[i], py[i])
			}
			if !seen[f.signature()] {
				seen[f.signature()] = true
				found = append(found, f)
			}
		}
		count += len(progs)
		if progress != nil && count%10000 < batch {
			progress(count, len(found))
		}
	}
	return found, count, err
}

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return n
		}
	}
	return def
}

// TestDiffFuzz runs random programs in CPython and in Go and compares the
// traces line by line: DIFFFUZZ_N programs per CPython (unset: skipped,
// so that go test ./... leaves it to make difffuzz), DIFFFUZZ_TIME bounds the time (default: none), DIFFFUZZ_SEED the first
// program's seed (default 1; the seed of program i is SEED+i),
// DIFFFUZZ_FINDINGS how many distinct findings to collect before stopping
// (default 1).
func TestDiffFuzz(t *testing.T) {
	if os.Getenv("DIFFFUZZ_N") == "" {
		t.Skip("run by make difffuzz and make fuzz-cpython (DIFFFUZZ_N programs per CPython)")
	}
	pythons := findPythons()
	if len(pythons) == 0 {
		t.Skip("no python3 3.10 or later found (set PYSIGNAL_PYTHONS)")
	}
	n := int(envInt("DIFFFUZZ_N", 0))
	seed := envInt("DIFFFUZZ_SEED", 1)
	maxF := int(envInt("DIFFFUZZ_FINDINGS", 1))
	deadline := time.Now().Add(100 * 365 * 24 * time.Hour)
	if d := os.Getenv("DIFFFUZZ_TIME"); d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("DIFFFUZZ_TIME: %v", err)
		}
		deadline = time.Now().Add(dur)
	}
	for _, py := range pythons {
		t.Run(py.version, func(t *testing.T) {
			t.Parallel()
			p := newPair(py)
			defer p.stop()
			used := map[string]int{}
			start := time.Now()
			// Long runs say how far they are, at once (t.Logf of a
			// parallel subtest shows only at its end).
			progress := func(count, nf int) {
				fmt.Fprintf(os.Stderr, "difffuzz: CPython %s: %d programs, %d findings, %.0f programs/s\n",
					py.version, count, nf, float64(count)/time.Since(start).Seconds())
			}
			found, count, err := p.fuzz(seed, n, deadline, maxF, used, progress)
			el := time.Since(start)
			t.Logf("CPython %s (%s): %d programs (seeds %d..%d) in %v, %.0f programs/s, %d findings",
				py.version, py.path, count, seed, seed+int64(count)-1, el.Round(time.Millisecond),
				float64(count)/el.Seconds(), len(found))
			for c, k := range used {
				t.Logf("  filtered %d lines: %s", k, c)
			}
			if err != nil {
				t.Errorf("%v", err)
			}
			for _, f := range found {
				t.Errorf("difference:\n%s", f)
			}
		})
	}
}
