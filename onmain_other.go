//go:build linux && cgo && !amd64 && !arm64

package pysignal

/*
#include "handler.h"
*/
import "C"

// onMainThread reports whether the caller runs on the main thread: a cgo
// call comparing a thread-local cache of gettid(2) (about 35 ns). amd64 and
// arm64 read the thread pointer instead (onmain.go).
func onMainThread() bool { return C.pysig_on_main_thread() != 0 }

func recordMainTP() {}
