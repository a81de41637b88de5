//go:build linux && cgo

package difffuzz

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// The Go interpreter of the program language: interp.py's twin, run on the
// main goroutine (the main thread) of a re-executed test binary. It prints
// the same trace; see lang_test.go for the language.

// handlerError is what a failing handler returns (interp.py's HandlerError).
type handlerError struct{ name string }

func (e *handlerError) Error() string { return "E(" + e.name + ")" }

// errClass spells an error as interp.py's err_class spells CPython's.
func errClass(err error) string {
	var he *handlerError
	var errno unix.Errno
	switch {
	case errors.As(err, &he):
		return "E(" + he.name + ")"
	case errors.Is(err, pysignal.ErrIgnoredSignal):
		return "IgnoredRace"
	case errors.Is(err, pysignal.ErrRecursion):
		return "RecursionError"
	case errors.Is(err, pysignal.ErrNotMainThread), errors.Is(err, pysignal.ErrInvalidSignal),
		errors.Is(err, pysignal.ErrBlockingFD), errors.Is(err, pysignal.ErrNegativeTimeout):
		return "ValueError"
	case errors.As(err, &errno):
		return "OSError " + unix.ErrnoName(errno)
	}
	return "GoError(" + err.Error() + ")"
}

// interp is one interpreter process's state.
type interp struct {
	trace    []string
	depth    int
	handlers map[string]*handler
	h0       *handler
	pipes    map[string][3]int // read end, write end, spare dup of the write end
	names    map[int]string    // write end -> "A", "B"
	rdonly   int
	data     [2]int
}

type handler struct {
	in        *interp
	name      string
	fail      bool
	lim, runs int
	body      []string
}

func (h *handler) Handle(sig unix.Signal) error {
	in := h.in
	in.add(fmt.Sprintf("run %s %d", h.name, int(sig)))
	h.runs++
	if h.runs <= h.lim {
		in.depth++
		for _, op := range h.body {
			in.runOp(op, sig)
		}
		in.depth--
	}
	if h.fail {
		return &handlerError{h.name}
	}
	return nil
}

func (in *interp) add(s string) { in.trace = append(in.trace, strings.Repeat(".", in.depth)+s) }

func fmtSigs(s []unix.Signal) string {
	var v []int
	for _, x := range s {
		for _, u := range universe {
			if x == u {
				v = append(v, int(x))
			}
		}
	}
	sort.Ints(v)
	if len(v) == 0 {
		return "-"
	}
	w := make([]string, len(v))
	for i, x := range v {
		w[i] = strconv.Itoa(x)
	}
	return strings.Join(w, ",")
}

func fmtBytes(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	w := make([]string, len(b))
	for i, x := range b {
		w[i] = strconv.Itoa(int(x))
	}
	return strings.Join(w, ",")
}

func (in *interp) handlerName(h pysignal.Handler) string {
	switch h {
	case nil:
		return "None"
	case pysignal.Default:
		return "DFL"
	case pysignal.Ignore:
		return "IGN"
	}
	if x, ok := h.(*handler); ok {
		return x.name
	}
	return fmt.Sprintf("%T", h)
}

func parseSigs(tok string, self unix.Signal) []unix.Signal {
	if tok == "-" {
		return []unix.Signal{}
	}
	var out []unix.Signal
	for _, t := range strings.Split(tok, ",") {
		if t == "self" {
			out = append(out, self)
			continue
		}
		n, _ := strconv.Atoi(t)
		out = append(out, unix.Signal(n))
	}
	return out
}

func (in *interp) disposition(name string) pysignal.Handler {
	switch name {
	case "DFL":
		return pysignal.Default
	case "IGN":
		return pysignal.Ignore
	}
	return in.handlers[name]
}

// result is an op's value: "" for None.
type result struct {
	v   string
	set bool
}

func val(s string) result { return result{s, true} }

var none = result{}

