//go:build linux && cgo

package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

func (r *benchResult) summarise() {
	r.Summary = map[string]map[string]stats{}
	for impl, scen := range r.Latency {
		r.Summary[impl] = map[string]stats{}
		for name, v := range scen {
			if len(v) > 0 {
				r.Summary[impl][name] = summarize(v)
			}
		}
	}
}

var impls = []string{"pysignal", "os/signal", "CPython", "C floor"}

// The latency scenarios: same-thread (raise to self, handler run, control
// back), cross-thread (the shared sender kill()s the process every 200 µs
// while the main thread waits in Wakeup.Wait, or for pysignal also idle in
// Main's loop), cross-thread-idle (Wakeup.Wait again, 20 ms apart).
var scenarios = []string{"same-thread", "cross-thread", "cross-thread, Main", "cross-thread-idle"}

// print writes the report and returns how many goals were not met.
func (r *benchResult) print() (notMet int) {
	fmt.Printf("pysig bench: %d samples per latency scenario, in %d rounds that run every implementation back to back; %s\n\n", r.Samples, r.Rounds, r.Machine)
	r.printLatency()
	r.printRoundRatios()
	fmt.Println()
	r.printThroughput()
	r.printOverheads()
	r.printImportCost()
	fmt.Println()
	notMet = r.goals()
	fmt.Println()
	for _, scen := range scenarios {
		for _, impl := range impls {
			if v := r.Latency[impl][scen]; len(v) > 0 {
				fmt.Printf("%s latency, %s:\n%s", scen, impl, histogram(v))
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Println("note:", n)
	}
	return notMet
}

// printLatency is the table of quantiles, per scenario and implementation,
// with pysignal's ratios to the others.
func (r *benchResult) printLatency() {
	fmt.Printf("%-30s %11s %11s %11s %11s %11s %11s %11s\n", "scenario", "pysignal", "os/signal", "CPython", "C floor", "py÷floor", "py÷CPython", "os/sig÷py")
	for _, scen := range scenarios {
		for _, q := range []string{"p50", "p90", "p99", "max"} {
			fmt.Printf("%-30s", scen+" "+q)
			for _, impl := range impls {
				if s, ok := r.Summary[impl][scen]; ok {
					fmt.Printf(" %11s", fmtNs(pick(s, q)))
				} else {
					fmt.Printf(" %11s", "—")
				}
			}
			py := r.Summary["pysignal"][scen]
			fmt.Printf(" %11s %11s %11s\n", ratio(py, r.Summary["C floor"][scen], q),
				ratio(py, r.Summary["CPython"][scen], q), ratio(r.Summary["os/signal"][scen], py, q))
		}
	}
}

// printRoundRatios shows pysignal's p50 against the C floor's and CPython's
// in each round, and their median.
func (r *benchResult) printRoundRatios() {
	fmt.Println("p50 ratios per round (each round runs every implementation back to back):")
	for _, scen := range scenarios {
		for _, other := range []string{"C floor", "CPython"} {
			py, ot := r.RoundP50["pysignal"][scen], r.RoundP50[other][scen]
			if len(py) == 0 || len(py) != len(ot) {
				continue
			}
			var rs []float64
			for i := range py {
				rs = append(rs, float64(py[i])/float64(ot[i]))
			}
			line := ""
			for _, x := range rs {
				line += fmt.Sprintf(" %.2f", x)
			}
			slices.Sort(rs)
			fmt.Printf("  %-20s pysignal÷%-8s%s  (median %.2f)\n", scen, other, line, rs[len(rs)/2])
		}
	}
}

// printThroughput is the throughput table, one column per implementation.
func (r *benchResult) printThroughput() {
	for _, what := range []string{"sent", "handler runs", "C deliveries", "sent per handler run", "CPU seconds"} {
		fmt.Printf("%-27s", "throughput: "+what)
		for _, impl := range impls {
			t, ok := r.Throughput[impl]
			switch {
			case !ok:
				fmt.Printf(" %12s", "—")
			case what == "sent":
				fmt.Printf(" %12d", t.Sent)
			case what == "handler runs":
				fmt.Printf(" %12d", t.Runs)
			case what == "C deliveries" && impl == "pysignal":
				fmt.Printf(" %12d", t.Deliveries)
			case what == "C deliveries":
				fmt.Printf(" %12s", "n/a")
			case what == "sent per handler run":
				fmt.Printf(" %12.1f", float64(t.Sent)/float64(max(t.Runs, 1)))
			default:
				fmt.Printf(" %12.2f", t.CPU)
			}
		}
		fmt.Println()
	}
}

// printOverheads is the idle check's cost and each wrapper's overhead.
func (r *benchResult) printOverheads() {
	fmt.Printf("%-27s %9.2f ns, %d allocs/op\n", "idle CheckSignals", r.IdleNs, r.IdleAllocs)
	for _, name := range wrapperNames {
		w := r.Wrapper[name]
		fmt.Printf("%-27s raw %6.0f ns, wrapped %6.0f ns: %+5.1f %% (raw vs raw again: %+5.1f %%)\n",
			"wrapper overhead "+name, w.Raw, w.Wrapped, 100*(w.Wrapped-w.Raw)/w.Raw, 100*(w.RawAgain-w.Raw)/w.Raw)
	}
}

func pick(s stats, q string) int64 {
	switch q {
	case "p50":
		return s.P50
	case "p90":
		return s.P90
	case "p99":
		return s.P99
	}
	return s.Max
}

func ratio(a, b stats, q string) string {
	if a.N == 0 || b.N == 0 || pick(b, q) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f×", float64(pick(a, q))/float64(pick(b, q)))
}

func fmtNs(ns int64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", float64(ns)/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", float64(ns)/1e3)
	}
	return fmt.Sprintf("%d ns", ns)
}

func machine() string {
	var u unix.Utsname
	unix.Uname(&u)
	return fmt.Sprintf("%d CPUs, Linux %s, %s", runtime.NumCPU(), unix.ByteSliceToString(u.Release[:]), runtime.Version())
}

func writeJSON(path string, r *benchResult) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func writeLatencyCSV(path string, r *benchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"impl", "scenario", "sample", "latency_ns"})
	for _, impl := range impls {
		for _, scen := range scenarios {
			for i, ns := range r.Latency[impl][scen] {
				w.Write([]string{impl, scen, strconv.Itoa(i), strconv.FormatInt(ns, 10)})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
