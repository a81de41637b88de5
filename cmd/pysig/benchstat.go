//go:build linux && cgo

package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// writeBenchstat writes r in Go's benchmark format, one line per measured
// thing, so that runs on two machines or two commits compare with
// benchstat (golang.org/x/perf/cmd/benchstat): latency percentiles as
// p50-ns … max-ns, throughput as sent and handler-runs, the idle check and
// the wrapper costs as ns/op, the import cost's rows as ns/op, one line per
// round. Names carry impl= and scenario= keys (case= for the import cost).
func writeBenchstat(path string, r *benchResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: github.com/pysignal/pysignal/cmd/pysig\nmachine: %s\n", runtime.GOOS, runtime.GOARCH, r.Machine)
	key := func(s string) string { return strings.NewReplacer(" ", "-", "/", "-").Replace(s) }
	for _, scen := range scenarios {
		for _, impl := range impls {
			if s, ok := r.Summary[impl][scen]; ok && s.N > 0 {
				fmt.Fprintf(w, "BenchmarkLatency/scenario=%s/impl=%s %d %d p50-ns %d p90-ns %d p99-ns %d max-ns\n",
					key(scen), key(impl), s.N, s.P50, s.P90, s.P99, s.Max)
			}
		}
	}
	for _, impl := range impls {
		if t, ok := r.Throughput[impl]; ok {
			fmt.Fprintf(w, "BenchmarkThroughput/impl=%s 1 %d sent %d handler-runs %.3f cpu-sec\n", key(impl), t.Sent, t.Runs, t.CPU)
		}
	}
	fmt.Fprintf(w, "BenchmarkCheckSignalsIdle 1 %.3f ns/op %d allocs/op\n", r.IdleNs, r.IdleAllocs)
	for _, name := range []string{"read", "write", "poll(0)"} {
		if c, ok := r.Wrapper[name]; ok {
			call := strings.TrimSuffix(name, "(0)")
			fmt.Fprintf(w, "BenchmarkWrapper/call=%s/mode=raw 1 %.1f ns/op\n", call, c.Raw)
			fmt.Fprintf(w, "BenchmarkWrapper/call=%s/mode=wrapped 1 %.1f ns/op\n", call, c.Wrapped)
		}
	}
	for _, row := range importRows {
		for _, ns := range r.ImportCost[row.name] {
			fmt.Fprintf(w, "BenchmarkImportCost/case=%s %d %.1f ns/op\n", row.name, r.ImportN, ns)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
