//go:build linux && cgo

package pysignal_test

import (
	"context"
	"os"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// Reading standard input so that Ctrl-C interrupts it: pysignal.Read on fd 0,
// not os.Stdin, whose Read retries EINTR inside the os package, so that no
// signal can end it. Ctrl-C makes Read return ErrKeyboardInterrupt, whichever
// thread the kernel gave the signal to; run returns it, and MainContext ends
// the process by SIGINT after printing "KeyboardInterrupt", as CPython does
// for an uncaught KeyboardInterrupt. At end of input run returns nil: exit
// status 0. (Not run as a test: MainContext never returns.)
func ExampleMainContext() {
	pysignal.MainContext(func(ctx context.Context) error {
		buf := make([]byte, 64<<10)
		for {
			n, err := pysignal.Read(0, buf)
			if n <= 0 || err != nil {
				return err
			}
			if _, err := pysignal.Write(1, buf[:n]); err != nil {
				return err
			}
		}
	})
}

// A SIGTERM handler that ends the program with status 143, as
// signal.signal(SIGTERM, lambda *a: sys.exit(143)) does in CPython: the
// handler's error cancels ctx, and MainContext exits with the cause.
func ExampleExitCode() {
	pysignal.MainContext(func(ctx context.Context) error {
		var err error
		pysignal.Call(func() {
			_, err = pysignal.Signal(unix.SIGTERM, pysignal.HandlerFunc(func(unix.Signal) error {
				return pysignal.ExitCode(128 + int(unix.SIGTERM))
			}))
		})
		if err != nil {
			return err
		}
		<-ctx.Done() // the work, until a handler fails
		os.Stdout.WriteString("stopping\n")
		return ctx.Err()
	})
}
