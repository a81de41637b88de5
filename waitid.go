//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Waitid is waitid(2) in the PEP 475 loop: CPython's os.waitid. It waits
// for a child chosen by idType and id (unix.P_PID and a pid, unix.P_PGID
// and a process group, unix.P_ALL, unix.P_PIDFD and a pidfd) to change state
// as options ask (unix.WEXITED, WSTOPPED, WCONTINUED, with WNOHANG, WNOWAIT)
// and returns what the kernel reported, read into a WaitidResult. With
// WNOHANG and no such child the result's Pid is 0, where CPython returns
// None. rusage, if not nil, receives the child's resource usage.
func Waitid(idType int, id int, options int, rusage *unix.Rusage) (WaitidResult, error) {
	if err := narrow(idType, id, options); err != nil {
		return WaitidResult{}, err
	}
	var info rawSiginfo // zero: si_pid stays 0 when WNOHANG finds nothing
	_, err := retry("waitid", func() (int, error) {
		return result(unix.Waitid(idType, id, (*unix.Siginfo)(unsafe.Pointer(&info)), options, rusage))
	})
	if err != nil {
		return WaitidResult{}, err
	}
	u := info.Union[:]
	return WaitidResult{
		Pid:    int(int32(binary.NativeEndian.Uint32(u[0:]))),
		UID:    int(binary.NativeEndian.Uint32(u[4:])),
		Signo:  unix.Signal(info.Signo),
		Status: int(int32(binary.NativeEndian.Uint32(u[8:]))),
		Code:   int(info.Code),
	}, nil
}
