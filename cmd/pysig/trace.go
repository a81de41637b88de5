//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// traceCmd runs one wrapped read twice, naive and through a Wakeup, with the
// same schedule: two signals while the call is blocked (the safe window:
// EINTR, handler, retry), then one injected into the race window (after the
// retry's check, before the call blocks), then the peer's write.
func traceCmd(args []string) int {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	gap := fs.Duration("gap", 50*time.Millisecond, "time between events")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *gap <= 0 {
		return usageError(fs, "-gap must be positive")
	}
	var err error
	pysignal.Call(func() {
		if err = traceOnce("naive pysignal.Read", *gap, nil); err != nil {
			return
		}
		fmt.Println()
		var wk *pysignal.Wakeup
		if wk, err = pysignal.OpenWakeup(); err != nil {
			return
		}
		defer wk.Close()
		err = traceOnce("(*Wakeup).Read", *gap, wk)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pysig trace:", err)
		return 1
	}
	return 0
}

func traceOnce(title string, gap time.Duration, wk *pysignal.Wakeup) error {
	t0 := time.Now()
	at := func(format string, args ...any) {
		fmt.Printf("  %8.3f ms  %s\n", float64(time.Since(t0).Microseconds())/1000, fmt.Sprintf(format, args...))
	}
	fmt.Printf("== %s ==\n", title)
	old, err := pysignal.Signal(unix.SIGUSR1, pysignal.HandlerFunc(func(unix.Signal) error {
		at("        HANDLER runs (Go, main thread)")
		return nil
	}))
	if err != nil {
		return err
	}
	defer restore(unix.SIGUSR1, old)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])

	call, read := "read", pysignal.Read
	if wk != nil {
		call, read = "poll", wk.Read
	}
	var armed atomic.Bool // inject into the race window at the next PhaseEnter
	restore := pysignal.SetTraceHook(func(ev pysignal.TraceEvent) {
		if ev.Call != call {
			return
		}
		at("    %s", describe(ev))
		if ev.Phase == pysignal.PhaseEnter && armed.CompareAndSwap(true, false) {
			at("  * signal lands in the RACE WINDOW (after the check, before the call blocks)")
			unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
			at("    C handler has tripped the flag; deliveries of SIGUSR1: %d", pysignal.Deliveries(unix.SIGUSR1))
		}
	})
	defer restore()

	go func() {
		for i := 1; i <= 2; i++ {
			time.Sleep(gap)
			at("  * sender: SIGUSR1 to the main thread while it is blocked")
			unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
		}
		time.Sleep(gap)
		armed.Store(true)
		at("  * sender: SIGUSR1 to the main thread (the retry after it meets the race)")
		unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGUSR1)
		time.Sleep(3 * gap)
		at("  * peer: writes one byte")
		unix.Write(p[1], []byte("x"))
	}()
	n, err := read(p[0], make([]byte, 1))
	at("%s returned %d, %v", title, n, err)
	if err := pysignal.CheckSignals(); err != nil {
		return err
	}
	at("next CheckSignals done")
	return nil
}
