//go:build linux && cgo

package pysignal_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// A program's main function hands the main thread to pysignal and does its
// work on another goroutine (the tests of this package run that way too,
// through Main in their TestMain):
//
//	func main() { pysignal.MainContext(run) }
//
// Signal handlers are set, and run, on the main thread: Call gets there.
func ExampleSignal() {
	pysignal.Call(func() {
		old, _ := pysignal.Signal(unix.SIGUSR1, pysignal.HandlerFunc(func(sig unix.Signal) error {
			fmt.Println("handler runs for", pysignal.SignalName(sig))
			return nil
		}))
		defer pysignal.Signal(unix.SIGUSR1, pysignal.Default)
		fmt.Println("previous handler:", old) // the Go runtime's: not set through pysignal
		pysignal.RaiseSignal(unix.SIGUSR1)    // the handler has run when it returns
	})
	// Output:
	// previous handler: <nil>
	// handler runs for SIGUSR1
}

// KeyboardInterrupt, as in Python: DefaultIntHandler turns SIGINT into
// ErrKeyboardInterrupt at the next safe point.
func ExampleDefaultIntHandler() {
	pysignal.Call(func() {
		pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler)
		defer pysignal.Signal(unix.SIGINT, pysignal.Default)
		err := pysignal.RaiseSignal(unix.SIGINT)
		fmt.Println(err, errors.Is(err, pysignal.ErrKeyboardInterrupt))
	})
	// Output: KeyboardInterrupt true
}

// CheckSignals is the safe point: tripped signals' handlers run there, in
// ascending signal order, and the first error stops it.
func ExampleCheckSignals() {
	pysignal.Call(func() {
		h := pysignal.HandlerFunc(func(sig unix.Signal) error {
			fmt.Println("ran", pysignal.SignalName(sig))
			return nil
		})
		for _, sig := range []unix.Signal{unix.SIGUSR2, unix.SIGUSR1} {
			pysignal.Signal(sig, h)
			defer pysignal.Signal(sig, pysignal.Default)
		}
		pysignal.SetInterruptEx(unix.SIGUSR2) // trips, as a signal would; runs nothing yet
		pysignal.SetInterruptEx(unix.SIGUSR1)
		fmt.Println("tripped both")
		pysignal.CheckSignals()
	})
	// Output:
	// tripped both
	// ran SIGUSR1
	// ran SIGUSR2
}

// A Wakeup waits without the race window: a signal at any moment ends the
// wait, and a handler's error comes out of it.
func ExampleWakeup_Wait() {
	pysignal.Call(func() {
		pysignal.Signal(unix.SIGUSR1, pysignal.DefaultIntHandler)
		defer pysignal.Signal(unix.SIGUSR1, pysignal.Default)
		wk, err := pysignal.OpenWakeup()
		if err != nil {
			fmt.Println(err)
			return
		}
		defer wk.Close()
		pysignal.SetInterruptEx(unix.SIGUSR1) // before the wait: its byte is already there
		_, err = wk.Wait(-1, 0, 10*time.Second)
		fmt.Println(err, wk.Signals())
	})
	// Output: KeyboardInterrupt [user defined signal 1]
}

func ExampleSignalName() {
	fmt.Println(pysignal.SignalName(unix.SIGINT), pysignal.SignalName(35))
	sig, _ := pysignal.SignalByName("SIGTERM")
	fmt.Println(int(sig))
	desc, _ := pysignal.Strsignal(unix.SIGINT)
	fmt.Println(desc)
	// Output:
	// SIGINT SIGRTMIN+1
	// 15
	// Interrupt
}

func ExampleValidSignals() {
	valid := pysignal.ValidSignals()
	fmt.Println(len(valid), valid[0] == unix.SIGHUP, valid[len(valid)-1] == 64)
	// Output: 62 true true
}

// Sleep is time.sleep: it sleeps the whole duration whatever signals arrive,
// unless a handler fails.
func ExampleSleep() {
	start := time.Now()
	err := pysignal.Sleep(20 * time.Millisecond)
	fmt.Println(err, time.Since(start) >= 20*time.Millisecond)
	// Output: <nil> true
}

// Every failure of the package's own is an *Error naming the operation and
// the signal; errors.Is sees through it to the errno or the sentinel.
func ExampleError() {
	pysignal.Call(func() {
		_, err := pysignal.Signal(unix.SIGKILL, pysignal.Ignore)
		fmt.Println(err)
		var e *pysignal.Error
		fmt.Println(errors.As(err, &e), e.Op, pysignal.SignalName(e.Sig))
		fmt.Println(errors.Is(err, unix.EINVAL))
	})
	// Output:
	// pysignal: sigaction(SIGKILL): invalid argument
	// true sigaction SIGKILL
	// true
}
