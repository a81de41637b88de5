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
	cures := fs.Bool("cures", false, "instead: the naive loop against the three cures (wakeup fd, ppoll's mask, signalfd): windows and cost per signal")
	bound := fs.Duration("bound", sigtest.DefaultBound, "with -all: how late a handler may run")
	verbose := fs.Bool("v", false, "with -all: each exploration's table too")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *all {
		return raceAllCmd(fs, c.peer, *bound, *verbose)
	}
	if *cures {
		return curesCmd(fs, c.peer, *bound, c.trials)
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

// setFlags returns which flags the command line set, and those of them
// that mode (-all or -cures) does not take: each of its own flags is in
// allowed, the mode's flag itself included.
func setFlags(fs *flag.FlagSet, allowed ...string) (set map[string]bool, bad []string) {
	set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if !slices.Contains(allowed, f.Name) {
			bad = append(bad, "-"+f.Name)
		}
	})
	return set, bad
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
// sent; the peer writes after c.peer unless the call ended before. The
// signal may come after the peer's write (an offset beyond -peer, or a
// loaded machine): that is no race hit, and the trial waits for it. It
// returns only once the signal has been sent, delivered and handled, so
// that no SIGUSR1 is in flight when the study puts the disposition back.
func trial(c raceConfig, read func(int, []byte) (int, error), call string, ranAt *atomic.Int64) (sample, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return sample{}, err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	delivered := pysignal.Deliveries(unix.SIGUSR1)
	callDone := make(chan struct{})
	peerWrote := startPeer(c.peer, p[1], delivered, callDone)

	var sentAt atomic.Int64
	offset := time.Duration(rand.Int64N(int64(c.spread)))
	var s *sender
	if c.inject != "" {
		offset = 0
		defer injectAt(c.inject, call, &sentAt)()
	} else {
		s = startSender(offset, &sentAt)
		defer s.cancel() // a trial that fails before its call sends nothing
	}
	ranAt.Store(0)
	if err := pysignal.CheckSignals(); err != nil && !errors.Is(err, errHandler) {
		return sample{}, err
	}
	start := time.Now()
	if s != nil {
		s.start(start) // the last check is done
	}
	for time.Since(start) < c.work { // the program's own work before it blocks
	}
	_, err := read(p[0], make([]byte, 1))
	close(callDone)
	wrote := <-peerWrote
	if err != nil && !errors.Is(err, errHandler) {
		return sample{}, fmt.Errorf("read: %v", err)
	}
	// Without the handler's error the call returned the peer's byte: the
	// signal is still to come, or its handler is pending.
	if err := awaitHandler(s, &sentAt, delivered, err == nil); err != nil {
		return sample{}, err
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

// signalDeadline bounds the wait for a signal sent to arrive: far beyond any
// scheduling delay, so that a signal not there by then was lost.
const signalDeadline = 10 * time.Second

// awaitHandler waits until the trial's signal has been sent and delivered
// and, if its handler has not run yet (pending), runs it. The signal was
// lost only if it is not delivered within signalDeadline of being sent, or
// CheckSignals then does not run its handler.
func awaitHandler(s *sender, sentAt *atomic.Int64, delivered uint64, pending bool) error {
	if s != nil {
		s.wait()
	}
	for pysignal.Deliveries(unix.SIGUSR1) == delivered {
		if time.Since(time.Unix(0, sentAt.Load())) > signalDeadline {
			return fmt.Errorf("the signal was lost: sent, not delivered within %v", signalDeadline)
		}
		runtime.Gosched()
	}
	if !pending {
		return nil
	}
	if err := pysignal.CheckSignals(); !errors.Is(err, errHandler) {
		return fmt.Errorf("the signal was lost: delivered, and CheckSignals returned %v", err)
	}
	return nil
}

// peerWrite is the peer's record: when it wrote, and whether the C handler
// had already run (the flag tripped), the C-level fact a race hit needs.
type peerWrite struct {
	at           int64 // UnixNano; 0 if the call ended before the peer wrote
	trippedFirst bool
}

// startPeer writes a byte to w after peer unless callDone is closed first.
func startPeer(peer time.Duration, w int, delivered uint64, callDone chan struct{}) chan peerWrite {
	wrote := make(chan peerWrite, 1)
	go func() {
		select {
		case <-callDone:
			wrote <- peerWrite{}
		case <-time.After(peer):
			pw := peerWrite{time.Now().UnixNano(), pysignal.Deliveries(unix.SIGUSR1) > delivered}
			unix.Write(w, []byte("x"))
			wrote <- pw
		}
	}()
	return wrote
}

// injectAt sends the signal from the trace hook at the first phase of call,
// and returns the function that removes the hook.
func injectAt(inject, call string, sentAt *atomic.Int64) func() {
	phase := pysignal.PhaseEnter
	if inject == "exit" {
		phase = pysignal.PhaseExit
	}
	fired := false
	return pysignal.SetTraceHook(func(ev pysignal.TraceEvent) {
		if ev.Call == call && ev.Phase == phase && !fired {
			fired = true
			sentAt.Store(time.Now().UnixNano())
			unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
		}
	})
}

// A sender sends SIGUSR1 to the main thread at an offset after the last
// check. It runs on its own thread and spins from before that check, so the
// offset is measured from the check, not from when the Go scheduler got
// round to starting it.
type sender struct {
	at   atomic.Int64  // UnixNano of the last check; -1: cancelled
	done chan struct{} // closed once it has sent, or given up
}

func startSender(offset time.Duration, sentAt *atomic.Int64) *sender {
	s := &sender{done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.done)
		close(ready)
		var t0 int64
		for t0 = s.at.Load(); t0 == 0; t0 = s.at.Load() {
		}
		if t0 < 0 {
			return
		}
		for time.Now().UnixNano()-t0 < int64(offset) { // spin: sleeping is far too coarse
		}
		sentAt.Store(time.Now().UnixNano())
		unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
	}()
	<-ready
	return s
}

// start lets the sender count its offset from t.
func (s *sender) start(t time.Time) { s.at.Store(t.UnixNano()) }

// wait returns once the sender has sent (its tgkill has returned).
func (s *sender) wait() { <-s.done }

// cancel stops a sender not yet started, and waits until it is done.
func (s *sender) cancel() {
	s.at.CompareAndSwap(0, -1)
	<-s.done
}

// restore puts back sig's handler as it was found: the Go runtime's
// (Release: Default would let a late signal kill the program) or one set
// through the package.
func restore(sig unix.Signal, old pysignal.Handler) {
	if old == nil {
		pysignal.Release(sig)
		return
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
