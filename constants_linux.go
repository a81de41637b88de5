package pysignal

// The values of CPython's signal-module constants on Linux, shared by the
// real build and the stubs of a build without cgo.

import "golang.org/x/sys/unix"

// Interval timers, for Setitimer and Getitimer (CPython's signal.ITIMER_*).
const (
	ItimerReal    = unix.ItimerReal    // real time; SIGALRM on expiry
	ItimerVirtual = unix.ItimerVirtual // process user time; SIGVTALRM
	ItimerProf    = unix.ItimerProf    // user + system time; SIGPROF (the Go profiler's signal)
)

// Signal mask operations, for PthreadSigmask (CPython's signal.SIG_BLOCK,
// SIG_UNBLOCK, SIG_SETMASK).
const (
	SigBlock   = unix.SIG_BLOCK
	SigUnblock = unix.SIG_UNBLOCK
	SigSetmask = unix.SIG_SETMASK
)

// NSIG is one more than the highest signal number: CPython's signal.NSIG.
const NSIG = 65

// The real-time signal range glibc leaves to programs (the kernel's 32 and
// 33 are glibc's own): CPython's signal.SIGRTMIN and signal.SIGRTMAX.
const (
	SIGRTMIN unix.Signal = 34
	SIGRTMAX unix.Signal = 64
)
