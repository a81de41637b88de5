//go:build linux && cgo

package pysignal

import (
	"errors"
	"sync/atomic"
)

// Protect runs fn with KeyboardInterrupt protection, as Trio's
// enable_ki_protection: handlers still run as signals arrive, but the
// errors they return are held back from the wrapped calls and
// CheckSignals calls made inside fn, which go on as if the handler had
// returned nil. When fn returns, Protect returns fn's own error joined with
// the held ones, in order (errors.Join: errors.Is finds each). Beyond
// CPython, which only warns that a KeyboardInterrupt can leave state
// inconsistent.
//
// Protect matters where a handler's error can come out: on the main thread,
// and on MainContext's fn goroutine (see MainContext); elsewhere it just
// runs fn. Protect nests: only the outermost returns what was held. If fn
// panics, what was held is raised at the next safe point outside (the next
// wrapped call or CheckSignals), never lost. Under MainContext an error
// raised while fn's goroutine is protected goes to neither ctx nor the
// untaken limit: it waits for Protect.
//
// A second KeyboardInterrupt while one is held ends the process through
// Exit at once: pressing Ctrl-C twice is the way out of a protected section
// that hangs, as a second Ctrl-C ends MainContext's program.
//
// Protect holds every handler's error, Ctrl-C's included, so it is for
// short sections that must not be torn, not for draining: a server that
// should finish its client after SIGTERM but still die at once by Ctrl-C
// lets the SIGTERM handler's error come out where it will (Accept, or the
// client's Read or Write), notes it, finishes the client, and then returns
// it (see ExitCode).
func Protect(fn func() error) error {
	g := guardFor()
	if g == nil {
		return fn()
	}
	g.depth.Add(1)
	ok := false
	defer func() {
		if g.depth.Add(-1) == 0 && !ok {
			g.reraise() // fn panicked: what was held comes out further out
		}
	}()
	err := fn()
	ok = true
	if g.depth.Load() > 1 {
		return err
	}
	return errors.Join(append([]error{err}, g.take()...)...)
}

// A guard is the protection state of a goroutine that plays the main
// thread; only that goroutine touches held.
type guard struct {
	depth atomic.Int32
	held  []error
}

var (
	mainGuard guard // the main thread
	fnGuard   guard // MainContext's fn goroutine
)

// guardFor is the caller's guard, or nil on a goroutine no handler error
// reaches.
func guardFor() *guard {
	switch {
	case onMainThread():
		return &mainGuard
	case intr.owned.Load() && intr.isFn():
		return &fnGuard
	}
	return nil
}

func (g *guard) protected() bool { return g.depth.Load() > 0 }

// hold keeps err for Protect to return; a second KeyboardInterrupt ends the
// process.
func (g *guard) hold(err error) {
	if errors.Is(err, ErrKeyboardInterrupt) {
		for _, h := range g.held {
			if errors.Is(h, ErrKeyboardInterrupt) {
				Exit(err)
			}
		}
	}
	g.held = append(g.held, err)
}

func (g *guard) take() []error {
	held := g.held
	g.held = nil
	return held
}

// reraise puts the held errors back where the next safe point finds them.
func (g *guard) reraise() {
	held := g.take()
	if len(held) == 0 {
		return
	}
	err := errors.Join(held...)
	if g == &fnGuard {
		if !intr.raised.CompareAndSwap(nil, &err) {
			reportUnraisable(&UnraisableError{Msg: "Exception ignored after a panic in pysignal.Protect", Err: err})
			return
		}
	} else {
		mainReraised = &err
	}
	atomic.OrUint64(cPending, pendingMore) // CheckSignals' one load must see it
}

// mainReraised is an error held by the main thread's Protect when its fn
// panicked, for the next check outside.
var mainReraised *error

// checkPending is CheckSignals once something is pending: runPending, but
// inside Protect on the main thread the handlers' errors are held and the
// pass goes on.
func checkPending() error {
	if !onMainThread() {
		return runPending()
	}
	if p := mainReraised; p != nil && !mainGuard.protected() {
		mainReraised = nil
		return *p
	}
	for {
		err := runPending()
		if err == nil || !mainGuard.protected() || errors.Is(err, ErrRecursion) {
			return err
		}
		mainGuard.hold(err)
	}
}