// runOp runs one op, then checks until nothing is left (what CPython's eval
// loop does at the next bytecode), and adds its trace line.
func (in *interp) runOp(op string, self unix.Signal) {
	w := strings.Fields(op)
	a := w[1:]
	var fn func() (result, error)
	switch w[0] {
	case "sig":
		s, h := parseSigs(a[0], self)[0], in.disposition(a[1])
		fn = func() (result, error) {
			old, err := pysignal.Signal(s, h)
			return val(in.handlerName(old)), err
		}
	case "get":
		s := parseSigs(a[0], self)[0]
		fn = func() (result, error) {
			h, err := pysignal.GetSignal(s)
			return val(in.handlerName(h)), err
		}
	case "block", "unblock", "setmask":
		how := map[string]int{"block": pysignal.SigBlock, "unblock": pysignal.SigUnblock, "setmask": pysignal.SigSetmask}[w[0]]
		ss := parseSigs(a[0], self)
		fn = func() (result, error) {
			old, err := pysignal.PthreadSigmask(how, ss)
			return val(fmtSigs(old)), err
		}
	case "raise":
		s := parseSigs(a[0], self)[0]
		fn = func() (result, error) { return none, pysignal.RaiseSignal(s) }
	case "tkill":
		s := parseSigs(a[0], self)[0]
		fn = func() (result, error) {
			res := make(chan error)
			go func() {
				runtime.LockOSThread()
				res <- pysignal.PthreadKill(pysignal.MainThreadID(), s)
			}()
			if err := <-res; err != nil {
				return val(errClass(err)), nil
			}
			return none, pysignal.CheckSignals()
		}
	case "check":
		fn = func() (result, error) { return none, pysignal.CheckSignals() }
	case "wake":
		fd := -1
		if a[0] != "off" {
			fd = in.pipes[a[0]][1]
		}
		fn = func() (result, error) {
			old, err := pysignal.SetWakeupFD(fd, true)
			n, ok := in.names[old]
			if !ok {
				n = "?"
			}
			if err != nil {
				return none, err
			}
			return val(n), nil
		}
	case "wbreak":
		fd := in.pipes[a[0]][1]
		fn = func() (result, error) { return none, unix.Dup2(in.rdonly, fd) }
	case "drain":
		r := in.pipes[a[0]][0]
		fn = func() (result, error) { return val(fmtBytes(drain(r))), nil }
	case "pending":
		fn = func() (result, error) {
			p, err := pysignal.Sigpending()
			return val(fmtSigs(p)), err
		}
	case "tw":
		ss := parseSigs(a[0], self)
		fn = func() (result, error) {
			info, ok, err := pysignal.Sigtimedwait(ss, 0)
			if err != nil || !ok {
				return none, err
			}
			return val(strconv.Itoa(int(info.Signo))), nil
		}
	case "sigint":
		s := parseSigs(a[0], self)[0]
		flag := a[1] == "1"
		fn = func() (result, error) { return none, pysignal.Siginterrupt(s, flag) }
	case "itimer":
		fn = waitItimer
	case "rblock":
		s := parseSigs(a[0], self)[0]
		fn = func() (result, error) { return in.rblock(s) }
	case "read":
		n, _ := strconv.Atoi(a[0])
		fn = func() (result, error) {
			if _, err := unix.Write(in.data[1], []byte(strings.Repeat("x", n))); err != nil {
				return none, err
			}
			m, err := pysignal.Read(in.data[0], make([]byte, 1))
			if err != nil {
				return none, err
			}
			return val(strconv.Itoa(m)), nil
		}
	default:
		panic("unknown op " + op)
	}
	v, err := fn()
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for i := 0; i < 1000; i++ {
		e := pysignal.CheckSignals()
		if e == nil {
			break
		}
		errs = append(errs, e)
	}
	s := "ok"
	if err != nil {
		s = errClass(err)
		errs = errs[1:]
	} else if v.set {
		s += " " + v.v
	}
	if len(errs) > 0 {
		s += " late"
		for _, e := range errs {
			s += " " + errClass(e)
		}
	}
	in.add(op + " -> " + s)
}

// mainInSyscall returns the number of the system call the main thread
// sleeps in, -1 if it runs.
func mainInSyscall() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/syscall", pysignal.MainThreadID()))
	must(err)
	f := strings.Fields(string(b))
	if len(f) == 0 || f[0] == "running" {
		return -1
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// mainHolds reports whether s is pending on the main thread and not blocked there.
func mainHolds(s unix.Signal) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", pysignal.MainThreadID()))
	must(err)
	var pnd, blk uint64
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, ":\t")
		switch k {
		case "SigPnd":
			pnd, _ = strconv.ParseUint(v, 16, 64)
		case "SigBlk":
			blk, _ = strconv.ParseUint(v, 16, 64)
		}
	}
	bit := uint64(1) << (s - 1)
	return pnd&bit != 0 && blk&bit == 0
}

// rblock is interp.py's rblock: a wrapped read of 1 byte from the empty
// data pipe on the main thread, interrupted by s from a helper once it
// sleeps in read(2); the helper writes the byte once the signal has been
// taken (or is held blocked) and the main thread sleeps again.
func (in *interp) rblock(s unix.Signal) (result, error) {
	var done atomic.Bool
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		for mainInSyscall() != unix.SYS_READ {
			if done.Load() {
				return
			}
		}
		must(pysignal.PthreadKill(pysignal.MainThreadID(), s))
		for mainHolds(s) || mainInSyscall() < 0 {
		}
		_, err := unix.Write(in.data[1], []byte("y"))
		must(err)
	}()
	n, err := pysignal.Read(in.data[0], make([]byte, 1))
	done.Store(true)
	<-fin
	if err != nil {
		return none, err
	}
	return val(strconv.Itoa(n)), nil
}

