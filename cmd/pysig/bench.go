//go:build linux && cgo

package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// The signals the benchmark uses: pysignal owns one, os/signal the other, so
// neither sees the other's traffic.
const (
	pySig = unix.SIGUSR1
	osSig = unix.SIGUSR2
)

// pace separates cross-thread samples, so each is independent.
const pace = 200 * time.Microsecond

type latencies map[string][]int64 // scenario -> samples in ns

type benchResult struct {
	Machine    string                   `json:"machine"`
	Samples    int                      `json:"samples"`
	Latency    map[string]latencies     `json:"-"` // impl -> scenario -> samples
	Summary    map[string]map[string]pc `json:"latency"`
	Throughput map[string]throughput    `json:"throughput"`
	IdleNs     float64                  `json:"check_signals_idle_ns"`
	IdleAllocs int64                    `json:"check_signals_idle_allocs"`
	Wrapper    map[string][3]float64    `json:"wrapper_ns_raw_wrapped_rawagain"`
	Notes      []string                 `json:"notes"`
}

type pc struct{ P50, P90, P99, Max, N int64 }

type throughput struct {
	Sent       int64   `json:"sent"`
	Runs       int64   `json:"handler_runs"`
	Deliveries int64   `json:"c_deliveries"`
	CPU        float64 `json:"cpu_seconds"`
}

func benchCmd(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	n := fs.Int("n", 10000, "latency samples per scenario and implementation")
	dur := fs.Duration("for", time.Second, "how long the throughput child sends signals")
	jsonOut := fs.String("json", "", "write the results as JSON to this file")
	csvOut := fs.String("csv", "", "write the raw latency samples to this CSV file")
	python := fs.String("python", "python3", "CPython to compare with (skipped if not found)")
	script := fs.String("cpython-script", "bench/cpython_latency.py", "the CPython side of the benchmark")
	floor := fs.String("floor", "build/latency_floor", "the C floor program (make builds it)")
	fs.Parse(args)
	if *n < 100 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "pysig bench: -n must be at least 100 and -for positive")
		return 2
	}
	r := &benchResult{Samples: *n, Latency: map[string]latencies{}, Throughput: map[string]throughput{}, Wrapper: map[string][3]float64{}}
	r.Machine = machine()
	steps := []struct {
		what string
		run  func() error
	}{
		{"pysignal same-thread", func() error { return r.record("pysignal", "same-thread")(pyLatency(*n, false)) }},
		{"os/signal same-thread", func() error { return r.record("os/signal", "same-thread")(osLatency(*n, false)) }},
		{"pysignal cross-thread", func() error { return r.record("pysignal", "cross-thread")(pyLatency(*n, true)) }},
		{"os/signal cross-thread", func() error { return r.record("os/signal", "cross-thread")(osLatency(*n, true)) }},
		{"CPython", func() error { return r.external("CPython", *python, *script, *n) }},
		{"C floor", func() error { return r.external("C floor", "", *floor, *n) }},
		{"pysignal throughput", func() error { return r.flood("pysignal", *dur) }},
		{"os/signal throughput", func() error { return r.flood("os/signal", *dur) }},
		{"idle CheckSignals", func() error { r.idle(); return nil }},
		{"wrapper overhead", func() error { r.wrappers(); return nil }},
	}
	for i, s := range steps {
		fmt.Fprintf(os.Stderr, "\r[%d/%d] %-28s", i+1, len(steps), s.what)
		if err := s.run(); err != nil {
			fmt.Fprintf(os.Stderr, "\npysig bench: %s: %v\n", s.what, err)
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "\r%50s\r", "")
	r.summarise()
	r.print()
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, r); err != nil {
			fmt.Fprintln(os.Stderr, "pysig bench:", err)
			return 1
		}
	}
	if *csvOut != "" {
		if err := writeLatencyCSV(*csvOut, r); err != nil {
			fmt.Fprintln(os.Stderr, "pysig bench:", err)
			return 1
		}
	}
	return 0
}

// record returns a function that stores a scenario's samples, or passes on
// the error that measuring them gave.
func (r *benchResult) record(impl, scenario string) func([]int64, error) error {
	return func(samples []int64, err error) error { return r.add(impl, scenario, samples, err) }
}

func (r *benchResult) add(impl, scenario string, samples []int64, err error) error {
	if err != nil {
		return err
	}
	if r.Latency[impl] == nil {
		r.Latency[impl] = latencies{}
	}
	r.Latency[impl][scenario] = samples
	return nil
}

var errGot = errors.New("sample taken")

