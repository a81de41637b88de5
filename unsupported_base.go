//go:build !linux || !cgo

package pysignal

// The package needs Linux (its system calls and signal numbering) and cgo
// (the C handler). Elsewhere it still compiles, with the same API, so that a
// program importing it builds everywhere; every function that returns an
// error returns one wrapping errors.ErrUnsupported, and the others return
// zero values (-1 for a file descriptor or thread id). Main and Call run
// their function directly: there is no main thread to serve.
//
// This file is the part written by hand. The other stubs (unsupported.go,
// unsupported_linux.go) are generated from the real API by `go generate`
// (internal/stubgen): after changing the API, run it.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// errUnsupported says what is missing in this build.
var errUnsupported = fmt.Errorf("pysignal needs Linux and cgo (this program was built %s): %w",
	buildDescription(), errors.ErrUnsupported)

func buildDescription() string {
	if runtime.GOOS == "linux" {
		return "with cgo disabled (CGO_ENABLED=0)"
	}
	return "for " + runtime.GOOS + "/" + runtime.GOARCH
}

func unsupported(op string) error { return &Error{Op: op, Err: errUnsupported} }

// Main runs fn and returns its result.
func Main(fn func() int) int { return fn() }

// MainContext runs fn on the calling goroutine and exits with its result:
// there are no handlers to run and no main thread to serve.
func MainContext(fn func(ctx context.Context) error) { Exit(fn(context.Background())) }

// Exit ends the process as on Linux, except that KeyboardInterrupt exits
// with status 130 instead of dying by SIGINT.
func Exit(err error) {
	status, printed, _ := exitStatus(err)
	if printed {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(status)
}

// Call runs f.
func Call(f func()) { f() }

// deliverySince is what a HandlerInfoFunc is given: in this build no
// delivery is ever recorded or counted.
func deliverySince(sig unix.Signal) (SigInfo, uint64) { return SigInfo{Signo: sig}, 0 }

// raisedAfterCall: no MainContext here, so nothing is ever raised.
func raisedAfterCall() error { return nil }
