//go:build linux && cgo

package pysignal

// The kernel structures the package reads or fills itself, checked against
// the C library's view of them for the architecture being built: each
// constant below fails to compile (it overflows uintptr) unless the two
// sides agree. amd64 and arm64 share these layouts; a port to an
// architecture that differs (mips swaps si_code and si_errno) stops here
// instead of decoding garbage.

/*
#include <signal.h>
#include <stddef.h>
#include <sys/time.h>

enum {
	pysig_siginfo_signo  = offsetof(siginfo_t, si_signo),
	pysig_siginfo_errno  = offsetof(siginfo_t, si_errno),
	pysig_siginfo_code   = offsetof(siginfo_t, si_code),
	pysig_siginfo_pid    = offsetof(siginfo_t, si_pid),
	pysig_siginfo_uid    = offsetof(siginfo_t, si_uid),
	pysig_siginfo_status = offsetof(siginfo_t, si_status),
	pysig_siginfo_band   = offsetof(siginfo_t, si_band),
	pysig_siginfo_value  = offsetof(siginfo_t, si_value),
	pysig_siginfo_fd     = offsetof(siginfo_t, si_fd),
	pysig_timeval_usec   = offsetof(struct timeval, tv_usec),
	pysig_kernel_sigset  = (_NSIG - 1 + 7) / 8,
};
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

var (
	lsi rawSiginfo
	ltv unix.Timeval
)

const (
	lunion = unsafe.Offsetof(lsi.Union)

	// siginfo_t, as rawSiginfo and its decode see it.
	_ = uintptr(C.sizeof_siginfo_t) - unsafe.Sizeof(lsi)
	_ = unsafe.Sizeof(lsi) - uintptr(C.sizeof_siginfo_t)
	_ = uintptr(C.pysig_siginfo_signo) - unsafe.Offsetof(lsi.Signo)
	_ = unsafe.Offsetof(lsi.Signo) - uintptr(C.pysig_siginfo_signo)
	_ = uintptr(C.pysig_siginfo_errno) - unsafe.Offsetof(lsi.Errno)
	_ = unsafe.Offsetof(lsi.Errno) - uintptr(C.pysig_siginfo_errno)
	_ = uintptr(C.pysig_siginfo_code) - unsafe.Offsetof(lsi.Code)
	_ = unsafe.Offsetof(lsi.Code) - uintptr(C.pysig_siginfo_code)
	_ = uintptr(C.pysig_siginfo_pid) - (lunion + 0)
	_ = (lunion + 0) - uintptr(C.pysig_siginfo_pid)
	_ = uintptr(C.pysig_siginfo_uid) - (lunion + 4)
	_ = (lunion + 4) - uintptr(C.pysig_siginfo_uid)
	_ = uintptr(C.pysig_siginfo_status) - (lunion + 8)
	_ = (lunion + 8) - uintptr(C.pysig_siginfo_status)
	_ = uintptr(C.pysig_siginfo_band) - (lunion + 0)
	_ = (lunion + 0) - uintptr(C.pysig_siginfo_band)
	_ = uintptr(C.pysig_siginfo_value) - (lunion + 8)
	_ = (lunion + 8) - uintptr(C.pysig_siginfo_value)
	_ = uintptr(C.pysig_siginfo_fd) - (lunion + 8)
	_ = (lunion + 8) - uintptr(C.pysig_siginfo_fd)

	// The kernel's signal set: nsig-1 bits, which unix.Sigset_t must hold.
	_ = uintptr(C.pysig_kernel_sigset) - nsig/8
	_ = nsig/8 - uintptr(C.pysig_kernel_sigset)
	_ = unsafe.Sizeof(unix.Sigset_t{}) - nsig/8

	// struct timeval, as x/sys/unix declares it for Setitimer and Alarm.
	_ = uintptr(C.sizeof_struct_timeval) - unsafe.Sizeof(ltv)
	_ = unsafe.Sizeof(ltv) - uintptr(C.sizeof_struct_timeval)
	_ = uintptr(C.pysig_timeval_usec) - unsafe.Offsetof(ltv.Usec)
	_ = unsafe.Offsetof(ltv.Usec) - uintptr(C.pysig_timeval_usec)
)
