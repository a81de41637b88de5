//go:build linux && cgo

package pysignal

// The race window, reproduced on demand with a real signal: the trace hook
// runs on the main thread at PhaseEnter, just before the system call, and
// sends the main thread a signal with tgkill. The C handler runs before
// tgkill returns (the signal is for the calling thread), so the flag trips
// after the last CheckSignals and before the call blocks.

import (
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// raceDelay is how long the peer keeps the naive call blocked after the
// injected signal, to show that nothing but the peer ends it.
const raceDelay = 300 * time.Millisecond

// injectAt installs a trace hook that sends sig to the main thread once,
// the first time call reaches phase, and reports whether it fired.
func injectAt(t *testing.T, call string, phase TracePhase, sig unix.Signal) *atomic.Bool {
	fired := &atomic.Bool{}
	t.Cleanup(SetTraceHook(func(ev TraceEvent) {
		if ev.Call == call && ev.Phase == phase && fired.CompareAndSwap(false, true) {
			unix.Tgkill(unix.Getpid(), MainThreadID(), sig)
		}
	}))
	return fired
}

// mainWchan is where the main thread sleeps in the kernel now.
func mainWchan() string {
	b, _ := os.ReadFile("/proc/self/task/" + itoa(MainThreadID()) + "/wchan")
	return string(b)
}

// The naive PEP 475 Read: a signal injected at PhaseEnter trips the flag
// (Deliveries rises) but the handler does not run; read(2) stays blocked
// until the peer writes, and the handler runs only at the next check.
func TestRaceWindowNaiveRead(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	r, w := pipe(t, 0)
	before := Deliveries(usr1)
	fired := injectAt(t, "read", PhaseEnter, usr1)

	type seen struct {
		delivered   uint64
		runs        int
		tripped     bool
		stillInRead bool
		err         error
	}
	peer := make(chan seen, 1)
	go func() {
		var s seen
		if s.err = waitBlockedIn(MainThreadID(), "pipe_read"); s.err == nil {
			time.Sleep(raceDelay) // the experiment: the call must stay blocked this long
			s.delivered = Deliveries(usr1) - before
			s.runs = len(rec.runs())
			s.tripped = isTripped(usr1)
			s.stillInRead = strings.Contains(mainWchan(), "pipe_read")
		}
		unix.Write(w, []byte("x"))
		peer <- s
	}()
	var n int
	var readErr error
	var runsAtReturn int
	must(t, onMain(func() error {
		n, readErr = Read(r, make([]byte, 1))
		runsAtReturn = len(rec.runs())
		return CheckSignals()
	}))
	s := <-peer
	must(t, s.err)
	if !fired.Load() {
		t.Fatal("the injection never fired")
	}
	if s.delivered != 1 || !s.tripped || s.runs != 0 || !s.stillInRead {
		t.Errorf("%v after the injection: deliveries +%d, tripped %v, handler runs %d, still in read %v; want +1, true, 0, true",
			raceDelay, s.delivered, s.tripped, s.runs, s.stillInRead)
	}
	if n != 1 || readErr != nil {
		t.Errorf("Read returned %d, %v; want the peer's byte (no EINTR: the signal came before the call blocked)", n, readErr)
	}
	if runsAtReturn != 0 || len(rec.runs()) != 1 {
		t.Errorf("handler runs: %d when Read returned, %d after the next CheckSignals; want 0 then 1", runsAtReturn, len(rec.runs()))
	}
}

// The same injection against Wakeup.Read: the byte written by the C handler
// makes poll return at once, and the handler's error ends the call long
// before the peer would write.
func TestRaceWindowClosedByWakeup(t *testing.T) {
	own(t, usr1, DefaultIntHandler)
	r, w := pipe(t, 0)
	fired := injectAt(t, "poll", PhaseEnter, usr1)
	mainDone := make(chan struct{})
	peerWrote := &atomic.Bool{}
	go func() {
		select {
		case <-mainDone:
		case <-time.After(raceDelay):
			peerWrote.Store(true)
			unix.Write(w, []byte("x"))
		}
	}()
	var readErr error
	var wokeBeforePeer bool
	var sigs []unix.Signal
	must(t, onMain(func() error {
		wk, err := OpenWakeup()
		if err != nil {
			return err
		}
		defer wk.Close()
		_, readErr = wk.Read(r, make([]byte, 1))
		wokeBeforePeer = !peerWrote.Load()
		close(mainDone)
		sigs = wk.Signals()
		return nil
	}))
	if !fired.Load() {
		t.Fatal("the injection never fired")
	}
	if !errors.Is(readErr, ErrKeyboardInterrupt) || !wokeBeforePeer {
		t.Errorf("Wakeup.Read returned %v (before the peer's write: %v); want KeyboardInterrupt before it", readErr, wokeBeforePeer)
	}
	if len(sigs) != 1 || sigs[0] != usr1 {
		t.Errorf("Signals() = %v, want [SIGUSR1]", sigs)
	}
}

// The safe windows (slide 3 of the talk): a signal inside the blocked call
// gives EINTR and the handler runs inside Read; a signal after an EINTR
// exit, before the check, is run by that very check; a signal after a
// successful exit is run at the next check. None of them waits for the peer.
func TestSafeWindows(t *testing.T) {
	t.Run("inside the syscall", func(t *testing.T) {
		own(t, usr1, DefaultIntHandler)
		r, _ := pipe(t, 0)
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") == nil {
				unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
			}
		}()
		c := countEINTR(t, "read")
		err := onMain(func() error { _, err := Read(r, make([]byte, 1)); return err })
		if !errors.Is(err, ErrKeyboardInterrupt) || c.count() != 1 {
			t.Errorf("Read: %v after %d EINTR; want KeyboardInterrupt after 1", err, c.count())
		}
	})
	t.Run("after EINTR, before the check", func(t *testing.T) {
		first, second := newRecorder(), newRecorder()
		first.err = errTest
		own(t, usr1, first)
		own(t, usr2, second)
		r, _ := pipe(t, 0)
		// USR1 interrupts the read; USR2 lands at PhaseExit, before CheckSignals.
		fired := injectAt(t, "read", PhaseExit, usr2)
		go func() {
			if waitBlockedIn(MainThreadID(), "pipe_read") == nil {
				unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
			}
		}()
		var err error
		var secondRanInCheck, secondRanNext int
		var pending bool
		must(t, onMain(func() error {
			_, err = Read(r, make([]byte, 1))
			secondRanInCheck = len(second.runs())
			pending = atomic.LoadUint64(cPending) != 0
			cerr := CheckSignals()
			secondRanNext = len(second.runs())
			return cerr
		}))
		if !fired.Load() || !errors.Is(err, errTest) || len(first.runs()) != 1 {
			t.Errorf("fired %v, Read %v, first handler runs %d; want true, errTest, 1", fired.Load(), err, len(first.runs()))
		}
		// USR1 (10) failed first, so USR2 (12), which tripped before that
		// check, stays pending for the next one.
		if secondRanInCheck != 0 || !pending || secondRanNext != 1 {
			t.Errorf("second handler: %d runs in Read's check (pending after: %v), %d after the next; want 0, true, 1",
				secondRanInCheck, pending, secondRanNext)
		}
	})
	t.Run("after a successful exit", func(t *testing.T) {
		rec := newRecorder()
		own(t, usr1, rec)
		r, w := pipe(t, 0)
		must(t, func() error { _, err := unix.Write(w, []byte("x")); return err }())
		injectAt(t, "read", PhaseExit, usr1)
		var runsAtReturn int
		must(t, onMain(func() error {
			if _, err := Read(r, make([]byte, 1)); err != nil {
				return err
			}
			runsAtReturn = len(rec.runs())
			return CheckSignals()
		}))
		if runsAtReturn != 0 || len(rec.runs()) != 1 {
			t.Errorf("handler runs %d at return, %d after the next check; want 0, 1", runsAtReturn, len(rec.runs()))
		}
	})
}

