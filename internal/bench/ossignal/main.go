//go:build linux && cgo

// Command ossignal is os/signal's side of `pysig bench`, latency and
// throughput, in a process of its own: a program that does not import
// pysignal (whose init, until issue 23, locked the main goroutine to the
// main thread and slowed the channel hand-offs os/signal depends on). Being
// that program, it is also the "no-import" row of the import-cost
// benchmarks (BenchmarkImportCost, pysig bench).
//
//	same-thread:  a goroutine locked to its thread: t0; tgkill to that
//	              thread; receive from the Notify channel; t1.
//	cross-thread: the shared sender thread (internal/benchsender) notes the
//	              time and kill()s the process; a goroutine blocked on the
//	              channel receives and notes the time. 20 ms apart for
//	              cross_thread_idle.
//	throughput:   the sender child (internal/benchsender's Flood, the one
//	              pysig floods pysignal with) kill()s the process as fast as
//	              it can for DURATION; a goroutine counts the channel
//	              receives (handler runs); the process measures its own CPU
//	              time (getrusage).
//	roundtrips:   internal/bench/roundtrip's channel round trips on the
//	              main goroutine, before anything else (no Notify).
//
// Usage:
//
//	ossignal N IDLE_N             N samples of same_thread and cross_thread,
//	                              IDLE_N of cross_thread_idle: one JSON
//	                              object, latencies in ns, as the C floor
//	                              and the CPython script print
//	ossignal throughput DURATION  one JSON object with pysig bench's
//	                              throughput keys: sent, handler_runs,
//	                              c_deliveries (always 0: os/signal cannot
//	                              see them), cpu_seconds
//	ossignal roundtrips N         N channel round trips on the main
//	                              goroutine after roundtrip.Warmup untimed
//	                              ones: their time in ns, one line
//
// Bad usage exits with status 2. "ossignal flood ..." is the sender child
// the throughput mode starts. Built by the Makefile (build/ossignal_latency);
// run by `pysig bench`.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"time"

	"github.com/pysignal/pysignal/internal/bench/roundtrip"
	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

const sig = unix.SIGUSR1

const usage = `usage: ossignal N IDLE_N             (latency: N >= 1, IDLE_N >= 0)
       ossignal throughput DURATION  (DURATION > 0, e.g. 1s)
       ossignal roundtrips N         (import cost: N >= 1)`

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "flood" {
		os.Exit(benchsender.FloodMain(args[1:]))
	}
	if len(args) > 0 && args[0] == "roundtrips" {
		if len(args) != 2 {
			usageError("roundtrips: want one N, have %d arguments", len(args)-1)
		}
		n, err := roundtrip.ParseN(args[1])
		if err != nil {
			usageError("roundtrips: %v", err)
		}
		roundtrip.Print(n)
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	var out any
	var err error
	if len(args) > 0 && args[0] == "throughput" {
		if len(args) != 2 {
			usageError("throughput: want one DURATION, have %d arguments", len(args)-1)
		}
		dur, perr := time.ParseDuration(args[1])
		if perr != nil || dur <= 0 {
			usageError("throughput: DURATION %q is not a positive duration", args[1])
		}
		out, err = throughput(ch, dur)
	} else {
		if len(args) != 2 {
			usageError("want 2 arguments, have %d", len(args))
		}
		n, err1 := strconv.Atoi(args[0])
		idleN, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil || n < 1 || idleN < 0 {
			usageError("N %q, IDLE_N %q: want integers, N >= 1 and IDLE_N >= 0", args[0], args[1])
		}
		out, err = latency(ch, n, idleN)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ossignal:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func usageError(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ossignal: %s\n%s\n", fmt.Sprintf(format, args...), usage)
	os.Exit(2)
}

func latency(ch chan os.Signal, n, idleN int) (map[string][]int64, error) {
	out := map[string][]int64{}
	var err error
	if out["same_thread"], err = sameThread(ch, n); err == nil {
		if out["cross_thread"], err = crossThread(ch, n, 200*time.Microsecond); err == nil {
			out["cross_thread_idle"], err = crossThread(ch, idleN, 20*time.Millisecond)
		}
	}
	return out, err
}

// throughput counts the channel receives while the sender child floods the
// process, and a last one for the signals still in flight when it ends.
func throughput(ch chan os.Signal, dur time.Duration) (benchsender.Throughput, error) {
	var runs int64
	t, err := benchsender.Flood(sig, dur, func(done <-chan struct{}) {
		for {
			select {
			case <-ch:
				runs++
			case <-done:
				time.Sleep(10 * time.Millisecond) // the last signals in flight
				select {
				case <-ch:
					runs++
				default:
				}
				return
			}
		}
	})
	t.Runs = runs
	return t, err
}

var errLate = errors.New("os/signal did not deliver within 10s")

func receive(ch chan os.Signal) error {
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return errLate
	}
}

func sameThread(ch chan os.Signal, n int) ([]int64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := unix.Getpid(), unix.Gettid()
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := unix.Tgkill(pid, tid, sig); err != nil {
			return nil, err
		}
		if err := receive(ch); err != nil {
			return nil, err
		}
		out = append(out, int64(time.Since(t0)))
	}
	return out, nil
}

func crossThread(ch chan os.Signal, n int, pace time.Duration) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	if err := benchsender.Start(n, sig, pace); err != nil {
		return nil, err
	}
	defer benchsender.Stop()
	for i := 0; i < n; i++ {
		if err := receive(ch); err != nil {
			return nil, err
		}
		out = append(out, time.Now().UnixNano()-benchsender.SentAt())
		benchsender.Ack()
	}
	return out, nil
}
