//go:build !amd64 && !arm64

package gptr

import (
	"bytes"
	"runtime"
	"strconv"
)

// Get returns the calling goroutine's id, read from its stack trace's
// header ("goroutine N [...]"): about a microsecond, where amd64 and arm64
// read the g pointer in a nanosecond.
func Get() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return uintptr(n)
}
