package pysignal

import "golang.org/x/sys/unix"

// SigInfo is CPython's signal.struct_siginfo: what sigwaitinfo(2) and
// sigtimedwait(2) report about the signal they took. Pid, UID, Status and
// Band are read from the kernel's union whatever the signal, as CPython does;
// which of them mean something depends on Signo and Code.
type SigInfo struct {
	Signo  unix.Signal // si_signo
	Code   int32       // si_code: 0 (SI_USER) for kill, raise, pthread_kill and tgkill, as glibc reports it
	Errno  int32       // si_errno
	Pid    int32       // si_pid
	UID    uint32      // si_uid
	Status int32       // si_status (SIGCHLD)
	Band   int64       // si_band (SIGPOLL), sharing storage with Pid and UID
}
