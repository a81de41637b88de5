//go:build linux && cgo && (amd64 || arm64)

package pysignal

import "github.com/pysignal/pysignal/internal/threadptr"

// mainTP is the main thread's thread pointer (its TLS block address),
// recorded by recordMainThread during package initialisation.
var mainTP uintptr

// onMainThread reports whether the caller runs on the main thread: one
// register or memory read compared with the value recorded at start-up
// (about 1 ns: internal/threadptr; a cgo call would cost ~35 ns and gettid(2) ~150 ns). Keeping
// it free of cgo keeps RaiseSignal and CheckSignals' slow path at the C
// floor.
func onMainThread() bool { return threadptr.Get() == mainTP }

func recordMainTP() { mainTP = threadptr.Get() }
