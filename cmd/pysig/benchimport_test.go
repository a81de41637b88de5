//go:build linux && cgo

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pysignal/pysignal/internal/bench/roundtrip"
)

// TestRoundTripsChild: pysig's internal "roundtrips MODE N" (this binary as
// pysig) prints one positive count of ns in every mode, Signal and the
// wrapped read included; a bad MODE or N is a usage error (exit 2).
func TestRoundTripsChild(t *testing.T) {
	run := func(args ...string) ([]byte, string, int) {
		cmd := exec.Command(os.Args[0], append([]string{"roundtrips"}, args...)...)
		cmd.Env = append(os.Environ(), "PYSIG_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out, stderr.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out, stderr.String(), 0
	}
	for _, row := range importRows {
		if row.mode == "" {
			continue
		}
		out, stderr, code := run(row.mode, "50")
		if d, err := roundtrip.Parse(out); code != 0 || err != nil || d <= 0 {
			t.Errorf("roundtrips %s 50: exit %d, %q (%v), stderr %q; want one positive count of ns", row.mode, code, out, err, stderr)
		}
	}
	for _, args := range [][]string{{"locked", "50"}, {"signal", "0"}, {"signal"}} {
		if out, stderr, code := run(args...); code != 2 || len(out) > 0 || !strings.Contains(stderr, "pysig roundtrips: ") {
			t.Errorf("roundtrips %q: exit %d, stdout %q, stderr %q; want a usage error", args, code, out, stderr)
		}
	}
}

// TestImportCostRounds: each round runs every row once, the no-import row
// from the os/signal program ("roundtrips N") and the others from pysig
// ("roundtrips MODE N"), here stand-ins that check their arguments; the ns
// per round trip are kept per round, no-import's twice (A/A). Without the os/signal program, or with
// one that does not know the mode (exit 2), the rows are skipped with a
// note; a child that fails or prints something else is an error.
func TestImportCostRounds(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string { return standIn(t, dir, name, body) }
	noImport := script("ossignal", `[ "$*" = "roundtrips 1000" ] || { echo "args: $*" >&2; exit 1; }; echo 400000`)
	self := script("pysig", `case "$*" in
"roundtrips never-called 1000") echo 420000;;
"roundtrips signal 1000") echo 500000;;
"roundtrips under-Main 1000") echo 800000;;
*) echo "args: $*" >&2; exit 1;;
esac`)
	r := &benchResult{}
	if err := r.importCost(noImport, self, 1000, 3); err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{"no-import": {400, 400, 400}, "imported-never-called": {420, 420, 420},
		"signal-on-main-goroutine": {500, 500, 500}, "under-Main": {800, 800, 800}, "no-import-again": {400, 400, 400}}
	for row, v := range want {
		if !slices.Equal(r.ImportCost[row], v) {
			t.Errorf("%s: %v ns per round trip, want %v", row, r.ImportCost[row], v)
		}
	}
	if r.ImportN != 1000 {
		t.Errorf("ImportN %d, want 1000", r.ImportN)
	}

	for _, prog := range []string{"", script("stale", `echo "usage: ossignal N IDLE_N" >&2; exit 2`)} {
		r = &benchResult{}
		if err := r.importCost(prog, self, 1000, 3); err != nil || len(r.ImportCost) != 0 ||
			!strings.Contains(strings.Join(r.Notes, "\n"), "import cost skipped") {
			t.Errorf("os/signal program %q: %v, %v, notes %q; want skipped with a note", prog, err, r.ImportCost, r.Notes)
		}
	}
	for _, bad := range []string{script("fails", "exit 1"), script("babbles", "echo hello"), script("usage", "exit 2")} {
		r = &benchResult{}
		if err := r.importCost(noImport, bad, 1000, 1); err == nil {
			t.Errorf("%s: no error", filepath.Base(bad))
		}
	}
}

// TestImportCostGoals: a goal is judged on the median round's ratio to
// no-import: within it in every round, met; in the median round but not in
// every round, "noise"; past it in the median round, missed. Either of the
// last two counts against -check.
func TestImportCostGoals(t *testing.T) {
	run := func(neverCalled []float64) (string, int) {
		r := &benchResult{
			ImportN: 1000,
			ImportCost: map[string][]float64{
				"no-import":                {400, 400, 400},
				"imported-never-called":    neverCalled,
				"signal-on-main-goroutine": {400, 500, 600},
				"no-import-again":          {400, 440, 360},
			},
			Wrapper: map[string]wrapperCost{"read": {100, 100, 100}, "write": {100, 100, 100}, "poll(0)": {100, 100, 100}},
		}
		var n int
		out := stdoutOf(func() { n = r.goals(); r.printImportCost() })
		return out, n
	}
	const goal = "imported, never called ≤ 1.1× no-import"
	for _, c := range []struct {
		v      []float64
		mark   string
		notMet int
	}{
		{[]float64{400, 420, 430}, "[met   ] " + goal, 0},
		{[]float64{400, 420, 480}, "[noise ] " + goal, 1},
		{[]float64{400, 480, 480}, "[MISSED] " + goal, 1},
	} {
		out, n := run(c.v)
		if !strings.Contains(out, c.mark) || n != c.notMet {
			t.Errorf("rounds %v: %d not met, want %d and %q\n%s", c.v, n, c.notMet, c.mark, out)
		}
		if !strings.Contains(out, "[met   ] Signal on the main goroutine ≤ 1.5× no-import") ||
			!strings.Contains(out, "signal-on-main-goroutine        500 ns  ×no-import 1.00 1.25 1.50  (median 1.25)") ||
			!strings.Contains(out, "(median of 3 rounds, 1.00–1.50; A/A 0.90–1.10)") {
			t.Errorf("the Signal row (ratios 1.00 1.25 1.50) is not reported as met, median 1.25:\n%s", out)
		}
	}
}
