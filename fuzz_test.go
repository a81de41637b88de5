//go:build linux && cgo

package pysignal

// Fuzzing against a model: random sequences of API calls are applied to
// the real package and to a small pure-Go model of CPython's rules, and
// every observable result must agree. `make test` runs the seeds (f.Add and
// testdata/fuzz/FuzzModel); `make fuzz` explores.

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

var errFuzz = errors.New("fuzz handler failed")

// fuzzHandler records its runs into the shared log. A nesting one ("N")
// makes a check inside (CheckSignals, logged between its start and end);
// a tripping one ("T") first trips another signal with SetInterruptEx, so
// that its check has something new to run. Either returns the inner
// check's error. Nesting stops at fuzzMaxDepth, the same on both sides.
type fuzzHandler struct {
	name  string
	fail  bool
	kind  byte // 0 plain, 'N' check inside, 'T' trip then check inside
	log   *[]string
	depth int
}

const fuzzMaxDepth = 3

func (h *fuzzHandler) Handle(sig unix.Signal) error {
	if h.kind == 0 {
		*h.log = append(*h.log, fmt.Sprintf("%s(%d)", h.name, sig))
		if h.fail {
			return errFuzz
		}
		return nil
	}
	*h.log = append(*h.log, fmt.Sprintf("%s(%d)<", h.name, sig))
	var err error
	if h.depth < fuzzMaxDepth {
		h.depth++
		if h.kind == 'T' {
			err = SetInterruptEx(fuzzTripTarget(sig))
		}
		if err == nil {
			err = CheckSignals()
		}
		h.depth--
	}
	*h.log = append(*h.log, fmt.Sprintf("%s(%d)>", h.name, sig))
	return err
}

// fuzzTripTarget is the signal a "T" handler running for sig trips: one
// above it or one below it.
func fuzzTripTarget(sig unix.Signal) unix.Signal {
	if sig == usr2 {
		return usr1
	}
	return usr2
}

// model is CPython's signal state, reduced to what the fuzzer observes.
type model struct {
	handler map[unix.Signal]Handler // set through Signal; absent: the runtime's (nil)
	restart map[unix.Signal]bool
	tripped map[unix.Signal]bool
	pending bool // is_tripped
	wakeup  bool
	log     []string
	bytes   []byte
	races   int
	depth   int // of "N"/"T" handlers running in the model
}

// check is CPython's PyErr_CheckSignals on the model: is_tripped is
// cleared as the check starts, so a check nested in a handler runs
// something only if a signal tripped since.
func (m *model) check() error {
	if !m.pending {
		return nil
	}
	m.pending = false
	for sig := unix.Signal(1); sig < nsig; sig++ {
		if !m.tripped[sig] {
			continue
		}
		delete(m.tripped, sig)
		h := m.handler[sig]
		if h == nil || h == Default || h == Ignore {
			m.races++
			continue
		}
		if err := m.run(h.(*fuzzHandler), sig); err != nil {
			m.pending = true
			return err
		}
	}
	return nil
}

// run is one handler's run on the model.
func (m *model) run(fh *fuzzHandler, sig unix.Signal) error {
	if fh.kind == 0 {
		m.log = append(m.log, fmt.Sprintf("%s(%d)", fh.name, sig))
		if fh.fail {
			return errFuzz
		}
		return nil
	}
	m.log = append(m.log, fmt.Sprintf("%s(%d)<", fh.name, sig))
	var err error
	if m.depth < fuzzMaxDepth {
		m.depth++
		if fh.kind == 'T' {
			m.interrupt(fuzzTripTarget(sig))
		}
		err = m.check()
		m.depth--
	}
	m.log = append(m.log, fmt.Sprintf("%s(%d)>", fh.name, sig))
	return err
}

// interrupt is SetInterruptEx on the model, for a valid signal the
// package may own.
func (m *model) interrupt(sig unix.Signal) {
	// nil, the runtime's handler, is the program's default.
	if h := m.handler[sig]; h != nil && h != Default && h != Ignore {
		m.trip(sig)
	}
}

