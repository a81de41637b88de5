package pysignal

import "golang.org/x/sys/unix"

// SigInfo is CPython's signal.struct_siginfo: what sigwaitinfo(2) and
// sigtimedwait(2) report about the signal they took, and what a
// HandlerInfoFunc is told about the latest delivery of its signal. Pid, UID,
// Status, Band, Value and FD are read from the kernel's union whatever the
// signal, as CPython does; which of them mean something depends on Signo and
// Code. Value and FD are beyond CPython's struct_siginfo.
type SigInfo struct {
	Signo  unix.Signal // si_signo
	Code   int32       // si_code: 0 (SI_USER) for kill, raise, pthread_kill and tgkill, as glibc reports it
	Errno  int32       // si_errno
	Pid    int32       // si_pid
	UID    uint32      // si_uid
	Status int32       // si_status (SIGCHLD)
	Band   int64       // si_band (SIGPOLL), sharing storage with Pid and UID
	Value  int64       // si_value (sigqueue's value: sival_ptr, whose low 32 bits are sival_int), sharing storage with Status
	FD     int32       // si_fd (SIGPOLL), sharing storage with Status
}

// WaitidResult is CPython's os.waitid_result: what waitid(2) reports about
// the child it waited for. Code is one of CLDExited, CLDKilled, CLDDumped,
// CLDTrapped, CLDStopped and CLDContinued; Status is the exit status for
// CLDExited and the signal number for the others. Pid is 0 when
// WNOHANG found no child whose state had changed (CPython returns None).
type WaitidResult struct {
	Pid    int         // si_pid: the child
	UID    int         // si_uid: the child's real user ID
	Signo  unix.Signal // si_signo: always SIGCHLD
	Status int         // si_status: exit status or signal, as Code says
	Code   int         // si_code: CLDExited, CLDKilled, ...
}

// The si_code values of a WaitidResult (Linux's): CPython's os.CLD_EXITED,
// os.CLD_KILLED, os.CLD_DUMPED, os.CLD_TRAPPED, os.CLD_STOPPED and
// os.CLD_CONTINUED.
const (
	CLDExited    = 1 // the child exited; Status is its exit status
	CLDKilled    = 2 // a signal killed it; Status is the signal
	CLDDumped    = 3 // a signal killed it and it dumped core
	CLDTrapped   = 4 // a traced child stopped at a trap
	CLDStopped   = 5 // a signal stopped it
	CLDContinued = 6 // SIGCONT continued it
)

// Codes that SigInfo.Code takes (linux/include/uapi/asm-generic/siginfo.h).
const (
	SIUser    = 0    // SI_USER: kill(2), and (folded, as glibc reports them) tgkill, raise, pthread_kill
	SIKernel  = 0x80 // SI_KERNEL: sent by the kernel
	SIQueue   = -1   // SI_QUEUE: sigqueue(3)
	SITimer   = -2   // SI_TIMER: a POSIX timer expired
	SIMesgq   = -3   // SI_MESGQ: a POSIX message queue
	SIAsyncio = -4   // SI_ASYNCIO: asynchronous I/O completed
	SISigio   = -5   // SI_SIGIO: queued SIGIO
)
