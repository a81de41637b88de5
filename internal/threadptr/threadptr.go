//go:build linux && (amd64 || arm64)

// Package threadptr reads the calling thread's thread pointer, a value
// unique to each OS thread, without a system call or a cgo call. It lives in
// its own package because a package that uses cgo cannot contain Go
// assembly.
package threadptr

// Get returns the calling thread's thread pointer: %fs:0 on amd64 (the
// x86-64 TLS ABI keeps the thread control block's own address there),
// TPIDR_EL0 on arm64. A goroutine cannot move to another thread inside this
// leaf function, so the value names the thread the caller ran on.
//
// The value is unique per thread only in a program linked with cgo, whose
// threads are libc's (pysignal always is): without cgo the Go runtime
// points %fs at its own per-M storage, whose first word is not unique.
func Get() uintptr