func (m *model) trip(sig unix.Signal) {
	m.tripped[sig] = true
	m.pending = true
	if m.wakeup {
		m.bytes = append(m.bytes, byte(sig))
	}
}

func FuzzModel(f *testing.F) {
	f.Add([]byte{0x20, 0x60, 0x70, 0x30, 0x21, 0x61, 0x71, 0x80})
	f.Add([]byte{0x20, 0x31, 0x52, 0x61, 0x10, 0x60, 0x70})
	f.Add([]byte{0x21, 0x22, 0x30, 0x60, 0x62, 0x70, 0x70, 0x70})
	f.Add([]byte{0x30, 0x51, 0x41, 0x61, 0x12, 0x62, 0x83, 0x93})
	// Nesting: N on SIGUSR1 with SIGUSR2 pending (its check runs nothing);
	// T on SIGUSR1 trips SIGUSR2 above it, with a failing 34 and 64 older;
	// T on SIGUSR2 trips SIGUSR1 below it.
	f.Add([]byte{0xA0, 0x21, 0x61, 0x60, 0x80})
	f.Add([]byte{0xB0, 0x21, 0x32, 0x27, 0x67, 0x62, 0x60, 0x80, 0x80})
	f.Add([]byte{0xB1, 0x20, 0x61, 0x80, 0x71, 0x90})
	// Signal 64 behind a failing handler, and a failing 64.
	f.Add([]byte{0x27, 0x30, 0x67, 0x60, 0x80, 0x80, 0x37, 0x67, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		if err := onMain(func() error { return runModel(t, ops) }); err != nil {
			t.Fatal(err)
		}
	})
}

// The signals the fuzzer plays with: four the package may own (64 shares
// bit 0 of the pending word; qemu-user keeps it for itself, so there it is
// SIGUSR1 again), and bad ones.
var fuzzSigs = []unix.Signal{usr1, usr2, 34, 0, 65, unix.SIGURG, unix.SIGKILL, 64}

// fuzzOwnable are the signals of fuzzSigs the package may own.
var fuzzOwnable = []unix.Signal{usr1, usr2, 34, 64}

func init() {
	if qemu != "" {
		fuzzSigs[7], fuzzOwnable = usr1, fuzzOwnable[:3]
	}
}