// waitItimer arms a one-shot 1 µs ITIMER_REAL and waits for its expiry
// and for the C handler to have run (on whichever thread took it), then
// checks. SIGALRM is process-directed: while the main thread blocks it,
// another thread takes it here and CPython holds it (design.md difference
// 10), so then it is not armed.
func waitItimer() (result, error) {
	m, err := pysignal.PthreadSigmask(pysignal.SigBlock, nil)
	if err != nil {
		return none, err
	}
	for _, s := range m {
		if s == unix.SIGALRM {
			return val("skip"), nil
		}
	}
	h, err := pysignal.GetSignal(unix.SIGALRM)
	if err != nil {
		return none, err
	}
	_, ours := h.(*handler)
	before := pysignal.Deliveries(unix.SIGALRM)
	if _, _, err := pysignal.Setitimer(pysignal.ItimerReal, 1000, 0); err != nil {
		return none, err
	}
	for {
		v, _, err := pysignal.Getitimer(pysignal.ItimerReal)
		if err != nil || v == 0 {
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for ours && pysignal.Deliveries(unix.SIGALRM) == before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	// The delivery is counted after the trip but before the wakeup write
	// (handler.c): a C handler running on another thread may still be
	// writing the byte, or queueing its failure. CPython's handler runs
	// whole on the main thread before the next bytecode (its only thread
	// here), so wait for the other thread to leave the handler, which
	// blocks every signal while it runs (design.md difference 1).
	for ours && otherThreadBlocks(unix.SIGALRM) && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	return none, pysignal.CheckSignals()
}

// otherThreadBlocks reports whether a thread other than the main thread
// blocks s: one running pysignal's C handler does (its mask is full), and
// so, for a moment, does one the Go runtime is starting.
func otherThreadBlocks(s unix.Signal) bool {
	tasks, err := os.ReadDir("/proc/self/task")
	must(err)
	main := strconv.Itoa(pysignal.MainThreadID())
	for _, t := range tasks {
		if t.Name() == main {
			continue
		}
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/status")
		if err != nil {
			continue // the thread has exited
		}
		if sigBlk(b)&(uint64(1)<<(s-1)) != 0 {
			return true
		}
	}
	return false
}

// sigBlk returns the SigBlk mask of a /proc task status.
func sigBlk(status []byte) uint64 {
	for _, l := range strings.Split(string(status), "\n") {
		if k, v, _ := strings.Cut(l, ":\t"); k == "SigBlk" {
			blk, _ := strconv.ParseUint(v, 16, 64)
			return blk
		}
	}
	return 0
}

func drain(r int) []byte {
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(r, buf)
		if n <= 0 || err != nil {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

func newInterp() *interp {
	in := &interp{pipes: map[string][3]int{}, names: map[int]string{-1: "off"}}
	in.h0 = &handler{in: in, name: "h0"}
	var err error
	in.rdonly, err = unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(err)
	for _, n := range []string{"A", "B"} {
		var p [2]int
		must(unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
		spare, err := unix.Dup(p[1])
		must(err)
		in.pipes[n] = [3]int{p[0], p[1], spare}
		in.names[p[1]] = n
	}
	must(unix.Pipe2(in.data[:], unix.O_CLOEXEC))
	pysignal.SetUnraisableHook(func(u *pysignal.UnraisableError) {
		in.add("unraisable " + errClass(u.Err))
	})
	return in
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// reset puts the initial state back, printing nothing.
func (in *interp) reset() {
	in.depth = 0
	for _, p := range in.pipes {
		must(unix.Dup2(p[2], p[1]))
	}
	_, err := pysignal.SetWakeupFD(-1, true)
	must(err)
	_, err = pysignal.PthreadSigmask(pysignal.SigSetmask, universe)
	must(err)
	_, _, err = pysignal.Setitimer(pysignal.ItimerReal, 0, 0)
	must(err)
	for {
		_, ok, err := pysignal.Sigtimedwait(universe, 0)
		must(err)
		if !ok {
			break
		}
	}
	for _, s := range universe {
		_, err := pysignal.Signal(s, in.h0)
		must(err)
		must(pysignal.Siginterrupt(s, true))
	}
	_, err = pysignal.PthreadSigmask(pysignal.SigSetmask, nil)
	must(err)
	for _, p := range in.pipes {
		drain(p[0])
	}
	must(unix.SetNonblock(in.data[0], true))
	drain(in.data[0])
	must(unix.SetNonblock(in.data[0], false))
}

// serve is the child's main loop: programs from r, traces to w.
func serve(r io.Reader, w io.Writer) {
	in := newInterp()
	in.reset()
	in.trace = nil
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "quit" {
			break
		}
		if line != "prog" {
			panic("expected prog, got " + line)
		}
		in.handlers = map[string]*handler{"h0": in.h0}
		var ops []string
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "end" {
				break
			}
			if strings.HasPrefix(line, "h ") {
				head, body, _ := strings.Cut(line, ":")
				f := strings.Fields(head)
				lim, _ := strconv.Atoi(f[3])
				h := &handler{in: in, name: f[1], fail: f[2] == "1", lim: lim}
				for _, b := range strings.Split(body, ";") {
					if b = strings.TrimSpace(b); b != "" {
						h.body = append(h.body, b)
					}
				}
				in.handlers[h.name] = h
				continue
			}
			ops = append(ops, line)
		}
		for _, op := range ops {
			in.runOp(op, 0)
		}
		in.reset()
		for _, l := range in.trace {
			bw.WriteString(l + "\n")
		}
		bw.WriteString("== end\n")
		bw.Flush()
		in.trace = nil
	}
	bw.Flush()
	os.Stdout.Sync()
}
