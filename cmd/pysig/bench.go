//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

// The signals the benchmark uses: pysignal owns one, os/signal the other, so
// neither sees the other's traffic.
const (
	pySig = unix.SIGUSR1
	osSig = unix.SIGUSR2
)

// pace separates cross-thread samples, so each is independent; idlePace is
// long enough for the Go runtime to take an idle thread's P away (10 ms), as
// before a real Ctrl-C.
const (
	pace     = 200 * time.Microsecond
	idlePace = 20 * time.Millisecond
)

type latencies map[string][]int64 // scenario -> samples in ns

type benchResult struct {
	Machine    string                        `json:"machine"`
	Samples    int                           `json:"samples"`
	Rounds     int                           `json:"rounds"`
	Latency    map[string]latencies          `json:"-"` // impl -> scenario -> samples
	Summary    map[string]map[string]stats   `json:"latency"`
	RoundP50   map[string]map[string][]int64 `json:"latency_p50_per_round_ns"`
	Throughput map[string]throughput         `json:"throughput"`
	IdleNs     float64                       `json:"check_signals_idle_ns"`
	IdleAllocs int64                         `json:"check_signals_idle_allocs"`
	Wrapper    map[string]wrapperCost        `json:"wrapper_overhead"`
	ImportN    int                           `json:"import_cost_round_trips"`
	ImportCost map[string][]float64          `json:"import_cost_round_trip_ns_per_round"` // row -> ns per round trip, one per round
	Notes      []string                      `json:"notes"`
}

// wrapperCost is one wrapper's overhead run: the raw x/sys call, the
// wrapper, then the raw call again (its A/A noise), median ns per call.
type wrapperCost struct {
	Raw      float64 `json:"raw_ns"`
	Wrapped  float64 `json:"wrapped_ns"`
	RawAgain float64 `json:"raw_again_ns"`
}

// throughput is one implementation's throughput run, measured in its own
// process (see pyFlood and osFlood).
type throughput = benchsender.Throughput

// benchConfig is pysig bench's command line.
type benchConfig struct {
	n, idleN, rounds, importN                int
	dur                                      time.Duration
	jsonOut, csvOut, benchstatOut            string
	check                                    bool
	python, script, floor, osProg, senderLib string
}

func benchFlags(fs *flag.FlagSet) *benchConfig {
	c := &benchConfig{}
	fs.IntVar(&c.n, "n", 10000, "latency samples per scenario and implementation")
	fs.IntVar(&c.idleN, "idle-n", 200, "samples of the cross-thread-idle scenario (20 ms apart)")
	fs.DurationVar(&c.dur, "for", time.Second, "how long the throughput child sends signals")
	fs.StringVar(&c.jsonOut, "json", "", "write the results as JSON to this file")
	fs.StringVar(&c.csvOut, "csv", "", "write the raw latency samples to this CSV file")
	fs.StringVar(&c.benchstatOut, "benchstat", "", "write the results in Go's benchmark format, for benchstat, to this file")
	fs.BoolVar(&c.check, "check", false, "exit 1 if a goal is missed, or cannot be told from this run's noise")
	fs.StringVar(&c.python, "python", "python3", "CPython to compare with (skipped if not found)")
	fs.StringVar(&c.script, "cpython-script", "internal/bench/cpython_latency.py", "the CPython side of the benchmark (else pysig's embedded copy)")
	fs.StringVar(&c.floor, "floor", "build/latency_floor", "the C floor program (make bench builds it; else built with $CC from pysig's embedded source)")
	fs.StringVar(&c.osProg, "ossignal", "build/ossignal_latency", "the os/signal program (make bench builds it)")
	fs.StringVar(&c.senderLib, "sender-lib", "build/libbenchsender.so", "the shared sender as a library, for CPython (make bench builds it; else built with $CC from pysig's embedded source)")
	fs.IntVar(&c.importN, "import-n", 100000, "channel round trips per import-cost child, each row and round in a process of its own")
	fs.IntVar(&c.rounds, "rounds", 5, "latency rounds, each running every implementation back to back on its share of the samples, so that the machine's drift hits all alike")
	return c
}