func runModel(t *testing.T, ops []byte) (err error) {
	var real []string
	hA := &fuzzHandler{name: "A", log: &real}
	hE := &fuzzHandler{name: "E", fail: true, log: &real}
	hN := &fuzzHandler{name: "N", kind: 'N', log: &real}
	hT := &fuzzHandler{name: "T", kind: 'T', log: &real}
	handlers := map[byte]Handler{0: Default, 1: Ignore, 2: hA, 3: hE, 10: hN, 11: hT}
	m := &model{handler: map[unix.Signal]Handler{}, restart: map[unix.Signal]bool{}, tripped: map[unix.Signal]bool{}}
	// As CPython at start-up: the model begins from the kernel's dispositions
	// (34, which the Go runtime leaves alone, starts at SIG_DFL).
	for _, sig := range fuzzSigs {
		if sig < 1 || sig >= nsig || reserved[sig] {
			continue
		}
		if h, err := GetSignal(sig); err != nil {
			return err
		} else if h != nil {
			m.handler[sig] = h
		}
	}
	var races int
	restore := SetUnraisableHook(func(e *UnraisableError) {
		if errors.Is(e, ErrIgnoredSignal) {
			races++
		}
	})
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return err
	}
	defer func() {
		restore()
		SetWakeupFD(-1, true)
		unix.Close(p[0])
		unix.Close(p[1])
		// Drop what the sequence left pending first: Release runs pending
		// handlers, and a failing one would abort it.
		for _, sig := range fuzzOwnable {
			untrip(sig)
		}
		for _, sig := range fuzzOwnable {
			if rerr := Release(sig); rerr != nil && err == nil {
				err = rerr
			}
		}
	}()

	for step, op := range ops {
		sig := fuzzSigs[op&7]
		valid := sig >= 1 && sig < nsig
		ownable := valid && !reserved[sig] // SIGKILL too: only sigaction refuses it
		var got, want error
		what := ""
		switch op >> 4 & 0xF {
		case 0, 1, 2, 3, 10, 11: // Signal(sig, handler)
			h := handlers[op>>4]
			what = fmt.Sprintf("Signal(%d, %v)", sig, h)
			var gotOld Handler
			gotOld, got = Signal(sig, h)
			switch {
			case !valid || (valid && reserved[sig]):
				want = errors.New("refused")
			case sig == unix.SIGKILL:
				if want = m.check(); want == nil {
					want = unix.EINVAL
				}
			default:
				if want = m.check(); want == nil {
					if wantOld := m.handler[sig]; gotOld != wantOld {
						return fmt.Errorf("step %d %s: old %v, model %v", step, what, gotOld, wantOld)
					}
					m.handler[sig] = h
					m.restart[sig] = false
				}
			}
		case 4: // Siginterrupt(sig, flag)
			flag := op&8 != 0
			sig = fuzzSigs[op&3]
			ownable = sig >= 1 && sig < nsig && !reserved[sig]
			what = fmt.Sprintf("Siginterrupt(%d, %v)", sig, flag)
			got = Siginterrupt(sig, flag)
			if !ownable {
				want = errors.New("refused")
			} else {
				m.restart[sig] = !flag
			}
		case 5: // SetWakeupFD(pipe or -1)
			on := op&1 == 0
			fd := -1
			if on {
				fd = p[1]
			}
			what = fmt.Sprintf("SetWakeupFD(%d)", fd)
			_, got = SetWakeupFD(fd, true)
			m.wakeup = on
		case 6: // SetInterruptEx(sig)
			what = fmt.Sprintf("SetInterruptEx(%d)", sig)
			got = SetInterruptEx(sig)
			if !ownable {
				want = errors.New("refused")
			} else {
				m.interrupt(sig)
			}
		case 7: // RaiseSignal(sig), only where the outcome is not death
			h := m.handler[sig]
			if !ownable || h == Default || h == nil {
				continue // Default would kill us; nil is the runtime's handler
			}
			what = fmt.Sprintf("RaiseSignal(%d)", sig)
			got = RaiseSignal(sig)
			if h != Ignore {
				m.trip(sig)
			}
			want = m.check()
		case 8, 9: // CheckSignals
			what = "CheckSignals"
			got = CheckSignals()
			want = m.check()
		default: // GetSignal(sig)
			what = fmt.Sprintf("GetSignal(%d)", sig)
			h, gerr := GetSignal(sig)
			if !valid {
				want = errors.New("refused")
				got = gerr
			} else if gerr != nil {
				got = gerr
			} else if mh := m.handler[sig]; !reserved[sig] && sig != unix.SIGKILL && h != mh {
				return fmt.Errorf("step %d %s = %v, model %v", step, what, h, mh)
			}
		}
		if (got == nil) != (want == nil) || (want == errFuzz && !errors.Is(got, errFuzz)) {
			return fmt.Errorf("step %d %s: error %v, model %v", step, what, got, want)
		}
		if !slices.Equal(real, m.log) {
			return fmt.Errorf("step %d %s: handler runs %v, model %v", step, what, real, m.log)
		}
		if b := drain(p[0]); !slices.Equal(b, m.bytes) {
			return fmt.Errorf("step %d %s: wakeup bytes %v, model %v", step, what, b, m.bytes)
		}
		m.bytes = nil
		if races != m.races {
			return fmt.Errorf("step %d %s: %d race reports, model %d", step, what, races, m.races)
		}
		for _, s := range fuzzOwnable {
			if m.handler[s] == nil {
				continue
			}
			flags, _ := saFlags(s)
			if r := flags&saRestart != 0; m.handler[s] != Default && m.handler[s] != Ignore && r != m.restart[s] {
				return fmt.Errorf("step %d %s: SA_RESTART of %d is %v, model %v", step, what, s, r, m.restart[s])
			}
		}
	}
	return nil
}
