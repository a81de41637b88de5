//go:build linux && cgo

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

const defaultDemoWait = 2 * time.Second

var start = time.Now()

func say(format string, args ...any) {
	fmt.Printf("[%7.3fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}

// demo runs the tour; every step runs on the main thread through Call.
func demo(wait time.Duration) int {
	code := 0
	pysignal.Call(func() {
		if err := demoKeyboardInterrupt(wait); err != nil {
			fmt.Fprintln(os.Stderr, "pysig demo:", err)
			code = 1
			return
		}
		fmt.Println()
		if err := demoPendingTogether(); err != nil {
			fmt.Fprintln(os.Stderr, "pysig demo:", err)
			code = 1
			return
		}
		fmt.Println()
		if err := demoRace(); err != nil {
			fmt.Fprintln(os.Stderr, "pysig demo:", err)
			code = 1
		}
	})
	return code
}

// demoRace shows the race window once each way (pysig trace, shorter).
func demoRace() error {
	fmt.Println("== 3. The race window: a signal after the last check, before the call blocks ==")
	if err := traceOnce("naive pysignal.Read", 20*time.Millisecond, nil); err != nil {
		return err
	}
	fmt.Println("  -> the handler waited for the peer's write: the race.")
	fmt.Println()
	wk, err := pysignal.OpenWakeup()
	if err != nil {
		return err
	}
	defer wk.Close()
	if err := traceOnce("(*Wakeup).Read", 20*time.Millisecond, wk); err != nil {
		return err
	}
	fmt.Println("  -> the wakeup byte ended the poll at once: no race. (pysig race measures it.)")
	return nil
}

// demoKeyboardInterrupt: the main thread blocks in pysignal.Read on an empty
// pipe, in CPython's PEP 475 loop (EINTR -> CheckSignals -> retry or fail).
// Ctrl-C, or a kill(getpid(), SIGINT) after `wait`, interrupts it.
func demoKeyboardInterrupt(wait time.Duration) error {
	fmt.Println("== 1. Ctrl-C interrupts a blocking read on the main thread ==")
	wr, ww, err := pipe()
	if err != nil {
		return err
	}
	defer unix.Close(wr)
	defer unix.Close(ww)
	if _, err := pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler); err != nil {
		return err
	}
	defer pysignal.Signal(unix.SIGINT, pysignal.Default)
	old, err := pysignal.SetWakeupFD(ww, true)
	if err != nil {
		return err
	}
	defer pysignal.SetWakeupFD(old, true)

	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil { // blocking: nobody writes
		return err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])

	say("signal(SIGINT, default_int_handler); wakeup fd = %d", ww)
	say("main thread (tid %d) blocks in read(2) on an empty pipe", pysignal.MainThreadID())
	say("press Ctrl-C, or wait %v for the demo to send SIGINT to the process", wait)
	timer := time.AfterFunc(wait, func() {
		say("sender: kill(getpid(), SIGINT), as a terminal's Ctrl-C does")
		unix.Kill(unix.Getpid(), unix.SIGINT)
	})
	defer timer.Stop()
	// Linux gives a process-directed signal to the main thread first when it
	// can take it, so the read is interrupted. If the signal went to another
	// thread, the read would stay blocked: that is the race window pysignal's
	// wakeup fd closes. Say so rather than hang.
	rescue := time.AfterFunc(wait+3*time.Second, func() {
		say("3 s on, the read is still blocked although the C handler ran %d time(s): the kernel",
			pysignal.Deliveries(unix.SIGINT))
		say("delivered SIGINT to another thread, so read(2) never saw EINTR (the race window that")
		say("a wakeup fd closes). Sending SIGINT to the main thread itself with tgkill.")
		unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), unix.SIGINT)
	})
	defer rescue.Stop()

	// pysignal.Read runs CPython's PEP 475 loop; the trace hook narrates it.
	defer pysignal.SetTraceHook(func(ev pysignal.TraceEvent) { say("  %s", describe(ev)) })()
	n, err := pysignal.Read(p[0], make([]byte, 1))
	if !errors.Is(err, pysignal.ErrKeyboardInterrupt) {
		return fmt.Errorf("read returned %d, %v: expected KeyboardInterrupt", n, err)
	}
	say("pysignal.Read returned %v: the read is abandoned, as in CPython", err)
	say("wakeup fd holds %v (SIGINT = %d); C-level deliveries of SIGINT: %d",
		drain(wr), unix.SIGINT, pysignal.Deliveries(unix.SIGINT))
	return nil
}

// demoPendingTogether: three signals raised while blocked, unblocked at once.
func demoPendingTogether() error {
	fmt.Println("== 2. Signals that arrive together: wakeup bytes and handler order ==")
	wr, ww, err := pipe()
	if err != nil {
		return err
	}
	defer unix.Close(wr)
	defer unix.Close(ww)
	old, err := pysignal.SetWakeupFD(ww, true)
	if err != nil {
		return err
	}
	defer pysignal.SetWakeupFD(old, true)

	var order []string
	h := pysignal.HandlerFunc(func(sig unix.Signal) error {
		order = append(order, unix.SignalName(sig))
		return nil
	})
	sigs := []unix.Signal{unix.SIGALRM, unix.SIGUSR2, unix.SIGUSR1}
	for _, sig := range sigs {
		if _, err := pysignal.Signal(sig, h); err != nil {
			return err
		}
		defer pysignal.Signal(sig, pysignal.Default)
	}
	var set, prev unix.Sigset_t
	for _, sig := range sigs {
		set.Val[(sig-1)/64] |= 1 << ((uint(sig) - 1) % 64)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &prev); err != nil {
		return err
	}
	for _, sig := range sigs {
		if err := unix.Tgkill(unix.Getpid(), pysignal.MainThreadID(), sig); err != nil {
			return err
		}
	}
	say("raised SIGALRM, SIGUSR2, SIGUSR1 while blocked; unblocking them together")
	before := deliveries(sigs)
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &prev, nil); err != nil {
		return err
	}
	say("the C handler ran %d times, one after another (its sa_mask blocks the others); wakeup bytes %v",
		deliveries(sigs)-before, drain(wr))
	say("Go handlers run so far: %d (they wait for a safe point)", len(order))
	if err := pysignal.CheckSignals(); err != nil {
		return err
	}
	say("CheckSignals ran them in ascending signal order: %s", strings.Join(order, ", "))
	return nil
}

func deliveries(sigs []unix.Signal) (n uint64) {
	for _, sig := range sigs {
		n += pysignal.Deliveries(sig)
	}
	return n
}

func pipe() (r, w int, err error) {
	var p [2]int
	err = unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC)
	return p[0], p[1], err
}

func drain(fd int) []byte {
	var out []byte
	buf := make([]byte, 64)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// describe renders one step of the PEP 475 loop.
func describe(ev pysignal.TraceEvent) string {
	switch ev.Phase {
	case pysignal.PhaseExit:
		return fmt.Sprintf("%s: %v -> %d %s", ev.Call, ev.Phase, ev.Result, errnoName(ev.Errno))
	case pysignal.PhaseCheck:
		return fmt.Sprintf("%s: %v -> %v", ev.Call, ev.Phase, ev.Err)
	}
	return fmt.Sprintf("%s: %v", ev.Call, ev.Phase)
}

func errnoName(e unix.Errno) string {
	if e == 0 {
		return "ok"
	}
	return unix.ErrnoName(e)
}
