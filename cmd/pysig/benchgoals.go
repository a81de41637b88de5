//go:build linux && cgo

package main

import (
	"fmt"
	"math"
)

// The goals of pysig bench (issue 4), each judged on this run's numbers
// only: ratios between implementations measured in the same rounds, never
// an absolute speed.

// A latencyGoal compares one quantile of pysignal's latency with another
// implementation's, in one scenario: pysignal ≤ k × ref, or, if faster,
// ref ≥ k × pysignal. A p50 goal is also judged round by round: met on the
// pooled samples but missed in a round, it cannot be told from the
// machine's drift ("noise").
type latencyGoal struct {
	what      string
	scen, ref string
	q         string // "p50" or "p99"
	k         float64
	faster    bool
}

var latencyGoals = []latencyGoal{
	{"same-thread p50 ≤ 1.05× the C floor", "same-thread", "C floor", "p50", 1.05, false},
	{"same-thread p50 ≤ CPython", "same-thread", "CPython", "p50", 1, false},
	{"cross-thread p50 ≤ CPython", "cross-thread", "CPython", "p50", 1, false},
	{"cross-thread p50 ≤ 1.5× the C floor", "cross-thread", "C floor", "p50", 1.5, false},
	{"cross-thread p99 ≤ 2× the C floor", "cross-thread", "C floor", "p99", 2, false},
	{"same-thread p50 ≥ 20× lower than os/signal", "same-thread", "os/signal", "p50", 20, true},
	{"same-thread p99 ≥ 10× lower than os/signal", "same-thread", "os/signal", "p99", 10, true},
	{"cross-thread p50 ≥ 5× lower than os/signal", "cross-thread", "os/signal", "p50", 5, true},
}

// idleGoal bounds CheckSignals with nothing pending.
const (
	idleGoalNs     = 0.6
	idleGoalAllocs = 0
)

// wrapperGoal bounds a wrapper's overhead over the raw call, in percent.
const wrapperGoal = 2.0

// wrapperNames are the wrapped calls whose overhead is measured.
var wrapperNames = []string{"read", "write", "poll(0)"}

// refLabel names a reference implementation in a goal's figures.
var refLabel = map[string]string{"C floor": "floor", "CPython": "CPython"}

// goals prints the goals and returns how many are missed or lost in the
// noise.
func (r *benchResult) goals() (notMet int) {
	mark := func(m, what, have string) {
		if m != "met   " {
			notMet++
		}
		fmt.Printf("  [%s] %-52s %s\n", m, what, have)
	}
	fmt.Println("goals (ratios from this run; 'noise': met overall, not in every round):")
	for _, g := range latencyGoals {
		if _, ok := r.Summary[g.ref][g.scen]; ok {
			m, have := r.judgeLatency(g)
			mark(m, g.what, have)
		}
	}
	met := r.IdleNs <= idleGoalNs && r.IdleAllocs == idleGoalAllocs
	mark(verdict(met, false), fmt.Sprintf("idle CheckSignals ≤ %g ns, %d allocs", idleGoalNs, idleGoalAllocs),
		fmt.Sprintf("%.2f ns, %d allocs", r.IdleNs, r.IdleAllocs))
	py, fl := r.Summary["pysignal"], r.Summary["C floor"]
	if f, ok := fl["cross-thread-idle"]; ok && py["cross-thread-idle"].N > 0 {
		it := py["cross-thread-idle"]
		fmt.Printf("  [report] %-52s %s p50, %s p99\n", "cross-thread-idle (no goal: see docs/benchmarks.md)",
			times(it.P50, f.P50, "floor"), times(it.P99, f.P99, "floor"))
	}
	for _, name := range wrapperNames {
		w := r.Wrapper[name]
		d := 100 * (w.Wrapped - w.Raw) / w.Raw
		noise := 100 * (w.RawAgain - w.Raw) / w.Raw
		// Met, but the raw call measured against itself moved as much:
		// this run cannot tell.
		mark(verdict(d <= wrapperGoal, d+math.Abs(noise) > wrapperGoal),
			fmt.Sprintf("wrapper overhead ≤ %g %% (%s)", wrapperGoal, name),
			fmt.Sprintf("%+.1f %% (A/A noise %+.1f %%)", d, noise))
	}
	for _, g := range importGoals {
		if m, have, ok := r.judgeImport(g); ok {
			mark(m, g.what, have)
		}
	}
	return notMet
}

// judgeLatency returns g's verdict and the figures behind it.
func (r *benchResult) judgeLatency(g latencyGoal) (string, string) {
	py, ref := pick(r.Summary["pysignal"][g.scen], g.q), pick(r.Summary[g.ref][g.scen], g.q)
	if g.faster {
		return verdict(float64(ref) >= g.k*float64(py), false), fmt.Sprintf("%.1f×", float64(ref)/float64(py))
	}
	met := float64(py) <= g.k*float64(ref)
	have := times(py, ref, refLabel[g.ref])
	if g.q != "p50" {
		return verdict(met, false), have
	}
	a, b := r.RoundP50["pysignal"][g.scen], r.RoundP50[g.ref][g.scen]
	agree := len(a) == len(b)
	for i := range a {
		if i < len(b) && (float64(a[i]) <= g.k*float64(b[i])) != met {
			agree = false
		}
	}
	if met && !agree {
		return verdict(true, true), have + " (not in every round)"
	}
	return verdict(met, false), have
}

// verdict is a goal's mark: met, missed, or met but not told from noise.
func verdict(met, noisy bool) string {
	switch {
	case !met:
		return "MISSED"
	case noisy:
		return "noise "
	}
	return "met   "
}

// times is a/b as a multiple of what.
func times(a, b int64, what string) string {
	return fmt.Sprintf("%.2f× %s", float64(a)/float64(b), what)
}