func benchCmd(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	c := benchFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if c.n < 100 || c.idleN < 0 || c.dur <= 0 || c.rounds < 1 || c.n/c.rounds < 20 || c.importN < 1 {
		return usageError(fs, "-n must be at least 100, -idle-n at least 0, -for positive, -rounds at least 1 with at least 20 samples per round, -import-n at least 1")
	}
	if code, ok := checkOutputs(fs, map[string]string{"json": c.jsonOut, "csv": c.csvOut, "benchstat": c.benchstatOut}); !ok {
		return code
	}
	progs, err := prepareBenchProgs(fs, c.floor, c.senderLib, c.script, c.osProg)
	if progs != nil {
		defer progs.cleanup()
	}
	if err != nil {
		return usageError(fs, "%v", err)
	}
	for _, note := range progs.notes {
		fmt.Fprintln(os.Stderr, "pysig bench:", note)
	}
	c.floor, c.senderLib, c.script, c.osProg = progs.floor, progs.senderLib, progs.script, progs.osProg
	r := &benchResult{Samples: c.n / c.rounds * c.rounds, Rounds: c.rounds, RoundP50: map[string]map[string][]int64{},
		Latency: map[string]latencies{}, Throughput: map[string]throughput{}, Wrapper: map[string]wrapperCost{}}
	r.Machine = machine()
	r.Notes = append(r.Notes, progs.notes...)
	if err := runSteps("", r.steps(c)); err != nil {
		fmt.Fprintf(os.Stderr, "\npysig bench: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "\r%50s\r", "")
	r.summarise()
	notMet := r.print()
	if err := r.write(c); err != nil {
		fmt.Fprintln(os.Stderr, "pysig bench:", err)
		return 1
	}
	if c.check && notMet > 0 {
		fmt.Fprintf(os.Stderr, "pysig bench: -check: %d goal(s) not met\n", notMet)
		return 1
	}
	return 0
}

// A benchStep is one measurement of the run.
type benchStep struct {
	what string
	run  func() error
}

// runSteps runs steps in order, showing progress, and stops at the first
// error.
func runSteps(prefix string, steps []benchStep) error {
	for i, s := range steps {
		if prefix != "" {
			fmt.Fprintf(os.Stderr, "\r[%s] %-30s", prefix, s.what)
		} else {
			fmt.Fprintf(os.Stderr, "\r[%d/%d] %-28s", i+1, len(steps), s.what)
		}
		if err := s.run(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// steps are the run's measurements: the latency rounds, throughput, the
// idle check, the wrappers' overhead, the import cost's rounds.
func (r *benchResult) steps(c *benchConfig) []benchStep {
	return []benchStep{
		{"latency", func() error {
			for round := 1; round <= c.rounds; round++ {
				prefix := fmt.Sprintf("latency round %d/%d", round, c.rounds)
				if err := runSteps(prefix, r.latencyRound(c)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"pysignal throughput", func() error { return r.pyFlood(c.dur) }},
		{"os/signal throughput", func() error { return r.osFlood(c.osProg, c.dur) }},
		{"idle CheckSignals", func() error { r.idle(); return nil }},
		{"wrapper overhead", func() error { r.wrappers(); return nil }},
		{"import cost", func() error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			return r.importCost(c.osProg, self, c.importN, c.rounds)
		}},
	}
}

// latencyRound is one round: every implementation back to back, each on
// its share of the samples.
func (r *benchResult) latencyRound(c *benchConfig) []benchStep {
	per, idlePer := c.n/c.rounds, c.idleN/c.rounds
	return []benchStep{
		{"pysignal same-thread", func() error { return r.record("pysignal", "same-thread")(pySameThread(per)) }},
		{"pysignal cross-thread", func() error { return r.record("pysignal", "cross-thread")(pyCrossThread(per, pace)) }},
		{"pysignal cross-thread, Main", func() error { return r.record("pysignal", "cross-thread, Main")(pyMainIdle(per, pace)) }},
		{"pysignal cross-thread-idle", func() error { return r.record("pysignal", "cross-thread-idle")(pyCrossThread(idlePer, idlePace)) }},
		{"os/signal", func() error { return r.external("os/signal", c.osProg, "", per, idlePer) }},
		{"CPython", func() error { return r.external("CPython", c.python, c.script, per, idlePer, c.senderLib) }},
		{"C floor", func() error { return r.external("C floor", c.floor, "", per, idlePer) }},
	}
}

// write writes the files the command line asked for.
func (r *benchResult) write(c *benchConfig) error {
	for _, out := range []struct {
		path  string
		write func(string, *benchResult) error
	}{{c.jsonOut, writeJSON}, {c.csvOut, writeLatencyCSV}, {c.benchstatOut, writeBenchstat}} {
		if out.path != "" {
			if err := out.write(out.path, r); err != nil {
				return err
			}
		}
	}
	return nil
}
