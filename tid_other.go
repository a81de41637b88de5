//go:build linux && cgo && !amd64 && !arm64

package pysignal

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// callTID returns the calling thread's id: gettid(2) (amd64 and arm64
// cache it by thread pointer, tid_tp.go).
func callTID() int32 {
	r, _, _ := syscall.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
	return int32(r)
}
