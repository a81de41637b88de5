//go:build linux && cgo

package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// errHandler is what the study's SIGUSR1 handler returns: a call that sees
// the signal in time ends with it at once.
var errHandler = errors.New("handler ran")

// sample is one trial of one loop.
type sample struct {
	loop   string        // "naive" or "wakeup"
	trial  int           // trial number
	offset time.Duration // when the signal was sent, after the trial's last check
	hit    bool          // tripped before the peer's write, handled only after it
	delay  time.Duration // from sending the signal to the handler running
}

type raceConfig struct {
	trials int
	inject string        // "" (timed sender), or a phase: enter, exit
	spread time.Duration // offsets are uniform in [0, spread)
	work   time.Duration // busy work between the last check and the call
	peer   time.Duration // the peer ends a blocked call after this
	csv    string
}

func raceCmd(args []string) int {
	fs := flag.NewFlagSet("race", flag.ContinueOnError)
	var c raceConfig
	fs.IntVar(&c.trials, "n", 300, "trials per loop")
	fs.StringVar(&c.inject, "inject", "", "inject at a fixed phase through the trace hook instead: enter or exit")
	fs.DurationVar(&c.spread, "spread", 200*time.Microsecond, "send the signal at a random offset in [0, spread) after the last check")
	fs.DurationVar(&c.work, "work", 50*time.Microsecond, "busy work between the last check and the call (the window a program leaves open)")
	fs.DurationVar(&c.peer, "peer", 10*time.Millisecond, "a blocked call is ended by the peer's write after this (with -all: 50ms unless set)")
	fs.StringVar(&c.csv, "csv", "", "write the raw samples to this CSV file")
	all := fs.Bool("all", false, "instead: explore every wrapper with sigtest, naive and through a Wakeup, as one table")
	bound := fs.Duration("bound", sigtest.DefaultBound, "with -all: how late a handler may run")
	verbose := fs.Bool("v", false, "with -all: each exploration's table too")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *all {
		return raceAllCmd(fs, c.peer, *bound, *verbose)
	}
	if c.trials < 1 || c.spread <= 0 || c.peer <= 0 || c.work < 0 {
		return usageError(fs, "-n, -spread and -peer must be positive, -work not negative")
	}
	if c.inject != "" && c.inject != "enter" && c.inject != "exit" {
		return usageError(fs, "-inject %q: want enter or exit", c.inject)
	}
	if code, ok := checkOutputs(fs, map[string]string{"csv": c.csv}); !ok {
		return code
	}
	var samples []sample
	var err error
	pysignal.Call(func() { samples, err = runRace(c) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "pysig race:", err)
		return 1
	}
	printRace(c, samples)
	if c.csv != "" {
		if err := writeCSV(c.csv, samples); err != nil {
			fmt.Fprintln(os.Stderr, "pysig race:", err)
			return 1
		}
		fmt.Printf("raw samples written to %s\n", c.csv)
	}
	return 0
}

// runRace runs every trial on the main thread.
func runRace(c raceConfig) ([]sample, error) {
	var ranAt atomic.Int64 // when the handler last ran (UnixNano)
	old, err := pysignal.Signal(unix.SIGUSR1, pysignal.HandlerFunc(func(unix.Signal) error {
		ranAt.Store(time.Now().UnixNano())
		return errHandler
	}))
	if err != nil {
		return nil, err
	}
	defer restore(unix.SIGUSR1, old)
	wk, err := pysignal.OpenWakeup()
	if err != nil {
		return nil, err
	}
	defer wk.Close()

	var samples []sample
	for _, loop := range []string{"naive", "wakeup"} {
		read := pysignal.Read
		call := "read"
		if loop == "wakeup" {
			read, call = wk.Read, "poll"
		}
		for i := 0; i < c.trials; i++ {
			fmt.Fprintf(os.Stderr, "\r%-6s trial %d/%d", loop, i+1, c.trials)
			s, err := trial(c, read, call, &ranAt)
			if err != nil {
				return nil, err
			}
			s.loop, s.trial = loop, i
			samples = append(samples, s)
			wk.Signals()
		}
	}
	fmt.Fprintf(os.Stderr, "\r%40s\r", "")
	return samples, nil
}