// A storm of signals at random moments around Wakeup.Wait never leaves it
// blocked with a handler pending: each trial's signal must end its wait.
// Half the signals go to the main thread (they may interrupt poll with
// EINTR), half to the sender's own thread, where only the wakeup byte can
// reach the main thread.
func TestWakeupWaitNeverMissesASignal(t *testing.T) {
	const trials = 2000
	own(t, usr1, HandlerFunc(func(unix.Signal) error { return errTest }))
	r, _ := pipe(t, unix.O_NONBLOCK)
	var missed, ended int // a miss ends the test at once
	must(t, onMain(func() error {
		wk, err := OpenWakeup()
		if err != nil {
			return err
		}
		defer wk.Close()
		for i := 0; i < trials; i++ {
			delay := time.Duration(rand.IntN(200)) * time.Microsecond
			toMain := i%2 == 0
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				time.Sleep(delay)
				if toMain { // may interrupt poll with EINTR
					unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
				} else { // handled on this thread: only the wakeup byte can wake the main thread
					unix.Tgkill(unix.Getpid(), unix.Gettid(), usr1)
				}
			}()
			// 5 s bounds a trial: a missed signal shows as a timeout.
			if _, err := wk.Wait(r, unix.POLLIN, 5*time.Second); !errors.Is(err, errTest) {
				missed++
				return errorf("trial %d (signal after %v): Wait returned %v, want the handler's error", i, delay, err)
			}
			ended++
			wk.Signals()
		}
		return nil
	}))
	if missed != 0 || ended != trials {
		t.Errorf("%d of %d waits missed their signal", missed, trials)
	}
}
