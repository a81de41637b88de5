//go:build linux && cgo

package pysignal

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestHookRestore: the setters return a restore func, and restores nest like
// defers, for both hooks.
func TestHookRestore(t *testing.T) {
	var got []string
	hook := func(name string) TraceHook {
		return func(ev TraceEvent) {
			if ev.Call == "probe" && ev.Phase == PhaseEnter {
				got = append(got, name)
			}
		}
	}
	probe := func() { attempt(traceHook.Load(), "probe", func() (int, error) { return 0, nil }) }
	outer := SetTraceHook(hook("outer"))
	inner := SetTraceHook(hook("inner"))
	probe()
	inner()
	probe()
	outer()
	probe()
	if want := []string{"inner", "outer"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("trace hooks ran %q, want %q", got, want)
	}
	if traceHook.Load() != nil {
		t.Error("after both restores a trace hook is still installed")
	}

	var seen []string
	outerU := SetUnraisableHook(func(*UnraisableError) { seen = append(seen, "outer") })
	innerU := SetUnraisableHook(func(*UnraisableError) { seen = append(seen, "inner") })
	report := func() { reportUnraisable(&UnraisableError{Msg: "probe", Err: unix.EINVAL}) }
	report()
	innerU()
	report()
	outerU()
	if want := []string{"inner", "outer"}; len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("unraisable hooks ran %q, want %q", seen, want)
	}
	if unraisableHook.Load() != nil {
		t.Error("after both restores an unraisable hook is still installed")
	}
}
