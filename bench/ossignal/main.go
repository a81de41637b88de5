//go:build linux && cgo

// Command ossignal is os/signal's side of `pysig bench`, in a process of
// its own: pysignal's init locks the main goroutine to the main thread,
// which slows the channel hand-offs os/signal depends on, so os/signal is
// measured in a program that does not import pysignal.
//
//	same-thread:  a goroutine locked to its thread: t0; tgkill to that
//	              thread; receive from the Notify channel; t1.
//	cross-thread: the shared sender thread (internal/benchsender) notes the
//	              time and kill()s the process; a goroutine blocked on the
//	              channel receives and notes the time. 20 ms apart for
//	              cross_thread_idle.
//
// Usage: ossignal N IDLE_N prints one JSON object, latencies in ns, as the
// C floor and the CPython script do. Built by the Makefile
// (build/ossignal_latency); run by `pysig bench`.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"time"

	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

const sig = unix.SIGUSR1

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ossignal N IDLE_N")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[1])
	idleN, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || n < 1 || idleN < 0 {
		fmt.Fprintln(os.Stderr, "usage: ossignal N IDLE_N (N >= 1, IDLE_N >= 0)")
		os.Exit(2)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	out := map[string][]int64{}
	var err error
	if out["same_thread"], err = sameThread(ch, n); err == nil {
		if out["cross_thread"], err = crossThread(ch, n, 200*time.Microsecond); err == nil {
			out["cross_thread_idle"], err = crossThread(ch, idleN, 20*time.Millisecond)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ossignal:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

var errLate = errors.New("os/signal did not deliver within 10s")

func receive(ch chan os.Signal) error {
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return errLate
	}
}

func sameThread(ch chan os.Signal, n int) ([]int64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := unix.Getpid(), unix.Gettid()
	out := make([]int64, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := unix.Tgkill(pid, tid, sig); err != nil {
			return nil, err
		}
		if err := receive(ch); err != nil {
			return nil, err
		}
		out = append(out, int64(time.Since(t0)))
	}
	return out, nil
}

func crossThread(ch chan os.Signal, n int, pace time.Duration) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	if err := benchsender.Start(n, sig, pace); err != nil {
		return nil, err
	}
	defer benchsender.Stop()
	for i := 0; i < n; i++ {
		if err := receive(ch); err != nil {
			return nil, err
		}
		out = append(out, time.Now().UnixNano()-benchsender.SentAt())
		benchsender.Ack()
	}
	return out, nil
}
