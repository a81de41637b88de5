//go:build linux && cgo

package pysignal

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The mask cure: SIGUSR1 blocked on the main thread outside the wait and
// unblocked by Ppoll's mask. A signal injected at the wait's PhaseEnter (the
// race window) stays pending, ends the wait at once with EINTR, and the
// loop's check returns the handler's error, long before the peer writes.
// Without the block outside (the same call with the signal never blocked)
// the same injection leaves the wait blocked until the peer writes.
func TestPpollClosesTheRaceWindow(t *testing.T) {
	for _, blocked := range []bool{true, false} {
		name := map[bool]string{true: "blocked outside", false: "never blocked"}[blocked]
		t.Run(name, func(t *testing.T) {
			own(t, usr1, DefaultIntHandler)
			r, w := pipe(t, 0)
			fired := injectAt(t, "ppoll", PhaseEnter, usr1)
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
			var pollErr, afterErr error
			var wokeBeforePeer bool
			var maskAfter []unix.Signal
			must(t, onMain(func() error {
				var old []unix.Signal
				if blocked {
					var err error
					if old, err = PthreadSigmask(SigBlock, []unix.Signal{usr1}); err != nil {
						return err
					}
				}
				_, pollErr = Ppoll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1, old)
				wokeBeforePeer = !peerWrote.Load()
				close(mainDone)
				afterErr = CheckSignals() // the naive case's handler, run late
				if blocked {
					maskAfter, _ = PthreadSigmask(SigSetmask, old)
				}
				return nil
			}))
			if !fired.Load() {
				t.Fatal("the injection never fired")
			}
			if blocked {
				if !errors.Is(pollErr, ErrKeyboardInterrupt) || !wokeBeforePeer {
					t.Errorf("Ppoll returned %v (before the peer's write: %v); want KeyboardInterrupt before it", pollErr, wokeBeforePeer)
				}
				if !slices.Contains(maskAfter, usr1) {
					t.Errorf("mask after Ppoll %v: SIGUSR1 is no longer blocked outside the wait", maskAfter)
				}
				return
			}
			if pollErr != nil || wokeBeforePeer || !errors.Is(afterErr, ErrKeyboardInterrupt) {
				t.Errorf("never blocked: Ppoll returned %v, before the peer %v, then the check %v; want nil, false, KeyboardInterrupt (the race)",
					pollErr, wokeBeforePeer, afterErr)
			}
		})
	}
}

// Ppoll's timeout is the whole wait, however many handled signals interrupt
// it, and 0 with no error means no events.
func TestPpollTimeoutAcrossSignals(t *testing.T) {
	rec := newRecorder()
	own(t, usr1, rec)
	r, _ := pipe(t, 0)
	fired := 0
	t.Cleanup(SetTraceHook(func(ev TraceEvent) {
		if ev.Call == "ppoll" && ev.Phase == PhaseEnter && fired < 3 {
			fired++
			unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
		}
	}))
	const timeout = 30 * time.Millisecond
	var n int
	var err error
	var took time.Duration
	must(t, onMain(func() error {
		old, merr := PthreadSigmask(SigBlock, []unix.Signal{usr1})
		if merr != nil {
			return merr
		}
		defer PthreadSigmask(SigSetmask, old)
		start := time.Now()
		n, err = Ppoll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, timeout, old)
		took = time.Since(start)
		return nil
	}))
	if n != 0 || err != nil || took < timeout {
		t.Errorf("Ppoll = %d, %v after %v; want 0, nil after at least %v", n, err, took, timeout)
	}
	if got := len(rec.runs()); got != 3 {
		t.Errorf("the handler ran %d times during the wait, want 3", got)
	}
}

func TestPpollRefusesBadMasks(t *testing.T) {
	for _, c := range []struct {
		sig  unix.Signal
		want error
	}{{0, ErrInvalidSignal}, {nsig, ErrInvalidSignal}, {unix.SIGURG, ErrReservedSignal}} {
		n, err := Ppoll(nil, 0, []unix.Signal{c.sig})
		if n != 0 || !errors.Is(err, c.want) {
			t.Errorf("Ppoll with %d in the mask: %d, %v; want 0, %v", int(c.sig), n, err, c.want)
		}
	}
}