// pyLatency measures pysignal. Same-thread: on the main thread, RaiseSignal
// (tgkill to itself, then CheckSignals) until the Go handler notes the time.
// Cross-thread: the sender thread does kill(getpid()) while the main thread
// waits in Wakeup.Wait; the Go handler notes the time.
func pyLatency(n int, cross bool) ([]int64, error) {
	out := make([]int64, 0, n)
	var ranAt time.Time
	var err error
	pysignal.Call(func() {
		var old pysignal.Handler
		old, err = pysignal.Signal(pySig, pysignal.HandlerFunc(func(unix.Signal) error {
			ranAt = time.Now()
			if cross {
				return errGot
			}
			return nil
		}))
		if err != nil {
			return
		}
		defer restore(pySig, old)
		if !cross {
			for i := 0; i < n; i++ {
				t0 := time.Now()
				if err = pysignal.RaiseSignal(pySig); err != nil {
					return
				}
				out = append(out, int64(ranAt.Sub(t0)))
			}
			return
		}
		var wk *pysignal.Wakeup
		if wk, err = pysignal.OpenWakeup(); err != nil {
			return
		}
		defer wk.Close()
		var s *rawSender
		if s, err = startSender(n, pySig); err != nil {
			return
		}
		defer s.close()
		for i := 0; i < n; i++ {
			if _, err = wk.Wait(-1, 0, 10*time.Second); !errors.Is(err, errGot) {
				err = fmt.Errorf("wait %d: %v", i, err)
				return
			}
			err = nil
			wk.Signals()
			out = append(out, ranAt.UnixNano()-s.sentAt.Load())
			s.next()
		}
	})
	return out, err
}

// rawSender is the dedicated sender thread of the cross-thread scenarios,
// built like the C floor's: it paces with nanosleep(2), notes the time,
// sends kill(getpid()), then blocks in read(2) until the receiver answers.
// Raw system calls keep the Go scheduler's own wake-ups (timers, channel
// hand-offs between locked threads) out of the measured interval.
type rawSender struct {
	sentAt    atomic.Int64
	back      [2]int
	done      chan struct{}
	closeOnce sync.Once
}

func startSender(n int, sig unix.Signal) (*rawSender, error) {
	s := &rawSender{done: make(chan struct{})}
	if err := unix.Pipe2(s.back[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.done)
		pid := unix.Getpid()
		gap := unix.NsecToTimespec(int64(pace))
		c := make([]byte, 1)
		for i := 0; i < n; i++ {
			unix.Nanosleep(&gap, nil)
			s.sentAt.Store(time.Now().UnixNano())
			unix.Kill(pid, sig)
			if n, _ := unix.Read(s.back[0], c); n != 1 {
				return // closed: the receiver gave up
			}
		}
	}()
	return s, nil
}

// next tells the sender that the sample was taken.
func (s *rawSender) next() { unix.Write(s.back[1], []byte{1}) }

func (s *rawSender) close() {
	s.closeOnce.Do(func() {
		unix.Close(s.back[1]) // a blocked read returns 0
		<-s.done
		unix.Close(s.back[0])
	})
}

// osLatency measures os/signal. Same-thread: a goroutine locked to its
// thread sends tgkill to that thread and receives from its Notify channel.
// Cross-thread: a sender thread does kill(getpid()) while a goroutine is
// blocked on the channel.
func osLatency(n int, cross bool) ([]int64, error) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, osSig)
	defer signal.Stop(ch)
	out := make([]int64, 0, n)
	if !cross {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		pid, tid := unix.Getpid(), unix.Gettid()
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if err := unix.Tgkill(pid, tid, osSig); err != nil {
				return nil, err
			}
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				return nil, errors.New("os/signal did not deliver within 10s")
			}
			out = append(out, int64(time.Since(t0)))
		}
		return out, nil
	}
	s, err := startSender(n, osSig)
	if err != nil {
		return nil, err
	}
	defer s.close()
	for i := 0; i < n; i++ {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			return nil, errors.New("os/signal did not deliver within 10s")
		}
		out = append(out, time.Now().UnixNano()-s.sentAt.Load())
		s.next()
	}
	return out, nil
}

// external runs the CPython script or the C floor program; both print
// {"same_thread": [...], "cross_thread": [...]}. A missing one is noted and
// skipped.
func (r *benchResult) external(impl, interp, path string, n int) error {
	var cmd *exec.Cmd
	if interp != "" {
		if _, err := exec.LookPath(interp); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s skipped: %s not found", impl, interp))
			return nil
		}
		cmd = exec.Command(interp, path, strconv.Itoa(n))
	} else {
		cmd = exec.Command(path, strconv.Itoa(n))
	}
	if _, err := os.Stat(path); err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("%s skipped: %s not found (run from the repository; make bench builds it)", impl, path))
		return nil
	}
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v", filepath.Base(path), err)
	}
	var v struct {
		Same    []int64 `json:"same_thread"`
		Cross   []int64 `json:"cross_thread"`
		Version string  `json:"version"`
	}
	if err := json.Unmarshal(outb, &v); err != nil {
		return fmt.Errorf("%s printed something else than JSON: %v", filepath.Base(path), err)
	}
	if v.Version != "" {
		r.Notes = append(r.Notes, "CPython "+v.Version)
	}
	r.add(impl, "same-thread", v.Same, nil)
	return r.add(impl, "cross-thread", v.Cross, nil)
}

