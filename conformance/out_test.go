//go:build linux && cgo

package conformance

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// out collects a scenario's lines, formatted as scenarios/_conf.py does.
type out struct{ lines []string }

// line prints "label: value".
func (o *out) line(label string, v any) { o.lines = append(o.lines, label+": "+format(v)) }

// differs prints a line that must differ from CPython's, with the reason
// (a deliberate difference of docs/design.md).
func (o *out) differs(label string, v any, reason string) {
	o.lines = append(o.lines, label+": "+format(v)+" ## differs: "+reason)
}

// attempt prints "ok" or the error's class, as _conf.attempt does.
func (o *out) attempt(label string, err error) { o.line(label, errClass(err)) }

// attemptDiffers is attempt for a line that must differ.
func (o *out) attemptDiffers(label string, err error, reason string) {
	o.differs(label, errClass(err), reason)
}

func (o *out) print() {
	for _, l := range o.lines {
		fmt.Fprintln(os.Stdout, l)
	}
}

func format(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return v
	case bool:
		return fmt.Sprint(v)
	case []unix.Signal:
		return join(len(v), func(i int) string { return fmt.Sprint(int(v[i])) })
	case []byte:
		return join(len(v), func(i int) string { return fmt.Sprint(v[i]) })

	case []string:
		return join(len(v), func(i int) string { return v[i] })
	case []int:
		return join(len(v), func(i int) string { return fmt.Sprint(v[i]) })
	case unix.Signal:
		return fmt.Sprint(int(v))
	case pysignal.Handler:
		return handlerName(v)
	}
	return fmt.Sprint(v)
}

func join(n int, f func(int) string) string {
	if n == 0 {
		return "(none)"
	}
	s := make([]string, n)
	for i := range s {
		s[i] = f(i)
	}
	return strings.Join(s, " ")
}

func handlerName(h pysignal.Handler) string {
	switch h {
	case nil:
		return "None"
	case pysignal.Default:
		return "SIG_DFL"
	case pysignal.Ignore:
		return "SIG_IGN"
	case pysignal.DefaultIntHandler:
		return "default_int_handler"
	}
	if n, ok := h.(*named); ok {
		return n.name
	}
	return fmt.Sprintf("%T", h)
}

// errHandler is what a failing handler returns (_conf.HandlerError).
var errHandler = errors.New("HandlerError")

// errClass spells an error as _conf.err_class spells CPython's exception.
func errClass(err error) string {
	var pe *pysignal.Error
	var errno unix.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errHandler):
		return "HandlerError"
	case errors.Is(err, pysignal.ErrKeyboardInterrupt):
		return "KeyboardInterrupt"
	case errors.Is(err, pysignal.ErrOverflow):
		return "OverflowError"
	case errors.Is(err, pysignal.ErrNotMainThread):
		return "ValueError (main thread)"
	case errors.Is(err, pysignal.ErrInvalidSignal):
		return "ValueError (signal range)"
	case errors.Is(err, pysignal.ErrBlockingFD):
		return "ValueError (blocking fd)"
	case errors.Is(err, pysignal.ErrNegativeTimeout):
		return "ValueError (negative timeout)"
	case errors.Is(err, pysignal.ErrInvalidHandler):
		return "TypeError"
	case errors.Is(err, pysignal.ErrReservedSignal):
		return "ReservedSignal"
	case errors.As(err, &pe) && (pe.Op == "setitimer" || pe.Op == "getitimer") && errors.As(err, &errno):
		return "ItimerError " + unix.ErrnoName(errno)
	case errors.As(err, &errno):
		return "OSError " + unix.ErrnoName(errno)
	}
	return "unexpected Go error " + err.Error()
}

// named is a handler with a name that logs its runs, as _conf.Log.make.
type named struct {
	name string
	fail bool
	log  *runLog
}

func (h *named) Handle(sig unix.Signal) error {
	h.log.runs = append(h.log.runs, fmt.Sprintf("%s:%d", h.name, int(sig)))
	if h.fail {
		return errHandler
	}
	return nil
}

// runLog records handler runs (_conf.Log).
type runLog struct{ runs []string }

func (l *runLog) make(name string) *named { return &named{name: name, log: l} }

func (l *runLog) failing(name string) *named { return &named{name: name, fail: true, log: l} }

func (l *runLog) take() []string {
	r := l.runs
	l.runs = nil
	return r
}
