package pysignal

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A TracePhase is a step of the PEP 475 loop that every wrapped call runs.
type TracePhase uint8

const (
	// PhaseEnter: the wrapper is about to make the system call. A signal
	// that arrives between this point and the moment the call blocks only
	// trips its flag: the race window.
	PhaseEnter TracePhase = iota + 1
	// PhaseExit: the system call returned (Result, Errno).
	PhaseExit
	// PhaseCheck: after EINTR, CheckSignals ran (Err is its result).
	PhaseCheck
	// PhaseRetry: no handler failed; the call is about to be made again.
	PhaseRetry
)

func (p TracePhase) String() string {
	switch p {
	case PhaseEnter:
		return "syscall enter"
	case PhaseExit:
		return "syscall exit"
	case PhaseCheck:
		return "check signals"
	case PhaseRetry:
		return "retry"
	}
	return "unknown phase"
}

// A TraceEvent is one step of a wrapped call, reported to the trace hook.
type TraceEvent struct {
	Call   string     // the system call's name: "read", "poll", …
	Phase  TracePhase // which step
	Result int        // PhaseExit: the call's return value (-1 on error)
	Errno  unix.Errno // PhaseExit: the error number, 0 on success
	Err    error      // PhaseCheck: what CheckSignals returned
}

// A TraceHook receives the steps of every wrapped call, synchronously, on
// the thread making the call.
type TraceHook func(TraceEvent)

var traceHook atomic.Pointer[TraceHook]

// SetTraceHook installs h (nil removes it) and returns a function that puts
// back the hook it replaced, so a caller scopes its hook with
//
//	defer pysignal.SetTraceHook(h)()
//
// Restores nest like defers: undo them in reverse order.
//
// It is a testing and study tool, beyond CPython: it shows the PEP 475 loop
// step by step, and lets a test act at an exact step, e.g. send a signal at
// PhaseEnter to land in the race window. A hook slows every wrapped call and
// runs inside it; keep it short and never call wrapped functions from it.
// With no hook installed, the cost is one atomic load per call.
func SetTraceHook(h TraceHook) (restore func()) {
	return setHook(&traceHook, h, h == nil)
}

// setHook puts h in slot (nothing if none) and returns the function that
// puts back what was there: SetTraceHook's and SetUnraisableHook's restore.
func setHook[H any](slot *atomic.Pointer[H], h H, none bool) (restore func()) {
	var p *H
	if !none {
		p = &h
	}
	prev := slot.Swap(p)
	return func() { slot.Store(prev) }
}