// trial: last check, then the call on an empty pipe while the signal is
// sent; the peer writes after c.peer unless the call ended before.
func trial(c raceConfig, read func(int, []byte) (int, error), call string, ranAt *atomic.Int64) (sample, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return sample{}, err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	// The peer notes, as it writes, whether the C handler has already run
	// (the flag is tripped): that is the C-level fact a race hit needs.
	type write struct {
		at           int64 // UnixNano; 0 if the call ended before the peer wrote
		trippedFirst bool
	}
	delivered := pysignal.Deliveries(unix.SIGUSR1)
	callDone := make(chan struct{})
	peerWrote := make(chan write, 1)
	go func() {
		select {
		case <-callDone:
			peerWrote <- write{}
		case <-time.After(c.peer):
			w := write{time.Now().UnixNano(), pysignal.Deliveries(unix.SIGUSR1) > delivered}
			unix.Write(p[1], []byte("x"))
			peerWrote <- w
		}
	}()

	var sentAt atomic.Int64
	offset := time.Duration(rand.Int64N(int64(c.spread)))
	if c.inject != "" {
		phase := pysignal.PhaseEnter
		if c.inject == "exit" {
			phase = pysignal.PhaseExit
		}
		fired := false
		restore := pysignal.SetTraceHook(func(ev pysignal.TraceEvent) {
			if ev.Call == call && ev.Phase == phase && !fired {
				fired = true
				sentAt.Store(time.Now().UnixNano())
				unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
			}
		})
		defer restore()
		offset = 0
	}

	// A timed sender runs on its own thread and spins from before the last
	// check, so its offset is measured from that check, not from when the Go
	// scheduler got round to starting it.
	var startAt atomic.Int64
	if c.inject == "" {
		ready := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			close(ready)
			var t0 int64
			for t0 = startAt.Load(); t0 == 0; t0 = startAt.Load() {
			}
			for time.Now().UnixNano()-t0 < int64(offset) { // spin: sleeping is far too coarse
			}
			sentAt.Store(time.Now().UnixNano())
			unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
		}()
		<-ready
	}
	ranAt.Store(0)
	if err := pysignal.CheckSignals(); err != nil && !errors.Is(err, errHandler) {
		return sample{}, err
	}
	start := time.Now()
	startAt.Store(start.UnixNano())  // the last check is done
	for time.Since(start) < c.work { // the program's own work before it blocks
	}
	_, err := read(p[0], make([]byte, 1))
	close(callDone)
	wrote := <-peerWrote
	if !errors.Is(err, errHandler) {
		if err != nil {
			return sample{}, fmt.Errorf("read: %v", err)
		}
		// The call returned the peer's byte: the handler is still pending.
		if err := pysignal.CheckSignals(); !errors.Is(err, errHandler) {
			return sample{}, fmt.Errorf("the signal was lost: CheckSignals returned %v", err)
		}
	}
	for sentAt.Load() == 0 { // the sender may still be on its way out of tgkill
		runtime.Gosched()
	}
	// A race hit: the C handler had tripped the flag before the peer's
	// write, and yet the Go handler ran only after it: the call sat blocked
	// with a handler pending until the peer ended it.
	sent, ran := sentAt.Load(), ranAt.Load()
	return sample{
		offset: offset,
		hit:    wrote.trippedFirst && ran > wrote.at,
		delay:  time.Duration(ran - sent),
	}, nil
}

func restore(sig unix.Signal, old pysignal.Handler) {
	if old == nil { // was the Go runtime's: Default is the closest we can offer here
		old = pysignal.Default
	}
	pysignal.Signal(sig, old)
}

func printRace(c raceConfig, samples []sample) {
	how := fmt.Sprintf("signal sent from another thread at a random offset in [0, %v) after the last\nCheckSignals, which is followed by %v of work before the call", c.spread, c.work)
	if c.inject != "" {
		how = "signal injected at phase " + c.inject + " through the trace hook"
	}
	fmt.Printf("pysig race: %d trials per loop, %s;\n", c.trials, how)
	fmt.Printf("a blocked call is ended by the peer's write after %v.\n\n", c.peer)
	fmt.Printf("%-8s %7s %9s %9s %12s %12s %12s\n", "loop", "trials", "race hits", "hit rate", "delay p50", "delay p99", "delay max")
	for _, loop := range []string{"naive", "wakeup"} {
		var delays []time.Duration
		hits := 0
		for _, s := range samples {
			if s.loop == loop {
				delays = append(delays, s.delay)
				if s.hit {
					hits++
				}
			}
		}
		slices.Sort(delays)
		fmt.Printf("%-8s %7d %9d %8.1f%% %12v %12v %12v\n", loop, len(delays), hits,
			100*float64(hits)/float64(len(delays)), percentile(delays, 50).Round(100*time.Nanosecond), percentile(delays, 99).Round(100*time.Nanosecond), delays[len(delays)-1])
	}
	fmt.Println()
	for _, loop := range []string{"naive", "wakeup"} {
		var delays []time.Duration
		for _, s := range samples {
			if s.loop == loop {
				delays = append(delays, s.delay)
			}
		}
		fmt.Printf("handler delay, %s loop:\n%s\n", loop, histogram(delays))
	}
}

func writeCSV(path string, samples []sample) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"loop", "trial", "offset_ns", "race_hit", "handler_delay_ns"})
	for _, s := range samples {
		w.Write([]string{s.loop, strconv.Itoa(s.trial), strconv.FormatInt(int64(s.offset), 10),
			strconv.FormatBool(s.hit), strconv.FormatInt(int64(s.delay), 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
