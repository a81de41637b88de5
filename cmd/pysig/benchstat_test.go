//go:build linux && cgo

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func sampleResult() *benchResult {
	return &benchResult{
		Machine: "2 CPUs, Linux 6.1, go1.26",
		Samples: 3,
		Summary: map[string]map[string]stats{
			"pysignal": {"same-thread": {P50: 900, P90: 1000, P99: 1200, Max: 5000, N: 3}},
			"C floor":  {"same-thread": {P50: 800, P90: 900, P99: 1000, Max: 4000, N: 3}},
		},
		Throughput: map[string]throughput{"os/signal": {Sent: 100, Runs: 10, CPU: 0.5}},
		IdleNs:     0.5,
		Wrapper:    map[string]wrapperCost{"poll(0)": {Raw: 100, Wrapped: 101, RawAgain: 100.5}},
		ImportN:    1000,
		ImportCost: map[string][]float64{"no-import": {300, 310}, "under-Main": {400, 410}},
	}
}

// TestBenchstatFormat: every line is a configuration line or a benchmark
// line benchstat reads (name, iterations, value-unit pairs), and names hold
// no spaces or slashes inside their keys' values.
func TestBenchstatFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.txt")
	if err := writeBenchstat(path, sampleResult()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	config := regexp.MustCompile(`^[a-z]+: .+$`)
	bench := regexp.MustCompile(`^Benchmark[A-Za-z]+(/[a-z]+=[A-Za-z0-9.-]+)* \d+( -?[0-9.]+ [a-z0-9/-]+)+$`)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		if !config.MatchString(l) && !bench.MatchString(l) {
			t.Errorf("not benchmark format: %q", l)
		}
	}
	for _, want := range []string{
		"BenchmarkLatency/scenario=same-thread/impl=pysignal 3 900 p50-ns 1000 p90-ns 1200 p99-ns 5000 max-ns",
		"BenchmarkLatency/scenario=same-thread/impl=C-floor 3 800 p50-ns",
		"BenchmarkThroughput/impl=os-signal 1 100 sent 10 handler-runs 0.500 cpu-sec",
		"BenchmarkWrapper/call=poll/mode=wrapped 1 101.0 ns/op",
		"BenchmarkImportCost/case=no-import 1000 300.0 ns/op\nBenchmarkImportCost/case=no-import 1000 310.0 ns/op\n",
		"BenchmarkImportCost/case=under-Main 1000 410.0 ns/op",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %q in:\n%s", want, b)
		}
	}
}

// TestJSONKeys: every key pysig bench writes is snake_case, and every
// number's key names its unit (or is a count).
func TestJSONKeys(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	for _, typ := range []reflect.Type{reflect.TypeFor[benchResult](), reflect.TypeFor[stats](), reflect.TypeFor[throughput](), reflect.TypeFor[wrapperCost]()} {
		for f := range typ.Fields() {
			tag := strings.Split(f.Tag.Get("json"), ",")[0]
			if tag == "-" {
				continue
			}
			if !snake.MatchString(tag) {
				t.Errorf("%s.%s: JSON key %q is not snake_case", typ.Name(), f.Name, tag)
			}
			if k := f.Type.Kind(); k == reflect.Float64 && !strings.HasSuffix(tag, "_ns") && !strings.HasSuffix(tag, "_seconds") {
				t.Errorf("%s.%s: JSON key %q holds a measurement with no unit", typ.Name(), f.Name, tag)
			}
		}
	}
}

// TestGoalsWithinNoise: a p50 goal met on the pooled samples but missed in
// a round is "noise" and counts as not met (bench -check fails on it); met
// in every round it is met.
func TestGoalsWithinNoise(t *testing.T) {
	run := func(roundPy []int64) (string, int) {
		r := &benchResult{
			Summary: map[string]map[string]stats{
				"pysignal": {"same-thread": {P50: 1000, P99: 1000, N: 3}},
				"C floor":  {"same-thread": {P50: 1000, P99: 1000, N: 3}},
			},
			RoundP50: map[string]map[string][]int64{
				"pysignal": {"same-thread": roundPy},
				"C floor":  {"same-thread": {1000, 1000, 1000}},
			},
			Wrapper: map[string]wrapperCost{"read": {100, 100, 100}, "write": {100, 100, 100}, "poll(0)": {100, 100, 100}},
		}
		var n int
		out := stdoutOf(func() { n = r.goals() })
		return out, n
	}
	out, n := run([]int64{1000, 1000, 1000})
	if !strings.Contains(out, "[met   ] same-thread p50 ≤ 1.05× the C floor") || n != 0 {
		t.Errorf("every round within the goal: %d not met\n%s", n, out)
	}
	out, n = run([]int64{900, 1000, 1200})
	if !strings.Contains(out, "[noise ] same-thread p50 ≤ 1.05× the C floor") || n != 1 {
		t.Errorf("one round past the goal: %d not met\n%s", n, out)
	}
}
