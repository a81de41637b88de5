//go:build amd64 || arm64

package gptr

// Get returns the calling goroutine's g pointer: the runtime keeps it in
// thread-local storage on amd64 and in a dedicated register (R28) on arm64.
//
//go:nosplit
func Get() uintptr
