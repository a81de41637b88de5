//go:build linux && cgo

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

// record returns a function that stores a scenario's samples, or passes on
// the error that measuring them gave.
func (r *benchResult) record(impl, scenario string) func([]int64, error) error {
	return func(samples []int64, err error) error { return r.add(impl, scenario, samples, err) }
}

func (r *benchResult) add(impl, scenario string, samples []int64, err error) error {
	if err != nil {
		return err
	}
	if len(samples) == 0 {
		return nil
	}
	if r.Latency[impl] == nil {
		r.Latency[impl] = latencies{}
		r.RoundP50[impl] = map[string][]int64{}
	}
	r.Latency[impl][scenario] = append(r.Latency[impl][scenario], samples...)
	r.RoundP50[impl][scenario] = append(r.RoundP50[impl][scenario], summarize(samples).P50)
	return nil
}

var errGot = errors.New("sample taken")

// pySameThread measures pysignal on the main thread: t0; RaiseSignal (one
// raw tgkill to itself, then CheckSignals runs the Go handler); t1: the
// handler has run and control is back, the end point of every
// implementation.
func pySameThread(n int) ([]int64, error) {
	out := make([]int64, 0, n)
	runs := 0
	var err error
	pysignal.Call(func() {
		var old pysignal.Handler
		if old, err = pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error { runs++; return nil })); err != nil {
			return
		}
		defer restore(pySig, old)
		for i := 0; i < n; i++ {
			before := runs
			t0 := time.Now()
			if err = pysignal.RaiseSignal(pySig); err != nil {
				return
			}
			d := time.Since(t0)
			if runs == before {
				err = errors.New("the handler had not run when RaiseSignal returned")
				return
			}
			out = append(out, int64(d))
		}
	})
	return out, err
}

// pyMainIdle is the cross-thread scenario with the main thread idle in
// Main's loop (asleep on its eventfd) rather than in Wakeup.Wait: the
// handler Main runs notes the time, as its last act, and lets the sender go
// on. This goroutine only waits for the last sample.
func pyMainIdle(n int, pace time.Duration) ([]int64, error) {
	out := make([]int64, 0, n)
	done := make(chan struct{})
	var old pysignal.Handler
	var err error
	pysignal.Call(func() {
		old, err = pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error {
			out = append(out, time.Now().UnixNano()-benchsender.SentAt())
			if len(out) == n {
				close(done)
			}
			benchsender.Ack()
			return nil
		}))
	})
	if err != nil {
		return nil, err
	}
	defer pysignal.Call(func() { restore(pySig, old) })
	if err := benchsender.Start(n, pySig, pace); err != nil {
		return nil, err
	}
	defer benchsender.Stop()
	select {
	case <-done:
	case <-time.After(time.Duration(n)*pace + 30*time.Second):
		return nil, errors.New("the handlers run by Main did not all run within the deadline")
	}
	var res []int64
	pysignal.Call(func() { res = slices.Clone(out) }) // out belongs to the main thread
	return res, nil
}

// pyCrossThread measures pysignal across threads: the shared sender thread
// (internal/benchsender) notes the time and kill()s the process while the
// main thread waits in Wakeup.Wait; the Go handler ends the wait, and the
// time is noted when Wait has returned.
func pyCrossThread(n int, pace time.Duration) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	var err error
	pysignal.Call(func() {
		var old pysignal.Handler
		if old, err = pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error { return errGot })); err != nil {
			return
		}
		defer restore(pySig, old)
		var wk *pysignal.Wakeup
		if wk, err = pysignal.OpenWakeup(); err != nil {
			return
		}
		defer wk.Close()
		if err = benchsender.Start(n, pySig, pace); err != nil {
			return
		}
		defer benchsender.Stop()
		for i := 0; i < n; i++ {
			if _, err = wk.Wait(-1, 0, 10*time.Second); err != errGot {
				err = fmt.Errorf("wait %d: %v", i, err)
				return
			}
			out = append(out, time.Now().UnixNano()-benchsender.SentAt())
			err = nil
			wk.Signals()
			benchsender.Ack()
		}
	})
	return out, err
}