// flood: a child process sends signals as fast as it can for dur; the
// receiver counts handler runs (and, for pysignal, C-level deliveries).
func (r *benchResult) flood(impl string, dur time.Duration) error {
	sig := pySig
	if impl == "os/signal" {
		sig = osSig
	}
	var runs int64
	var before, after unix.Rusage
	var sent int64
	var delivered uint64
	var err error
	run := func(receive func(stop <-chan struct{})) {
		unix.Getrusage(unix.RUSAGE_SELF, &before)
		cmd := exec.Command(os.Args[0], "flood", "-pid", strconv.Itoa(unix.Getpid()), "-sig", strconv.Itoa(int(sig)), "-for", dur.String())
		var outb strings.Builder
		cmd.Stdout = &outb
		if err = cmd.Start(); err != nil {
			return
		}
		stop := make(chan struct{})
		go func() { cmd.Wait(); close(stop) }()
		receive(stop)
		unix.Getrusage(unix.RUSAGE_SELF, &after)
		sent, err = strconv.ParseInt(strings.TrimSpace(outb.String()), 10, 64)
	}
	if impl == "pysignal" {
		pysignal.Call(func() {
			old, e := pysignal.Signal(sig, pysignal.HandlerFunc(func(unix.Signal) error { runs++; return nil }))
			if e != nil {
				err = e
				return
			}
			defer restore(sig, old)
			wk, e := pysignal.OpenWakeup()
			if e != nil {
				err = e
				return
			}
			defer wk.Close()
			d0 := pysignal.Deliveries(sig)
			run(func(stop <-chan struct{}) {
				for {
					select {
					case <-stop:
						wk.Sleep(10 * time.Millisecond) // the last signals in flight
						return
					default:
					}
					wk.Wait(-1, 0, 5*time.Millisecond)
				}
			})
			delivered = pysignal.Deliveries(sig) - d0
		})
	} else {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, sig)
		run(func(stop <-chan struct{}) {
			for {
				select {
				case <-ch:
					runs++
				case <-stop:
					time.Sleep(10 * time.Millisecond)
					for len(ch) > 0 {
						<-ch
						runs++
					}
					return
				}
			}
		})
		signal.Stop(ch)
	}
	if err != nil {
		return err
	}
	cpu := float64(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) / 1e9
	r.Throughput[impl] = throughput{Sent: sent, Runs: runs, Deliveries: int64(delivered), CPU: cpu}
	return nil
}

// floodCmd is the throughput child: kill(pid, sig) as fast as it can.
func floodCmd(args []string) int {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	pid := fs.Int("pid", 0, "target process")
	sig := fs.Int("sig", int(pySig), "signal number")
	dur := fs.Duration("for", time.Second, "how long")
	fs.Parse(args)
	if *pid <= 0 {
		fmt.Fprintln(os.Stderr, "pysig flood: -pid is required")
		return 2
	}
	var n int64
	end := time.Now().Add(*dur)
	for time.Now().Before(end) {
		for i := 0; i < 64; i++ {
			if unix.Kill(*pid, unix.Signal(*sig)) == nil {
				n++
			}
		}
	}
	fmt.Println(n)
	return 0
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
		r.Wrapper[pr.name] = [3]float64{v[0][3], v[1][3], v[2][3]}
	}
}

func percentiles(v []int64) pc {
	s := slices.Clone(v)
	slices.Sort(s)
	at := func(p int) int64 {
		i := (len(s)*p + 99) / 100
		if i > 0 {
			i--
		}
		return s[i]
	}
	return pc{at(50), at(90), at(99), s[len(s)-1], int64(len(s))}
}

func (r *benchResult) summarise() {
	r.Summary = map[string]map[string]pc{}
	for impl, scen := range r.Latency {
		r.Summary[impl] = map[string]pc{}
		for name, v := range scen {
			if len(v) > 0 {
				r.Summary[impl][name] = percentiles(v)
			}
		}
	}
}

var impls = []string{"pysignal", "os/signal", "CPython", "C floor"}

