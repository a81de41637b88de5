// Package roundtrip is the loop the import-cost benchmarks time: channel
// round trips between the calling goroutine and a helper goroutine. Every
// program compared runs this same code on its main goroutine: the os/signal
// program (internal/bench/ossignal), which does not import pysignal, the
// root package's test binary and pysig, which do. It imports nothing of the
// module.
package roundtrip

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"
)

// Warmup is how many untimed round trips come first: the helper goroutine
// started and parked once, the channels' first operations done.
const Warmup = 1000

// Chunks is how many parts Time splits its round trips into.
const Chunks = 21

// Time makes Warmup untimed round trips with a helper goroutine, then n
// timed ones (send, then wait for the reply) in Chunks consecutive parts
// (fewer if n < Chunks), and returns n times the median part's time per
// round trip: what n round trips cost, with the parts during which a
// shared machine's other processes took the CPUs away weighing no more
// than one part each.
func Time(n int) time.Duration {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	defer close(ping)
	trips := func(n int) {
		for range n {
			ping <- struct{}{}
			<-pong
		}
	}
	trips(Warmup)
	parts := min(n, Chunks)
	perTrip := make([]float64, parts)
	for i := range parts {
		k := n/parts + btoi(i < n%parts) // the parts' sizes add up to n
		start := time.Now()
		trips(k)
		perTrip[i] = float64(time.Since(start)) / float64(k)
	}
	slices.Sort(perTrip)
	return time.Duration(perTrip[parts/2] * float64(n))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ParseN reads a count of round trips from the command line: an integer of
// at least 1.
func ParseN(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("count %q: want an integer >= 1", s)
	}
	return n, nil
}

// Print writes Time(n) in nanoseconds on a line of its own, the one thing
// a child that measures prints.
func Print(n int) {
	fmt.Fprintln(os.Stdout, Time(n).Nanoseconds())
}

// Parse reads what Print wrote.
func Parse(out []byte) (time.Duration, error) {
	s := string(out)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ns <= 0 {
		return 0, fmt.Errorf("want a positive count of nanoseconds, have %q", out)
	}
	return time.Duration(ns), nil
}
