package sigtest

import (
	"errors"
	"fmt"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// A Point is one step of a wrapped call that fn made: the Index-th event the
// trace hook reported on the main thread during fn's run.
type Point struct {
	Index int                 // the k-th trace event of fn's run, from 0
	Call  string              // the wrapped call: "read", "poll", ...
	Phase pysignal.TracePhase // where in the PEP 475 loop
}

func (p Point) String() string {
	return fmt.Sprintf("point %d (%s: %v)", p.Index, p.Call, p.Phase)
}

// A Result is what happened when the signal landed at one point.
type Result struct {
	Point
	Delay time.Duration // from the injected signal to its handler's run
	Late  bool          // Delay > Options.Bound (or the handler never ran)

	// missed: the handler never ran; Delay is how long Explore waited.
	missed bool
}

// A Report lists the Result of every point, in order.
type Report struct {
	Results []Result // one per point, in order

	sig   unix.Signal
	bound time.Duration
}

// Options configure Explore. The zero value is ready to use.
type Options struct {
	Signal unix.Signal   // the signal to inject (default SIGUSR1)
	Bound  time.Duration // how late a handler may run (default 10 ms)
}

// Defaults for the zero Options.
const (
	DefaultSignal = unix.SIGUSR1
	DefaultBound  = 10 * time.Millisecond
)

// ErrNotRepeatable is returned, wrapped with the point where the runs part,
// when a run of fn makes different wrapped calls from its first run before
// the signal is injected: Explore needs fn to do the same thing every time.
var ErrNotRepeatable = errors.New("sigtest: fn is not repeatable")

// sigName names sig as "SIGUSR1", or by number if it has no name.
func sigName(sig unix.Signal) string {
	if name := pysignal.SignalName(sig); name != "" {
		return name
	}
	return fmt.Sprint(int(sig))
}
