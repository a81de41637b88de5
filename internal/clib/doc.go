// Package clib stands in, for pysignal's tests, for a C library that
// installs its own signal handler with sigaction(2) behind pysignal's back
// (as in Go issues 19465, 32659 and 13028). It exists on Linux with cgo.
package clib