// external runs a program of another implementation: the os/signal
// program, the C floor, or python running the CPython script (prog is then
// the interpreter, script the script, and extra its further arguments). Each
// takes N and IDLE_N and prints {"same_thread": [...], "cross_thread":
// [...], "cross_thread_idle": [...]}. A missing one is noted and skipped.
func (r *benchResult) external(impl, prog, script string, n, idleN int, extra ...string) error {
	if prog == "" || slices.Contains(extra, "") {
		return nil // skipped: prepareBenchProgs said why
	}
	var args []string
	need := []string{prog}
	if script != "" {
		args = append(args, script)
		need = []string{script}
		if _, err := exec.LookPath(prog); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s skipped: %s not found", impl, prog))
			return nil
		}
	}
	args = append(args, strconv.Itoa(n), strconv.Itoa(idleN))
	args = append(args, extra...)
	for _, f := range append(need, extra...) {
		if _, err := os.Stat(f); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s skipped: %s not found (run from the repository; make bench builds it)", impl, f))
			return nil
		}
	}
	cmd := exec.Command(prog, args...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v", filepath.Base(prog), err)
	}
	var v struct {
		Same    []int64 `json:"same_thread"`
		Cross   []int64 `json:"cross_thread"`
		Idle    []int64 `json:"cross_thread_idle"`
		Version string  `json:"version"`
	}
	if err := json.Unmarshal(outb, &v); err != nil {
		return fmt.Errorf("%s printed something else than JSON: %v", filepath.Base(prog), err)
	}
	if v.Version != "" && !slices.Contains(r.Notes, "CPython "+v.Version) { // once, not once per round
		r.Notes = append(r.Notes, "CPython "+v.Version)
	}
	r.add(impl, "same-thread", v.Same, nil)
	r.add(impl, "cross-thread-idle", v.Idle, nil)
	return r.add(impl, "cross-thread", v.Cross, nil)
}

// Throughput: a child process (benchsender.Flood) sends signals as fast as
// it can for dur; the receiver counts handler runs (and, for pysignal,
// C-level deliveries) and the CPU time of its own process. Each
// implementation runs in its own process, flooded by the same child:
// pysignal here (pyFlood), os/signal in the os/signal program (osFlood),
// since pysignal's init slows os/signal's channel hand-offs.

// osFlood runs the os/signal program's throughput mode ("throughput
// DURATION"), which prints the throughput fields as JSON. A missing program
// is skipped: prepareBenchProgs said why.
func (r *benchResult) osFlood(prog string, dur time.Duration) error {
	if prog == "" {
		return nil
	}
	cmd := exec.Command(prog, "throughput", dur.String())
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v", filepath.Base(prog), err)
	}
	var t throughput
	if err := json.Unmarshal(outb, &t); err != nil {
		return fmt.Errorf("%s printed something else than JSON: %v", filepath.Base(prog), err)
	}
	r.Throughput["os/signal"] = t
	return nil
}

// pyFlood measures pysignal's throughput: the main thread waits in
// Wakeup.Wait, which runs the handler for each batch of signals.
func (r *benchResult) pyFlood(dur time.Duration) error {
	var runs int64
	var t throughput
	var delivered uint64
	var err error
	pysignal.Call(func() {
		old, e := pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error { runs++; return nil }))
		if e != nil {
			err = e
			return
		}
		defer restore(pySig, old)
		wk, e := pysignal.OpenWakeup()
		if e != nil {
			err = e
			return
		}
		defer wk.Close()
		d0 := pysignal.Deliveries(pySig)
		t, err = benchsender.Flood(pySig, dur, func(done <-chan struct{}) {
			for {
				select {
				case <-done:
					wk.Sleep(10 * time.Millisecond) // the last signals in flight
					return
				default:
				}
				wk.Wait(-1, 0, 5*time.Millisecond)
			}
		})
		delivered = pysignal.Deliveries(pySig) - d0
	})
	if err != nil {
		return err
	}
	t.Runs, t.Deliveries = runs, int64(delivered)
	r.Throughput["pysignal"] = t
	return nil
}

func (r *benchResult) idle() {
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			pysignal.CheckSignals()
		}
	})
	r.IdleNs = float64(res.T.Nanoseconds()) / float64(res.N)
	r.IdleAllocs = res.AllocsPerOp()
}

// wrappers times raw and wrapped calls in alternating rounds and keeps the
// median of each, so machine drift hits both alike.
func (r *benchResult) wrappers() {
	var p [2]int
	unix.Pipe2(p[:], unix.O_CLOEXEC)
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	one, buf := []byte{1}, make([]byte, 1)
	fds := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
	type pair struct {
		name     string
		raw, wrp func()
	}
	pairs := []pair{
		{"read", func() { unix.Write(p[1], one); unix.Read(p[0], buf) }, func() { unix.Write(p[1], one); pysignal.Read(p[0], buf) }},
		{"write", func() { unix.Write(p[1], one); unix.Read(p[0], buf) }, func() { pysignal.Write(p[1], one); unix.Read(p[0], buf) }},
		{"poll(0)", func() { unix.Write(p[1], one); unix.Poll(fds, 0); unix.Read(p[0], buf) }, func() { unix.Write(p[1], one); pysignal.Poll(fds, 0); unix.Read(p[0], buf) }},
	}
	for _, pr := range pairs {
		// raw, wrapped, and raw again: the raw/raw difference is this
		// machine's noise, measured the same way in the same run.
		var v [3][]float64
		for round := 0; round < 7; round++ {
			for k, f := range []func(){pr.raw, pr.wrp, pr.raw} {
				res := testing.Benchmark(func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						f()
					}
				})
				v[k] = append(v[k], float64(res.T.Nanoseconds())/float64(res.N))
			}
		}
		for k := range v {
			slices.Sort(v[k])
		}
		r.Wrapper[pr.name] = wrapperCost{v[0][3], v[1][3], v[2][3]}
	}
}
