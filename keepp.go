//go:build linux && cgo

package pysignal

import (
	"runtime"
	"time"
)

// While Main runs, the main goroutine is locked to its thread, and while it waits for
// signals it only makes system calls: it never passes through the Go
// scheduler, so its P's schedtick never moves. sysmon (runtime/proc.go,
// retake) then takes it for a goroutine that has hogged the CPU for 10 ms
// and, from then on, takes the P away at every blocking system call at its
// next tick, skipping the usual grace (keep the P while other Ps are idle,
// for up to 10 ms). Every wait then ends on exitsyscall's slow path: with
// every P idle, sysmon has gone into deep sleep, and the main thread must
// take an idle P and futex-wake sysmon while holding sched.lock; on a
// 2-vCPU machine sysmon wakes on the main thread's CPU, preempts it and
// spins on that lock. docs/benchmarks.md has the trace: this cost ~10 µs on
// the cross-thread path (p50 18 µs against the C floor's 4.5 µs).
//
// keepP is called on the main thread before each blocking wait for a signal
// (Main's idle sleep, Wakeup.Wait). If the main goroutine has not been
// through the scheduler for keepPEvery, it yields once (runtime.Gosched: a
// hand-off of the P and back, ~10 µs for a locked goroutine), which moves
// the schedtick; waits shorter than 10 ms then keep their P, and the
// wake-up is exitsyscall's fast path. A wait longer than 10 ms still loses
// its P, by the runtime's design; docs/benchmarks.md measures that case.
func keepP() {
	if time.Since(lastPass) < keepPEvery {
		return
	}
	runtime.Gosched()
	lastPass = time.Now()
}

// keepPEvery is half of the runtime's forcePreemptNS (10 ms), so that sysmon,
// whose ticks are at most 10 ms apart, never sees one schedtick for 10 ms
// while the main thread keeps waking up.
const keepPEvery = 5 * time.Millisecond

// lastPass is when the main goroutine last went through the scheduler in
// keepP. Main thread only.
var lastPass time.Time
