//go:build linux && cgo

package pysignal

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Programs that use the package on their main goroutine without Main: the
// main goroutine is not locked to a thread, yet a signal the kernel gives
// another thread interrupts its wrapped call (the nudge), PthreadSigmask's
// mask stays its own, and SIGRTMAX stays the program's to set.

var errFromUSR1 = errors.New("from SIGUSR1's handler")

// readInterruptedFromElsewhere blocks the main goroutine in a wrapped read
// while another thread takes SIGUSR1, whose handler fails; it prints what
// the read returned. A watchdog ends the child (exit 3) if the read is not
// interrupted within 5 s.
func readInterruptedFromElsewhere() {
	p := failingUSR1AndPipe()
	go func() {
		runtime.LockOSThread() // this thread takes SIGUSR1
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if tid := int(atomic.LoadInt32(cMainCallTID)); tid != 0 && tid != unix.Gettid() &&
				waitBlockedIn(tid, "pipe_read") == nil {
				unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGUSR1)
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(5 * time.Second)
		fmt.Println("the main goroutine's read was not interrupted")
		os.Exit(3)
	}()
	_, err := Read(p[0], make([]byte, 1))
	fmt.Println("read:", err)
}

// failingUSR1AndPipe sets a SIGUSR1 handler that returns errFromUSR1 and
// makes a pipe, for a child scenario (exit 2 if either fails).
func failingUSR1AndPipe() [2]int {
	if _, err := Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return errFromUSR1 })); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	return p
}

func init() {
	mainThreadChildren["plain-read-signal-elsewhere"] = readInterruptedFromElsewhere
	// The program handles SIGRTMAX itself: nudges still interrupt the read,
	// and its handler never sees one.
	mainThreadChildren["plain-sigrtmax-handled"] = func() {
		var runs atomic.Int32
		if _, err := Signal(interruptSignal, HandlerFunc(func(unix.Signal) error { runs.Add(1); return nil })); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		readInterruptedFromElsewhere()
		fmt.Println("SIGRTMAX handler runs:", runs.Load(), "deliveries:", Deliveries(interruptSignal))
	}
	// Default for SIGRTMAX means the kernel's default: the signal kills.
	mainThreadChildren["plain-sigrtmax-default"] = func() {
		if _, err := Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return nil })); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		if _, err := Signal(interruptSignal, Default); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		unix.Kill(unix.Getpid(), interruptSignal)
		time.Sleep(5 * time.Second)
		fmt.Println("still alive")
	}
	// PthreadKill to the main thread from the main goroutine: the handler
	// has run when it returns, whichever thread the goroutine is on.
	mainThreadChildren["plain-pthread-kill-self"] = func() {
		failingUSR1AndPipe()
		ping, pong := make(chan int), make(chan int)
		go func() {
			for range ping {
				runtime.Gosched()
				pong <- 0
			}
		}()
		late, off := 0, 0
		for i := 0; i < 2000; i++ {
			ping <- i
			<-pong
			if unix.Gettid() != unix.Getpid() {
				off++
			}
			if err := PthreadKill(MainThreadID(), unix.SIGUSR1); !errors.Is(err, errFromUSR1) {
				late++
				CheckSignals()
				for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && CheckSignals() == nil; {
					time.Sleep(time.Millisecond)
				}
			}
		}
		close(ping)
		fmt.Println("pthread_kill(main) returned the handler's error late:", late)
		fmt.Fprintln(os.Stderr, "calls made off the first thread:", off)
	}
	// PthreadSigmask's mask follows the main goroutine through channel
	// operations that may move it to another thread, until it is undone.
	mainThreadChildren["plain-mask-stays"] = func() {
		if _, err := PthreadSigmask(SigBlock, []unix.Signal{unix.SIGUSR1}); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		moved := map[int]bool{}
		ping, pong := make(chan int), make(chan int)
		go func() {
			for range ping {
				runtime.Gosched()
				pong <- 0
			}
		}()
		for i := 0; i < 2000; i++ {
			ping <- i
			<-pong
			var cur unix.Sigset_t
			unix.PthreadSigmask(unix.SIG_BLOCK, nil, &cur)
			if cur.Val[0]&(1<<(unix.SIGUSR1-1)) == 0 {
				fmt.Println("SIGUSR1 not blocked after round trip", i)
				os.Exit(3)
			}
			moved[unix.Gettid()] = true
		}
		close(ping)
		if _, err := PthreadSigmask(SigUnblock, []unix.Signal{unix.SIGUSR1}); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		fmt.Println("mask kept; threads:", len(moved))
	}
}

func TestPlainMainGoroutineInterruptedFromAnotherThread(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=plain-read-signal-elsewhere"),
		func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	if got.String() != "exit status 0" || len(said) != 1 || said[0] != "read: "+errFromUSR1.Error() {
		t.Errorf("child said %q, ended with %v (stderr %q); want the handler's error out of the read", said, got, got.stderr)
	}
}

func TestPlainSIGRTMAXHandledByTheProgram(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=plain-sigrtmax-handled"),
		func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	want := []string{"read: " + errFromUSR1.Error(), "SIGRTMAX handler runs: 0 deliveries: 0"}
	if got.String() != "exit status 0" || fmt.Sprint(said) != fmt.Sprint(want) {
		t.Errorf("child said %q, ended with %v (stderr %q); want %q", said, got, got.stderr, want)
	}
}

func TestPlainSIGRTMAXDefaultKills(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	got := runChildToEnd(t, "plain-sigrtmax-default")
	if got.String() != "killed by signal 64" {
		t.Errorf("child ended with %v (stderr %q); want killed by signal 64", got, got.stderr)
	}
}

func TestPlainPthreadKillToTheMainThreadFromItself(t *testing.T) {
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=plain-pthread-kill-self"),
		func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	want := "pthread_kill(main) returned the handler's error late: 0"
	if got.String() != "exit status 0" || len(said) != 1 || said[0] != want {
		t.Errorf("child said %q, ended with %v (stderr %q); want %q", said, got, got.stderr, want)
	}
}

func TestPlainPthreadSigmaskFollowsTheMainGoroutine(t *testing.T) {
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=plain-mask-stays"),
		func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	if got.String() != "exit status 0" || len(said) != 1 || said[0] != "mask kept; threads: 1" {
		t.Errorf("child said %q, ended with %v (stderr %q); want the mask kept on one thread", said, got, got.stderr)
	}
}
