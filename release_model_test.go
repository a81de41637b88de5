//go:build linux && cgo

package pysignal

// The sharing model (issue 22, fault 4): whatever a program asks os/signal
// for must hold whether or not it also used the package in between. Every
// sequence of up to three os/signal operations placed before, between and
// after one of the package's Signal ... Release pairs is run, and its
// outcome is compared with the outcome of the same os/signal operations
// alone.
//
// The operations, one letter each:
//
//	N  os/signal.Notify(c, sig)      h  Signal(sig, handler)
//	S  os/signal.Stop(c)             i  Signal(sig, Ignore)
//	R  os/signal.Reset(sig)          d  Signal(sig, Default)
//	I  os/signal.Ignore(sig)         r  Release(sig)
//
// The outcome is what sending sig then does, observed for real: delivered
// to c, nothing (ignored in the kernel, or caught and dropped by the
// runtime), the package's handler, or the death of the process, together
// with the kernel's disposition class (what an exec'd child inherits). For
// SIGPIPE it adds what a write to a broken standard output does (EPIPE, or
// death by SIGPIPE). A child process runs a whole signal's sequences,
// resetting the state between them; a send that would kill it is not made
// (the outcome is predicted from the kernel disposition and what os/signal
// was asked) and the parent then checks each kind of predicted death once
// in a child of its own, for real. An unpredicted death is reported as a
// difference and the child is restarted after that sequence.

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// modelSequences lists the sequences for one signal: first the 85
// os/signal-only references, then, for each of the package's three pairs,
// every placement of up to three os/signal operations around and between
// the pair.
func modelSequences() []string {
	var osOps [][]byte
	var gen func(prefix []byte, k int)
	gen = func(prefix []byte, k int) {
		osOps = append(osOps, append([]byte(nil), prefix...))
		if k == 0 {
			return
		}
		for _, op := range []byte("NSRI") {
			gen(append(prefix, op), k-1)
		}
	}
	gen(nil, 3)
	var seqs []string
	for _, ops := range osOps {
		seqs = append(seqs, string(ops))
	}
	for _, set := range []string{"h", "i", "d"} {
		for _, ops := range osOps {
			for a := 0; a <= len(ops); a++ {
				for b := a; b <= len(ops); b++ {
					seqs = append(seqs, string(ops[:a])+set+string(ops[a:b])+"r"+string(ops[b:]))
				}
			}
		}
	}
	return seqs
}

// osOnly is seq without the package's operations: its reference.
func osOnly(seq string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("NSRI", r) {
			return r
		}
		return -1
	}, seq)
}

// wantsChannel says whether os/signal was asked, last, to deliver to c.
func wantsChannel(seq string) bool {
	want := false
	for _, op := range seq {
		switch op {
		case 'N':
			want = true
		case 'S', 'R', 'I':
			want = false
		}
	}
	return want
}

var modelSignals = []unix.Signal{unix.SIGUSR1, unix.SIGPIPE, unix.SIGTERM}

func init() {
	childScenarios["sharing-model"] = childSharingModel
	childScenarios["sharing-model-one"] = childSharingModelOne
}

// modelChild is the state one child keeps across its sequences.
type modelChild struct {
	sig     unix.Signal
	c       chan os.Signal // the program's channel
	marker  chan os.Signal // SIGWINCH: everything sent before it has been handled
	runtime kernelSigaction
	handler *recorder
}

func newModelChild(sig unix.Signal) *modelChild {
	m := &modelChild{sig: sig, c: make(chan os.Signal, 8), marker: make(chan os.Signal, 8), handler: newRecorder()}
	rtSigaction(sig, nil, &m.runtime) // the Go runtime's handler: the child has not touched sig yet
	signal.Notify(m.marker, syscall.SIGWINCH)
	return m
}

// run performs seq and returns its outcome, and what refused.
func (m *modelChild) run(seq string) string {
	refused := m.apply(seq)
	out := m.observe(wantsChannel(seq))
	if refused != nil {
		out += " refused(" + strings.Join(refused, "; ") + ")"
	}
	return out
}

// apply performs seq and returns the package's refusals.
func (m *modelChild) apply(seq string) (refused []string) {
	pkg := func(op byte, f func() error) {
		if err := onMain(f); err != nil {
			refused = append(refused, fmt.Sprintf("%c: %v", op, err))
		}
	}
	for i := 0; i < len(seq); i++ {
		switch op := seq[i]; op {
		case 'N':
			signal.Notify(m.c, m.sig)
		case 'S':
			signal.Stop(m.c)
		case 'R':
			signal.Reset(m.sig)
		case 'I':
			signal.Ignore(m.sig)
		case 'h', 'i', 'd':
			h := map[byte]Handler{'h': m.handler, 'i': Ignore, 'd': Default}[op]
			pkg(op, func() error { _, err := Signal(m.sig, h); return err })
		case 'r':
			pkg(op, func() error { return Release(m.sig) })
		}
	}
	return refused
}

