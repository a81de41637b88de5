//go:build !cgo

package pysignal

// The stubs of the Linux-only part of the API (the x/sys types it uses exist
// only on Linux), for a Linux build without cgo.

import (
	"time"

	"golang.org/x/sys/unix"
)

func EpollWait(epfd int, events []unix.EpollEvent, timeout time.Duration) (n int, err error) {
	return 0, unsupported("EpollWait")
}
func Waitid(idType int, id int, info *unix.Siginfo, options int, rusage *unix.Rusage) error {
	return unsupported("Waitid")
}
func Setitimer(which unix.ItimerWhich, value, interval time.Duration) (oldValue, oldInterval time.Duration, err error) {
	return 0, 0, unsupported("Setitimer")
}
func Getitimer(which unix.ItimerWhich) (value, interval time.Duration, err error) {
	return 0, 0, unsupported("Getitimer")
}
