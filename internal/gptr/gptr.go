// Package gptr names the calling goroutine: Get returns a value that no
// other live goroutine shares. pysignal uses it to recognise the goroutine
// that plays CPython's main thread (MainContext's fn), whichever OS thread
// it runs on, without a system call.
//
// The value is the address of the runtime's descriptor of the goroutine
// (its g), which stays put for the goroutine's life; after the goroutine
// ends, the runtime may reuse the descriptor for a new one. Callers compare
// it only with the value of a goroutine they know is alive.
package gptr