// class names the kernel's disposition of sig.
func (m *modelChild) class() string {
	var cur kernelSigaction
	if err := rtSigaction(m.sig, nil, &cur); err != nil {
		return "error"
	}
	switch cur.Handler {
	case 0:
		return "DFL"
	case 1:
		return "IGN"
	case m.runtime.Handler:
		return "runtime"
	}
	if d, _ := disposition(m.sig); d == dispOurs {
		return "package"
	}
	return "other"
}

// observe sends sig to this thread and reports what happened.
func (m *modelChild) observe(wanted bool) string {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	class := m.class()
	pipeWantedToo := m.sig == unix.SIGPIPE && pipeNotifiedNow()
	out := class + ":"
	switch {
	case class == "DFL":
		out += "killed"
	case class == "other" || class == "error":
		out += "?"
	case class == "runtime" && signal.Ignored(m.sig):
		// The runtime's handler is installed but the runtime believes it
		// set SIG_IGN: it no longer handles sig and passes it on to what
		// it found first, SIG_DFL.
		out = "runtime-not-handling:killed"
	case m.sig == unix.SIGTERM && class == "runtime" && !wanted:
		out += "killed" // the runtime's handler dies by SIGTERM
	default:
		before := Deliveries(m.sig)
		m.send(m.sig)
		switch {
		case m.got():
			out += "delivered"
		case Deliveries(m.sig) != before:
			out += "package"
		default:
			out += "nothing"
		}
	}
	if m.sig != unix.SIGPIPE {
		return out
	}
	// A write to a broken standard output: the runtime kills the process
	// unless it believes SIGPIPE is ignored or wanted.
	if class == "DFL" || strings.HasPrefix(out, "runtime-not-handling") || !(signal.Ignored(m.sig) || wanted || pipeWantedToo) {
		return out + ",write-killed"
	}
	if err := writeBrokenStdout(); err != syscall.EPIPE {
		return out + ",write:" + fmt.Sprint(err)
	}
	m.send(0) // just the marker, for the write's own SIGPIPE
	if m.got() {
		return out + ",EPIPE+delivered"
	}
	return out + ",EPIPE"
}

// send sends sig (if not 0) and then the marker to this thread; the marker
// arrives after whatever sig caused (the runtime hands pending signals to
// os/signal in number order, and SIGWINCH is above all three).
func (m *modelChild) send(sig unix.Signal) {
	tid := unix.Gettid()
	if sig != 0 {
		unix.Tgkill(unix.Getpid(), tid, sig)
	}
	unix.Tgkill(unix.Getpid(), tid, unix.SIGWINCH)
	select {
	case <-m.marker:
	case <-time.After(5 * time.Second):
		fmt.Println("marker lost")
		os.Exit(9)
	}
}

// got reports (and drains) whether c received anything.
func (m *modelChild) got() bool {
	n := 0
	for {
		select {
		case <-m.c:
			n++
		default:
			return n > 0
		}
	}
}

// reset puts the runtime, os/signal and the package back as the child
// found them: the runtime handling sig (its handler installed), with SIG_DFL
// as the disposition it found first, neither ignoring nor wanting sig.
func (m *modelChild) reset() {
	onMain(func() error { forgetSignal(m.sig); return nil })
	signal.Stop(m.c)
	signal.Ignore(m.sig) // the runtime stops handling sig ...
	rtSigaction(m.sig, &kernelSigaction{}, nil)
	tmp := make(chan os.Signal, 1)
	signal.Notify(tmp, m.sig) // ... and takes it again over SIG_DFL
	signal.Stop(tmp)
	m.got()
}

// writeBrokenStdout writes to os.Stdout while fd 1 is a pipe whose
// reading end is closed, and returns the write's error.
func writeBrokenStdout() error {
	saved, err := unix.Dup(1)
	if err != nil {
		return err
	}
	defer unix.Close(saved)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	unix.Close(p[0])
	unix.Dup2(p[1], 1)
	unix.Close(p[1])
	_, err = os.Stdout.Write([]byte("x"))
	unix.Dup2(saved, 1)
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	return err
}

func modelSignalFromEnv() unix.Signal {
	n, _ := strconv.Atoi(os.Getenv("PYSIGNAL_MODEL_SIG"))
	return unix.Signal(n)
}

// childSharingModel runs the sequences from PYSIGNAL_MODEL_FROM on and
// prints "index outcome" for each.
func childSharingModel() int {
	m := newModelChild(modelSignalFromEnv())
	from, _ := strconv.Atoi(os.Getenv("PYSIGNAL_MODEL_FROM"))
	w := bufio.NewWriter(os.Stdout)
	for i, seq := range modelSequences() {
		if i < from {
			continue
		}
		fmt.Fprintf(w, "begin %d\n", i)
		w.Flush()
		out := m.run(seq)
		fmt.Fprintf(w, "%d %s\n", i, out)
		m.reset()
	}
	w.Flush()
	return 0
}

