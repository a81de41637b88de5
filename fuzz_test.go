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

// fuzzHandler records its runs into the shared log.
type fuzzHandler struct {
	name string
	fail bool
	log  *[]string
}

func (h *fuzzHandler) Handle(sig unix.Signal) error {
	*h.log = append(*h.log, fmt.Sprintf("%s(%d)", h.name, sig))
	if h.fail {
		return errFuzz
	}
	return nil
}

// model is CPython's signal state, reduced to what the fuzzer observes.
type model struct {
	handler map[unix.Signal]Handler // set through Signal; absent: the runtime's (nil)
	restart map[unix.Signal]bool
	tripped map[unix.Signal]bool
	pending bool
	wakeup  bool
	log     []string
	bytes   []byte
	races   int
}

// check is CPython's PyErr_CheckSignals on the model.
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
		fh := h.(*fuzzHandler)
		m.log = append(m.log, fmt.Sprintf("%s(%d)", fh.name, sig))
		if fh.fail {
			m.pending = true
			return errFuzz
		}
	}
	return nil
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
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		if err := onMain(func() error { return runModel(t, ops) }); err != nil {
			t.Fatal(err)
		}
	})
}

// The signals the fuzzer plays with: three the package may own, and bad ones.
var fuzzSigs = []unix.Signal{usr1, usr2, 34, 0, 65, unix.SIGURG, unix.SIGKILL, usr1}

func runModel(t *testing.T, ops []byte) (err error) {
	var real []string
	hA := &fuzzHandler{"A", false, &real}
	hE := &fuzzHandler{"E", true, &real}
	handlers := []Handler{Default, Ignore, hA, hE}
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
		for _, sig := range fuzzSigs[:3] {
			untrip(sig)
		}
		for _, sig := range fuzzSigs[:3] {
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
		case 0, 1, 2, 3: // Signal(sig, handler)
			h := handlers[op>>4&3]
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
			} else if h := m.handler[sig]; h != nil && h != Default && h != Ignore {
				// nil, the runtime's handler, is the program's default.
				m.trip(sig)
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
		for _, s := range fuzzSigs[:3] {
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
