//go:build linux && cgo

package sigtest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// explore is held for a whole Explore: the trace hook and the signal's
// handler are process-wide.
var explore sync.Mutex

// Explore lands opts.Signal at each point where fn crosses a wrapped system
// call, and reports how late the signal's handler ran each time.
//
// It runs fn on the main thread (through pysignal.Call), so it may be called
// from any goroutine while pysignal.Main or MainContext serves (otherwise it
// returns an error), or on the main thread itself. The first run enumerates fn's points; then fn runs once per point,
// and the trace hook sends the signal to the main thread with tgkill at that
// point. Delay runs from that moment to the handler's run. If the handler
// has not run when fn returns, Explore runs pending handlers at once, as
// Main's loop would (a signal after fn's last call is no race), and, if it
// still has not run, waits up to Bound for it. A point is Late when the
// delay exceeds Bound or the handler never ran.
//
// While it explores, Explore replaces the signal's handler with one that
// measures and then calls the program's own handler (one set with
// pysignal.Signal), once per injection; a Default, Ignore or Go runtime
// disposition is not acted on. Its own trace hook replaces the program's
// for the duration. When it returns (or fn panics) both are put back.
//
// fn must be repeatable: every run must make the same wrapped calls up to
// the point being explored (after the signal lands, the runs may differ:
// the handler may change what fn does). Otherwise Explore returns
// ErrNotRepeatable, wrapped with the point. An error from fn's first run
// fails Explore (wrapped). On later runs fn may fail with an error that the
// program's handler for the explored signal returned during that run (the
// handler may make fn fail on purpose; fn may wrap the error): that is
// expected and ignored. Any other error of fn, and any error of a handler
// that runs in Explore's own checks (a real Ctrl-C during an exploration:
// ErrKeyboardInterrupt from DefaultIntHandler), ends the exploration:
// Explore returns it, wrapped with the point, so that errors.Is finds it
// and a program under MainContext ends as it would have without Explore.
// Such an error comes before ErrNotRepeatable: a run cut short by it is not
// called unrepeatable. fn must not replace the signal's handler (an error
// says so).
//
// Explore takes one exploration at a time: concurrent calls wait their turn,
// and a call from inside fn is refused with an error.
//
// CPython has no counterpart (see the package documentation).
func Explore(fn func() error, opts Options) (rep *Report, err error) {
	if fn == nil {
		return nil, errors.New("sigtest: Explore(nil)")
	}
	if opts.Signal == 0 {
		opts.Signal = DefaultSignal
	}
	switch {
	case opts.Bound < 0:
		return nil, fmt.Errorf("sigtest: negative Bound %v", opts.Bound)
	case opts.Bound == 0:
		opts.Bound = DefaultBound
	}
	if unix.Gettid() == pysignal.MainThreadID() {
		// Waiting here would keep the main thread from serving the
		// exploration under way: from inside fn, or from main itself.
		if !explore.TryLock() {
			return nil, errors.New("sigtest: Explore called on the main thread while an exploration runs (from inside fn?)")
		}
	} else {
		explore.Lock()
	}
	defer explore.Unlock()

	x := &explorer{fn: fn, opts: opts, pid: unix.Getpid(), tid: pysignal.MainThreadID()}
	if err := x.onMain(x.install); err != nil {
		return nil, err
	}
	defer func() {
		if uerr := x.onMain(x.uninstall); uerr != nil && err == nil {
			rep, err = nil, fmt.Errorf("sigtest: putting back the handler of %s: %w", sigName(opts.Signal), uerr)
		}
	}()

	first, err := x.run(-1)
	if err != nil {
		return nil, err
	}
	if first.err != nil {
		return nil, fmt.Errorf("sigtest: fn failed on its first run: %w", first.err)
	}
	rep = &Report{sig: opts.Signal, bound: opts.Bound}
	for _, p := range first.points {
		r, err := x.run(p.Index)
		if err != nil {
			return nil, fmt.Errorf("sigtest: on the run for %v: %w", p, err)
		}
		if r.err != nil && !r.fromHandler(r.err) {
			return nil, fmt.Errorf("sigtest: fn failed on the run for %v: %w", p, r.err)
		}
		if err := sameUpTo(first.points, r.points, p.Index); err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, x.measure(p, r))
	}
	return rep, nil
}

// explorer is one Explore's state.
type explorer struct {
	fn       func() error
	opts     Options
	pid, tid int

	restoreHook func()
	prevHandler pysignal.Handler
	ours        *measuring

	// cur is the run in progress; the hook and the handler use it on the
	// main thread. Explore reads it after the run's Call has returned.
	cur    *run
	active atomic.Bool // fn is running: record its trace events
}

// run is one run of fn.
type run struct {
	inject int     // the point to signal at; -1 for none
	points []Point // the trace events of the main thread while fn ran
	err    error   // fn's result

	sentAt, end time.Time     // the injection; fn's return
	ranAt       atomic.Int64  // when the handler ran, in ns after sentAt+1 (0: not yet)
	ran         chan struct{} // closed when the handler runs after the injection

	// handlerErrs are the errors the program's handler for the explored
	// signal returned while the run's Call was under way (collecting).
	collecting  bool
	handlerErrs []error
}