// childSharingModelOne runs the sequence PYSIGNAL_MODEL_SEQ and then sends
// the signal for real, with no prediction: the parent checks that a
// predicted death is real.
func childSharingModelOne() int {
	m := newModelChild(modelSignalFromEnv())
	seq := os.Getenv("PYSIGNAL_MODEL_SEQ")
	m.apply(seq)
	runtime.LockOSThread()
	if os.Getenv("PYSIGNAL_MODEL_WRITE") != "" {
		fmt.Println("write:", writeBrokenStdout())
		return 0
	}
	m.send(m.sig)
	fmt.Println("survived")
	return 0
}

// modelResult is one child's report for a signal.
type modelResult struct {
	outcome map[int]string
	died    map[int]string // unpredicted deaths
}

func runSharingModel(t *testing.T, sig unix.Signal, seqs []string) modelResult {
	res := modelResult{outcome: map[int]string{}, died: map[int]string{}}
	from := 0
	for restarts := 0; from < len(seqs); restarts++ {
		if restarts > 40 {
			t.Fatalf("%v: more than 40 unpredicted deaths; giving up", sig)
		}
		cmd := childCommand("PYSIGNAL_TEST_CHILD=sharing-model",
			"PYSIGNAL_MODEL_SIG="+itoa(int(sig)), "PYSIGNAL_MODEL_FROM="+itoa(from))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		outb, _ := cmd.Output()
		begun := -1
		for _, line := range strings.Split(string(outb), "\n") {
			if s, ok := strings.CutPrefix(line, "begin "); ok {
				begun, _ = strconv.Atoi(s)
				continue
			}
			if i, out, ok := strings.Cut(line, " "); ok {
				n, err := strconv.Atoi(i)
				if err == nil {
					res.outcome[n] = out
				}
			}
		}
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Exited() && ws.ExitStatus() == 0 {
			break
		}
		if begun < 0 || res.outcome[begun] != "" {
			t.Fatalf("%v: child ended with %v outside a sequence; stderr %q", sig, ws, stderr.String())
		}
		res.died[begun] = fmt.Sprintf("died(%v)", ws)
		res.outcome[begun] = res.died[begun]
		from = begun + 1
	}
	return res
}

// TestSharingModel is issue 22's model test for fault 4.
func TestSharingModel(t *testing.T) {
	seqs := modelSequences()
	refIndex := map[string]int{}
	for i, s := range seqs {
		if osOnly(s) == s {
			refIndex[s] = i
		}
	}
	total, diffs, refusals := 0, 0, 0
	for _, sig := range modelSignals {
		total0, diffs0, refusals0 := total, diffs, refusals
		res := runSharingModel(t, sig, seqs)
		predicted := map[string]string{} // outcome -> a sequence that gave it
		for i, s := range seqs {
			out := res.outcome[i]
			if strings.Contains(out, "killed") {
				predicted[strings.SplitN(out, " ", 2)[0]] = s
			}
			if osOnly(s) == s {
				continue
			}
			total++
			ref := res.outcome[refIndex[osOnly(s)]]
			if strings.Contains(out, "refused(") {
				refusals++
				continue
			}
			if out != ref {
				diffs++
				if diffs <= 30 {
					t.Errorf("%v %-6s: %s; os/signal alone (%s): %s", sig, s, out, osOnly(s), ref)
				}
			}
		}
		// Each kind of predicted death, once, for real.
		for out, s := range predicted {
			verifyPredictedDeath(t, sig, s, out)
		}
		t.Logf("%v: %d sequences, %d differ, %d refused; %d kinds of death checked for real",
			sig, total-total0, diffs-diffs0, refusals-refusals0, len(predicted))
	}
	t.Logf("%d sequences with the package's calls, %d differ from os/signal alone, %d refused with an error", total, diffs, refusals)
}

// verifyPredictedDeath runs seq in a child of its own and checks that the
// signal (or, for "write-killed", the write to a broken stdout) really kills
// it by sig.
func verifyPredictedDeath(t *testing.T, sig unix.Signal, seq, out string) {
	t.Helper()
	check := func(write bool) {
		vars := []string{"PYSIGNAL_TEST_CHILD=sharing-model-one", "PYSIGNAL_MODEL_SIG=" + itoa(int(sig)), "PYSIGNAL_MODEL_SEQ=" + seq}
		if write {
			vars = append(vars, "PYSIGNAL_MODEL_WRITE=1")
		}
		cmd := childCommand(vars...)
		outb, _ := cmd.Output()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.Signal(sig) {
			t.Errorf("%v %s: predicted %q, but for real (write %v) the child ended with %v, output %q", sig, seq, out, write, ws, outb)
		}
	}
	before, after, _ := strings.Cut(out, ",")
	if strings.HasSuffix(before, "killed") {
		check(false)
	}
	if after == "write-killed" {
		check(true)
	}
}

// pipeNotifiedNow reports whether the package's SIGPIPE channel is
// registered with os/signal, as far as the package knows.
func pipeNotifiedNow() bool {
	var b bool
	Call(func() { b = pipeNotified })
	return b
}
