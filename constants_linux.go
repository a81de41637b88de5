package pysignal

// The values of CPython's signal-module constants on Linux, shared by the
// real build and the stubs of a build without cgo.

import "golang.org/x/sys/unix"

// Interval timers, for Setitimer and Getitimer (CPython's signal.ITIMER_*).
const (
	ItimerReal    = int(unix.ItimerReal)    // real time; SIGALRM on expiry
	ItimerVirtual = int(unix.ItimerVirtual) // process user time; SIGVTALRM
	ItimerProf    = int(unix.ItimerProf)    // user + system time; SIGPROF (the Go profiler's signal)
)

// Signal mask operations, for PthreadSigmask (CPython's signal.SIG_BLOCK,
// SIG_UNBLOCK, SIG_SETMASK).
const (
	SigBlock   = unix.SIG_BLOCK
	SigUnblock = unix.SIG_UNBLOCK
	SigSetmask = unix.SIG_SETMASK
)
