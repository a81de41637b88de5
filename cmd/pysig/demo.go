//go:build linux && cgo

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
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

// demoMain is "pysig demo": the tour, run by MainContext as a pysignal
// program should be (SIGINT gets DefaultIntHandler, the main thread serves
// the steps). It never returns: it exits 0, or 1 with the step's error, or
// dies by SIGINT after a Ctrl-C outside the first step, as CPython would.
func demoMain(args []string) {
	fs, wait := demoFlags()
	if code, ok := parseFlags(fs, args); !ok {
		os.Exit(code)
	}
	if *wait < 0 {
		os.Exit(usageError(fs, "-wait must not be negative"))
	}
	pysignal.MainContext(func(ctx context.Context) error { return demo(*wait) })
}

func demoFlags() (*flag.FlagSet, *time.Duration) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	wait := fs.Duration("wait", defaultDemoWait, "how long to wait for Ctrl-C before sending SIGINT ourselves")
	return fs, wait
}

// demoCmd is the demo's entry in dispatch, which runs under Main: main sends
// "pysig demo" to demoMain before Main starts, so only "pysig help demo"
// (-h) gets here.
func demoCmd(args []string) int {
	fs, _ := demoFlags()
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintln(os.Stderr, "pysig demo: run it as pysig's command (it needs MainContext)")
	return 2
}

// demo runs the tour; every step runs on the main thread through CallErr.
func demo(wait time.Duration) error {
	for i, step := range []func() error{
		func() error { return demoKeyboardInterrupt(wait) },
		demoPendingTogether,
		demoRace,
	} {
		if i > 0 {
			fmt.Println()
		}
		if err := pysignal.CallErr(step); err != nil {
			return fmt.Errorf("pysig demo: %w", err)
		}
	}
	return nil
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
// Ctrl-C, or a kill(getpid(), SIGINT) once the read has blocked and `wait`
// has passed, interrupts it. The kernel may give the process-directed
// SIGINT to any thread; under MainContext the C handler then also nudges the
// main thread (SIGRTMAX), so its read(2) sees EINTR either way.
func demoKeyboardInterrupt(wait time.Duration) error {
	fmt.Println("== 1. Ctrl-C interrupts a blocking read, whichever thread the kernel gives SIGINT to ==")
	wr, ww, undo, err := wakeupPipe()
	if err != nil {
		return err
	}
	defer undo()

	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil { // blocking: nobody writes
		return err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])

	say("MainContext set signal(SIGINT, default_int_handler); wakeup fd = %d", ww)
	say("main thread (tid %d) blocks in read(2) on an empty pipe", pysignal.MainThreadID())
	say("press Ctrl-C, or wait %v for the demo to send SIGINT to the process", wait)
	mainTID := pysignal.MainThreadID()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-time.After(wait):
		case <-stop:
			return
		}
		// Send only once the read has blocked, so that the signal finds it
		// in read(2) (a signal just before would meet the race window of
		// step 3).
		for !blockedInRead(mainTID) {
			select {
			case <-time.After(time.Millisecond):
			case <-stop:
				return
			}
		}
		say("sender: kill(getpid(), SIGINT), as a terminal's Ctrl-C does")
		unix.Kill(unix.Getpid(), unix.SIGINT)
	}()
	// If the read were not interrupted, say so and stop, rather than hang.
	watchdog := time.AfterFunc(wait+10*time.Second, func() {
		fmt.Fprintf(os.Stderr, "pysig demo: read(2) still blocked 10 s after SIGINT was due (C handler runs: %d; main thread: %s): a bug, please report it\n",
			pysignal.Deliveries(unix.SIGINT), threadState(mainTID))
		os.Exit(1)
	})
	defer watchdog.Stop()

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

// blockedInRead reports whether thread tid sleeps in a pipe read (or, where
// /proc cannot say, assumes it does).
//
// /proc/<tid>/syscall names the system call a sleeping thread is in
// ("running" while it runs); wchan, where the kernel has it, names the
// function it sleeps in.
func blockedInRead(tid int) bool {
	task := fmt.Sprintf("/proc/self/task/%d/", tid)
	if sc, err := os.ReadFile(task + "syscall"); err == nil {
		if f := strings.Fields(string(sc)); len(f) == 0 || f[0] != strconv.Itoa(unix.SYS_READ) {
			return false
		}
	}
	wchan, err := os.ReadFile(task + "wchan")
	return err != nil || strings.Contains(string(wchan), "pipe_read")
}

// threadState is what /proc says of thread tid: its system call, where it
// sleeps, and its signal masks (pending, blocked), for a report.
func threadState(tid int) string {
	task := fmt.Sprintf("/proc/self/task/%d/", tid)
	sc, _ := os.ReadFile(task + "syscall")
	wchan, _ := os.ReadFile(task + "wchan")
	status, _ := os.ReadFile(task + "status")
	var sig []string
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "SigPnd") || strings.HasPrefix(line, "ShdPnd") || strings.HasPrefix(line, "SigBlk") {
			sig = append(sig, strings.Join(strings.Fields(line), " "))
		}
	}
	return fmt.Sprintf("syscall %q, wchan %q, %s", strings.TrimSpace(string(sc)), wchan, strings.Join(sig, ", "))
}

// demoPendingTogether: three signals raised while blocked, unblocked at once.
func demoPendingTogether() error {
	fmt.Println("== 2. Signals that arrive together: wakeup bytes and handler order ==")
	wr, _, undo, err := wakeupPipe()
	if err != nil {
		return err
	}
	defer undo()

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

// wakeupPipe makes a non-blocking pipe the wakeup fd, as a section shows
// it; undo puts the previous wakeup fd back and closes the pipe.
func wakeupPipe() (r, w int, undo func(), err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return -1, -1, nil, err
	}
	old, err := pysignal.SetWakeupFD(p[1], true)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return -1, -1, nil, err
	}
	return p[0], p[1], func() {
		pysignal.SetWakeupFD(old, true)
		unix.Close(p[0])
		unix.Close(p[1])
	}, nil
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
