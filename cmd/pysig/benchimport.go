//go:build linux && cgo

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/internal/bench/roundtrip"
	"golang.org/x/sys/unix"
)

// Import cost (issue 23): what importing pysignal costs a program that
// works on its main goroutine. Each row is internal/bench/roundtrip's
// channel round trips on the main goroutine of a child process of its own,
// in its own back-to-back loop; each round runs every row once, in this
// order, so the machine's drift falls on all alike; the goals are judged on
// the median of the per-round ratios to no-import. The no-import program
// runs again at the end of each round: its ratio to the first run (A/A) is
// what the machine's noise alone does to a ratio.
var importRows = []struct {
	name, mode string // mode: pysig roundtrips MODE N; "" for no-import
}{
	{"no-import", ""},                         // the os/signal program, which does not import pysignal
	{"imported-never-called", "never-called"}, // pysig, never calling the package
	{"signal-on-main-goroutine", "signal"},    // pysig after Signal and a wrapped Read, no Main
	{"under-Main", "under-Main"},              // in the function Main runs (no goal)
	{"no-import-again", ""},                   // A/A: no-import again, the control
}

// An importGoal bounds one row's round trip as a multiple of no-import's.
type importGoal struct {
	what, row string
	k         float64
}

var importGoals = []importGoal{
	{"imported, never called ≤ 1.1× no-import", "imported-never-called", 1.1},
	{"Signal on the main goroutine ≤ 1.5× no-import", "signal-on-main-goroutine", 1.5},
}

// roundTripsMain is pysig's internal "roundtrips MODE N" command, the child
// of the import-cost rows that import pysignal. It runs on the main
// goroutine before anything else of pysig, prints the time of its N round
// trips (roundtrip.Print) and returns the exit status.
func roundTripsMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintf(os.Stderr, "pysig roundtrips: want MODE N, have %d arguments\n", len(args))
		return 2
	}
	n, err := roundtrip.ParseN(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pysig roundtrips:", err)
		return 2
	}
	switch args[0] {
	case "never-called":
	case "signal":
		if err := signalOnMainGoroutine(); err != nil {
			fmt.Fprintln(os.Stderr, "pysig roundtrips:", err)
			return 1
		}
	case "under-Main":
		return pysignal.Main(func() int { roundtrip.Print(n); return 0 })
	default:
		fmt.Fprintf(os.Stderr, "pysig roundtrips: unknown MODE %q (never-called, signal, under-Main)\n", args[0])
		return 2
	}
	roundtrip.Print(n)
	return 0
}

// signalOnMainGoroutine is what a program that uses the package without
// Main does on its main goroutine before its work: install a handler, make
// a wrapped call (a 1-byte pipe read).
func signalOnMainGoroutine() error {
	if _, err := pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error { return nil })); err != nil {
		return err
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	if _, err := unix.Write(p[1], []byte{1}); err != nil {
		return err
	}
	buf := make([]byte, 1)
	if n, err := pysignal.Read(p[0], buf); n != 1 || err != nil {
		return fmt.Errorf("wrapped read: %d, %v", n, err)
	}
	return nil
}

// importCost runs the import-cost rounds: noImport is the os/signal
// program, self pysig; n round trips per child. Without the os/signal
// program there is nothing to compare with: skipped, with a note.
func (r *benchResult) importCost(noImport, self string, n, rounds int) error {
	if noImport == "" {
		r.Notes = append(r.Notes, "import cost skipped: its no-import program is the os/signal program (make benchprogs builds it)")
		return nil
	}
	r.ImportN = n
	r.ImportCost = map[string][]float64{}
	for round := 1; round <= rounds; round++ {
		fmt.Fprintf(os.Stderr, "\r[import cost round %d/%d] %-10s", round, rounds, "")
		for _, row := range importRows {
			cmd := exec.Command(self, "roundtrips", row.mode, strconv.Itoa(n))
			if row.mode == "" {
				cmd = exec.Command(noImport, "roundtrips", strconv.Itoa(n))
			}
			d, err := runRoundTrips(cmd)
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == 2 && row.mode == "" {
				// a usage error: built before it had the roundtrips mode
				r.Notes = append(r.Notes, fmt.Sprintf("import cost skipped: %s does not know \"roundtrips N\" (make benchprogs rebuilds it)", noImport))
				r.ImportCost, r.ImportN = nil, 0
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", row.name, err)
			}
			r.ImportCost[row.name] = append(r.ImportCost[row.name], float64(d.Nanoseconds())/float64(n))
		}
	}
	return nil
}

// runRoundTrips runs a child that prints the time of its round trips and
// returns that time; a child that fails gives an error that wraps its
// *exec.ExitError.
func runRoundTrips(cmd *exec.Cmd) (time.Duration, error) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, stderr.String())
	}
	return roundtrip.Parse(out)
}

// importRatios returns row's ratio to no-import in each round.
func (r *benchResult) importRatios(row string) []float64 {
	base, v := r.ImportCost["no-import"], r.ImportCost[row]
	if len(v) == 0 || len(v) != len(base) {
		return nil
	}
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] / base[i]
	}
	return out
}

// median is the middle of v (the upper one of an even count), as the
// per-round p50 ratios are printed.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// judgeImport returns g's verdict and the figures behind it: met when the
// median round's ratio is within the goal, "noise" when it is but some
// round is not.
func (r *benchResult) judgeImport(g importGoal) (string, string, bool) {
	rs := r.importRatios(g.row)
	if len(rs) == 0 {
		return "", "", false
	}
	m := median(rs)
	met, agree := m <= g.k, true
	for _, x := range rs {
		if (x <= g.k) != met {
			agree = false
		}
	}
	have := fmt.Sprintf("%.2f× no-import (median of %d rounds, %.2f–%.2f", m, len(rs), slices.Min(rs), slices.Max(rs))
	if aa := r.importRatios("no-import-again"); len(aa) > 0 {
		have += fmt.Sprintf("; A/A %.2f–%.2f", slices.Min(aa), slices.Max(aa))
	}
	have += ")"
	return verdict(met, met && !agree), have, true
}

// printImportCost is the import-cost table: each row's ns per round trip
// (median of rounds) and its ratio to no-import per round.
func (r *benchResult) printImportCost() {
	if len(r.ImportCost) == 0 {
		return
	}
	fmt.Printf("import cost: %d channel round trips on the main goroutine, one child process per row and round:\n", r.ImportN)
	for _, row := range importRows {
		v := r.ImportCost[row.name]
		if len(v) == 0 {
			continue
		}
		fmt.Printf("  %-26s %8.0f ns", row.name, median(v))
		if rs := r.importRatios(row.name); row.name != "no-import" && len(rs) > 0 {
			line := ""
			for _, x := range rs {
				line += fmt.Sprintf(" %.2f", x)
			}
			fmt.Printf("  ×no-import%s  (median %.2f)", line, median(rs))
		}
		fmt.Println()
	}
}
