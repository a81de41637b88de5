//go:build linux && cgo

package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// scenarios maps each scenarios/NAME.py to its Go twin.
var scenarios = map[string]func(*out){}

// The Go side runs in a fresh process per scenario, the test binary itself
// re-executed: signal state never leaks between scenarios, and the scenario
// runs on the main goroutine (which pysignal locks to the main thread).
const scenarioEnv = "PYSIGNAL_CONFORMANCE_SCENARIO"

func TestMain(m *testing.M) {
	if name := os.Getenv(scenarioEnv); name != "" {
		f := scenarios[name]
		if f == nil {
			fmt.Fprintf(os.Stderr, "no Go scenario %q\n", name)
			os.Exit(2)
		}
		// Main keeps the main goroutine on one thread, which
		// MainThreadID names: pthread_kill to it from another goroutine
		// is then held and taken there, as in CPython (design.md,
		// difference 22). The start-up scenario runs MainContext itself.
		o := &out{}
		if name == "startup" {
			f(o)
		} else {
			pysignal.Main(func() int { pysignal.Call(func() { f(o) }); return 0 })
		}
		o.print()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A python is one CPython found for the suite.
type python struct {
	path, version string
}

// findPythons returns the CPythons 3.10+ named by PYSIGNAL_PYTHONS, or
// python3 on PATH and ~/.pyenv's 3.10–3.13, one per version.
func findPythons(t *testing.T) []python {
	var cands []string
	if env := os.Getenv("PYSIGNAL_PYTHONS"); env != "" {
		cands = strings.FieldsFunc(env, func(r rune) bool { return r == ' ' || r == ':' || r == ',' })
	} else {
		cands = append(cands, "python3")
		for _, v := range []string{"10", "11", "12", "13"} {
			home, _ := os.UserHomeDir()
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

// run runs one side of a scenario and returns its lines.
func run(cmd *exec.Cmd) ([]string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %v\nstderr:\n%s", cmd.Args, err, stderr.String())
	}
	s := strings.TrimSuffix(stdout.String(), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// A parsed line: "label: value" and an optional " ## differs: reason".
type parsed struct{ label, value, reason string }

func parse(l string) parsed {
	var p parsed
	if i := strings.Index(l, " ## differs: "); i >= 0 {
		l, p.reason = l[:i], l[i+len(" ## differs: "):]
	}
	p.label, p.value, _ = strings.Cut(l, ": ")
	return p
}

func TestConformance(t *testing.T) {
	pythons := findPythons(t)
	if len(pythons) == 0 {
		t.Skip("no python3 3.10 or later found (set PYSIGNAL_PYTHONS): the conformance suite needs CPython")
	}
	files, err := filepath.Glob("scenarios/*.py")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".py"); !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	for n := range scenarios {
		if _, err := os.Stat(filepath.Join("scenarios", n+".py")); err != nil {
			t.Errorf("Go scenario %q has no scenarios/%s.py", n, n)
		}
	}
	// Every side runs concurrently (the scenarios mostly wait): the Go side
	// once per scenario, each CPython over all scenarios.
	type result struct {
		lines map[string][]string
		err   error
	}
	runAll := func(cmd func(ctx context.Context, name string) *exec.Cmd) chan result {
		ch := make(chan result, 1)
		go func() {
			r := result{lines: map[string][]string{}}
			for _, name := range names {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				r.lines[name], r.err = run(cmd(ctx, name))
				cancel()
				if r.err != nil {
					break
				}
			}
			ch <- r
		}()
		return ch
	}
	goSide := runAll(func(ctx context.Context, name string) *exec.Cmd {
		c := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		// Under -race the race runtime sleeps 1 s at exit unless told not to.
		c.Env = append(os.Environ(), scenarioEnv+"="+name,
			"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		return c
	})
	pySides := make([]chan result, len(pythons))
	for i, py := range pythons {
		pySides[i] = runAll(func(ctx context.Context, name string) *exec.Cmd {
			return exec.CommandContext(ctx, py.path, "-E", "-s", "-B", filepath.Join("scenarios", name+".py"))
		})
	}
	g := <-goSide
	if g.err != nil {
		t.Fatal(g.err)
	}
	total := 0
	expected := &diffs{versions: map[string][]string{}}
	for i, py := range pythons {
		p := <-pySides[i]
		if p.err != nil {
			t.Errorf("CPython %s: %v", py.version, p.err)
			continue
		}
		compared, differ := 0, 0
		for _, name := range names {
			if scenarios[name] == nil {
				t.Errorf("scenarios/%s.py has no Go scenario", name)
				continue
			}
			n, d := compare(t, py.version, name, g.lines[name], p.lines[name], expected)
			compared += n
			differ += d
		}
		t.Logf("CPython %s (%s): %d lines compared, %d expected differences", py.version, py.path, compared, differ)
		total += compared
	}
	t.Logf("%d lines in all; expected differences:", total)
	for _, e := range expected.order {
		t.Logf("  %s [CPython %s]", e, strings.Join(expected.versions[e], ", "))
	}
}

// errorer is the part of *testing.T that compare uses.
type errorer interface {
	Errorf(format string, args ...any)
}

// diffs collects the expected differences seen, with the CPython versions
// that showed each.
type diffs struct {
	order    []string
	versions map[string][]string
}

func compare(t errorer, version, name string, goLines, pyLines []string, expected *diffs) (n, differ int) {
	if len(goLines) != len(pyLines) {
		t.Errorf("%s under CPython %s: Go printed %d lines, Python %d:\nGo:\n%s\nPython:\n%s",
			name, version, len(goLines), len(pyLines), strings.Join(goLines, "\n"), strings.Join(pyLines, "\n"))
	}
	for i := 0; i < len(goLines) && i < len(pyLines); i++ {
		g, p := parse(goLines[i]), parse(pyLines[i])
		n++
		where := fmt.Sprintf("%s:%d (CPython %s)", name, i+1, version)
		if g.label != p.label {
			t.Errorf("%s: labels differ: Go %q, Python %q", where, g.label, p.label)
			continue
		}
		reason := g.reason
		if reason == "" || p.reason == reason {
			reason = p.reason
		} else if p.reason != "" {
			reason += "; " + p.reason
		}
		if reason == "" {
			if g.value != p.value {
				t.Errorf("%s %s: Go %q, CPython %q", where, g.label, g.value, p.value)
			}
			continue
		}
		differ++
		if g.value == p.value {
			t.Errorf("%s %s: expected to differ (%s) but both give %q: update the scenario and docs/design.md",
				where, g.label, reason, g.value)
			continue
		}
		e := fmt.Sprintf("%s %s: Go %q, CPython %q: %s", name, g.label, g.value, p.value, reason)
		if expected.versions[e] == nil {
			expected.order = append(expected.order, e)
		}
		expected.versions[e] = append(expected.versions[e], version)
	}
	return n, differ
}

// problems records compare's complaints.
type problems []string

func (p *problems) Errorf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// The runner itself: equal lines pass, an unmarked difference fails, a
// marked difference passes only while the values differ, labels and line
// counts must match.
func TestCompare(t *testing.T) {
	const mark = " ## differs: a reason"
	for _, c := range []struct {
		name       string
		goL, pyL   []string
		complaints int
	}{
		{"equal", []string{"a: 1", "b: x y"}, []string{"a: 1", "b: x y"}, 0},
		{"unmarked difference", []string{"a: 1"}, []string{"a: 2"}, 1},
		{"marked on the Go side, differs", []string{"a: 1" + mark}, []string{"a: 2"}, 0},
		{"marked on the Python side, differs", []string{"a: 1"}, []string{"a: 2" + mark}, 0},
		{"marked but no longer differs", []string{"a: 1" + mark}, []string{"a: 1"}, 1},
		{"labels differ", []string{"a: 1"}, []string{"b: 1"}, 1},
		{"line counts differ", []string{"a: 1", "b: 2"}, []string{"a: 1"}, 1},
	} {
		var p problems
		d := &diffs{versions: map[string][]string{}}
		compare(&p, "3.x", "test", c.goL, c.pyL, d)
		if len(p) != c.complaints {
			t.Errorf("%s: %d complaints %q, want %d", c.name, len(p), p, c.complaints)
		}
	}
}
