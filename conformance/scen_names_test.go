//go:build linux && cgo

package conformance

import (
	"errors"
	"fmt"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["names"] = names }

func names(o *out) {
	const rtNames = "Go names them SIGRTMIN+n (as glibc and kill -l do); CPython's " +
		"Signals has no member for them (design.md difference 16)"
	o.line("NSIG", pysignal.NSIG)
	o.line("SIGRTMIN", pysignal.SIGRTMIN)
	o.line("SIGRTMAX", pysignal.SIGRTMAX)
	for sig := unix.Signal(1); sig <= 64; sig++ {
		if sig == 35 {
			sig = 64
		}
		name := pysignal.SignalName(sig)
		if name == "" {
			name = "(none)"
		}
		o.line(fmt.Sprintf("name %d", sig), name)
	}
	var rt []string
	for sig := unix.Signal(35); sig < 64; sig++ {
		if n := pysignal.SignalName(sig); n != "" {
			rt = append(rt, n)
		}
	}
	o.differs("names 35..63", rt, rtNames)
	byName := func(name string) any {
		sig, err := pysignal.SignalByName(name)
		if errors.Is(err, pysignal.ErrInvalidSignal) {
			return "KeyError"
		} else if err != nil {
			return err.Error()
		}
		return sig
	}
	for _, name := range []string{"SIGINT", "SIGIOT", "SIGPOLL", "SIGCLD", "SIGRTMIN", "SIGRTMAX",
		"SIGABRT", "SIGIO", "SIGCHLD", "INT", "SIGFOO", "", "sigint"} {
		o.line(fmt.Sprintf("by name %s", pyRepr(name)), byName(name))
	}
	o.differs("by name 'SIGRTMIN+1'", byName("SIGRTMIN+1"), rtNames)
	for sig := unix.Signal(-1); sig < 67; sig++ {
		s, err := pysignal.Strsignal(sig)
		switch {
		case err != nil:
			o.attempt(fmt.Sprintf("strsignal %d", sig), err)
		case s == "":
			o.line(fmt.Sprintf("strsignal %d", sig), "ok")
		default:
			o.line(fmt.Sprintf("strsignal %d", sig), "ok "+s)
		}
	}
	valid := pysignal.ValidSignals()
	o.line("valid_signals count", len(valid))
	in := map[unix.Signal]bool{}
	for _, s := range valid {
		in[s] = true
	}
	var missing []int
	for s := 1; s <= 64; s++ {
		if !in[unix.Signal(s)] {
			missing = append(missing, s)
		}
	}
	o.line("valid_signals missing", missing)
}

// pyRepr quotes a plain ASCII string as Python's repr does.
func pyRepr(s string) string { return "'" + s + "'" }