// fromHandler says whether err is (or wraps) an error the program's
// handler for the explored signal returned during the run.
func (r *run) fromHandler(err error) bool {
	for _, h := range r.handlerErrs {
		if errors.Is(err, h) {
			return true
		}
	}
	return false
}

// measuring is the handler installed while Explore runs: it notes when it ran
// after an injection, then calls the program's own handler.
type measuring struct {
	x    *explorer
	prev pysignal.Handler
}

func (m *measuring) Handle(sig unix.Signal) error {
	if r := m.x.cur; r != nil && !r.sentAt.IsZero() && r.ranAt.Load() == 0 {
		r.ranAt.Store(int64(time.Since(r.sentAt)) + 1)
		close(r.ran)
	}
	if m.prev == nil || m.prev == pysignal.Default || m.prev == pysignal.Ignore {
		return nil
	}
	err := m.prev.Handle(sig)
	// The handler runs on the main thread; collecting is set and read
	// there too, inside the run's Call.
	if r := m.x.cur; err != nil && r != nil && r.collecting {
		r.handlerErrs = append(r.handlerErrs, err)
	}
	return err
}

// onMain runs f on the main thread and returns its error. If Main is not
// serving, pysignal.Call panics before f starts: that becomes an error.
func (x *explorer) onMain(f func() error) (err error) {
	started := false
	defer func() {
		if !started {
			if r := recover(); r != nil {
				err = fmt.Errorf("sigtest: Explore needs pysignal.Main serving the main thread (%v)", r)
			}
		}
	}()
	pysignal.Call(func() {
		started = true
		err = f()
	})
	return err
}

// install puts the measuring handler and the trace hook in place.
func (x *explorer) install() error {
	x.ours = &measuring{x: x}
	prev, err := pysignal.Signal(x.opts.Signal, x.ours)
	if err != nil {
		return fmt.Errorf("sigtest: installing the handler for %s: %w", sigName(x.opts.Signal), err)
	}
	x.ours.prev, x.prevHandler = prev, prev
	x.restoreHook = pysignal.SetTraceHook(x.hook)
	return nil
}

// uninstall puts back the trace hook and the program's handler (nil: hand
// the signal back to the Go runtime).
func (x *explorer) uninstall() error {
	x.restoreHook()
	if x.prevHandler == nil {
		return pysignal.Release(x.opts.Signal)
	}
	_, err := pysignal.Signal(x.opts.Signal, x.prevHandler)
	return err
}

// hook records the main thread's trace events while fn runs, and sends the
// signal at the chosen one. It runs on the thread making the call.
func (x *explorer) hook(ev pysignal.TraceEvent) {
	if !x.active.Load() || unix.Gettid() != x.tid {
		return
	}
	r := x.cur
	i := len(r.points)
	r.points = append(r.points, Point{Index: i, Call: ev.Call, Phase: ev.Phase})
	if i == r.inject {
		r.sentAt = time.Now()
		unix.Tgkill(x.pid, x.tid, x.opts.Signal) // its C handler runs before this returns
	}
}

// run runs fn once on the main thread, signalling at point inject (-1: none).
func (x *explorer) run(inject int) (*run, error) {
	r := &run{inject: inject, ran: make(chan struct{})}
	err := x.onMain(func() error {
		x.cur = r
		r.collecting = true
		defer func() { r.collecting = false }()
		func() {
			x.active.Store(true)
			defer x.active.Store(false)
			r.err = x.fn()
		}()
		r.end = time.Now()
		// What Main's loop does at once when fn returns. The program's
		// handler for the explored signal may fail on purpose: the signal
		// came after fn's calls, and nobody is left to receive its error.
		// Any other handler's error (a real Ctrl-C) is the program's.
		if err := pysignal.CheckSignals(); err != nil && !r.fromHandler(err) {
			return err
		}
		if h, err := pysignal.GetSignal(x.opts.Signal); err != nil || h != x.ours {
			return fmt.Errorf("sigtest: fn replaced the handler of %s (now %v); explore with another Options.Signal", sigName(x.opts.Signal), h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if inject >= 0 && !r.sentAt.IsZero() && unix.Gettid() != x.tid {
		// Not yet run: the signal is still on its way (blocked, say). Main's
		// loop runs it if it comes within Bound of fn's return.
		select {
		case <-r.ran:
		case <-time.After(time.Until(r.end.Add(x.opts.Bound))):
		}
	}
	return r, nil
}

// measure turns run r, injected at p, into p's Result.
func (x *explorer) measure(p Point, r *run) Result {
	res := Result{Point: p}
	if ns := r.ranAt.Load(); ns != 0 {
		res.Delay = time.Duration(ns - 1)
	} else {
		res.Delay, res.missed = time.Since(r.sentAt), true
	}
	res.Late = res.missed || res.Delay > x.opts.Bound
	return res
}

// sameUpTo checks that run b made the same steps as the first run a up to
// and including point k, where b's signal landed.
func sameUpTo(a, b []Point, k int) error {
	for i := 0; i <= k; i++ {
		if i >= len(b) {
			return fmt.Errorf("%w: the first run reached %v, the run for point %d stopped after %d points",
				ErrNotRepeatable, a[i], k, len(b))
		}
		if a[i] != b[i] {
			return fmt.Errorf("%w: the first run had %v, the run for point %d had %v",
				ErrNotRepeatable, a[i], k, b[i])
		}
	}
	return nil
}