func (r *benchResult) print() {
	fmt.Printf("pysig bench: %d samples per latency scenario; %s\n\n", r.Samples, r.Machine)
	fmt.Printf("%-27s %12s %12s %12s %12s %12s\n", "scenario", "pysignal", "os/signal", "CPython", "C floor", "os/sig÷pysig")
	for _, scen := range []string{"same-thread", "cross-thread"} {
		for _, q := range []string{"p50", "p90", "p99", "max"} {
			fmt.Printf("%-27s", scen+" latency "+q)
			for _, impl := range impls {
				if s, ok := r.Summary[impl][scen]; ok {
					fmt.Printf(" %12s", fmtNs(pick(s, q)))
				} else {
					fmt.Printf(" %12s", "—")
				}
			}
			fmt.Printf(" %12s\n", ratio(r.Summary["os/signal"][scen], r.Summary["pysignal"][scen], q))
		}
	}
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
			case what == "C deliveries":
				if impl == "pysignal" {
					fmt.Printf(" %12d", t.Deliveries)
				} else {
					fmt.Printf(" %12s", "n/a")
				}
			case what == "sent per handler run":
				fmt.Printf(" %12.1f", float64(t.Sent)/float64(max(t.Runs, 1)))
			default:
				fmt.Printf(" %12.2f", t.CPU)
			}
		}
		fmt.Println()
	}
	fmt.Printf("%-27s %9.2f ns, %d allocs/op\n", "idle CheckSignals", r.IdleNs, r.IdleAllocs)
	for _, name := range []string{"read", "write", "poll(0)"} {
		w := r.Wrapper[name]
		fmt.Printf("%-27s raw %6.0f ns, wrapped %6.0f ns: %+5.1f %% (raw vs raw again: %+5.1f %%)\n",
			"wrapper overhead "+name, w[0], w[1], 100*(w[1]-w[0])/w[0], 100*(w[2]-w[0])/w[0])
	}
	fmt.Println()
	r.goals()
	fmt.Println()
	for _, scen := range []string{"same-thread", "cross-thread"} {
		for _, impl := range impls {
			if v := r.Latency[impl][scen]; len(v) > 0 {
				fmt.Printf("%s latency, %s:\n%s", scen, impl, nsHistogram(v))
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Println("note:", n)
	}
}

// goals prints the goals, each judged on ratios from this run.
func (r *benchResult) goals() {
	py, osg, cpy, fl := r.Summary["pysignal"], r.Summary["os/signal"], r.Summary["CPython"], r.Summary["C floor"]
	check := func(what string, ok bool, have string) {
		mark := "met   "
		if !ok {
			mark = "MISSED"
		}
		fmt.Printf("  [%s] %-52s %s\n", mark, what, have)
	}
	fmt.Println("goals (ratios from this run):")
	st, ct := py["same-thread"], py["cross-thread"]
	if c, ok := cpy["same-thread"]; ok {
		check("same-thread p50 no slower than CPython", st.P50 <= c.P50, fmt.Sprintf("%.2f× CPython", float64(st.P50)/float64(c.P50)))
	}
	if f, ok := fl["same-thread"]; ok {
		check("same-thread p50 within 1.2× of the C floor", float64(st.P50) <= 1.2*float64(f.P50), fmt.Sprintf("%.2f× floor", float64(st.P50)/float64(f.P50)))
	}
	o := osg["same-thread"]
	check("same-thread p50 at least 20× lower than os/signal", o.P50 >= 20*st.P50, fmt.Sprintf("%.1f×", float64(o.P50)/float64(st.P50)))
	check("same-thread p99 at least 10× lower than os/signal", o.P99 >= 10*st.P99, fmt.Sprintf("%.1f×", float64(o.P99)/float64(st.P99)))
	oc := osg["cross-thread"]
	check("cross-thread p50 at least 5× lower than os/signal", oc.P50 >= 5*ct.P50, fmt.Sprintf("%.1f×", float64(oc.P50)/float64(ct.P50)))
	if f, ok := fl["cross-thread"]; ok {
		check("cross-thread p50 within 1.5× of the C floor", float64(ct.P50) <= 1.5*float64(f.P50), fmt.Sprintf("%.2f× floor", float64(ct.P50)/float64(f.P50)))
	}
	check("idle CheckSignals ≤ 1 ns, 0 allocs", r.IdleNs <= 1 && r.IdleAllocs == 0, fmt.Sprintf("%.2f ns, %d allocs", r.IdleNs, r.IdleAllocs))
	for _, name := range []string{"read", "write", "poll(0)"} {
		w := r.Wrapper[name]
		d := 100 * (w[1] - w[0]) / w[0]
		noise := 100 * (w[2] - w[0]) / w[0]
		check("wrapper overhead ≤ 2 % ("+name+")", d <= 2, fmt.Sprintf("%+.1f %% (A/A noise %+.1f %%)", d, noise))
	}
}

func pick(s pc, q string) int64 {
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

func ratio(a, b pc, q string) string {
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

func nsHistogram(v []int64) string {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x)
	}
	return histogram(d)
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
		for _, scen := range []string{"same-thread", "cross-thread"} {
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
