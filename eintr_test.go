//go:build linux

package pysignal

// The port of CPython's Lib/test/_test_eintr.py: each wrapped call blocks
// on a real peer that answers late, under a storm of SIGALRM from
// setitimer, and must complete correctly. A test counts the EINTRs its call
// really saw (through the trace hook): a storm that never interrupted the
// call proves nothing, so the setup is retried and the test fails if no
// attempt saw one.

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stormInterval is the SIGALRM period: short enough that a 200 ms call is
// interrupted many times, long enough that the call still makes progress.
const stormInterval = 2 * time.Millisecond

// peerDelay is how long a peer waits before answering the blocked call.
const peerDelay = 200 * time.Millisecond

// storm is a running SIGALRM storm with a Go handler that counts its runs.
type storm struct {
	runs atomic.Int64
	err  atomic.Pointer[error] // if set, the handler returns it
}

// startStorm owns SIGALRM with a counting handler and starts an interval
// timer; both are undone when the test ends.
func startStorm(t *testing.T) *storm {
	t.Helper()
	s := &storm{}
	own(t, alrm, HandlerFunc(func(unix.Signal) error {
		s.runs.Add(1)
		if p := s.err.Load(); p != nil {
			return *p
		}
		return nil
	}))
	iv := unix.NsecToTimeval(int64(stormInterval))
	if _, err := unix.Setitimer(unix.ItimerReal, unix.Itimerval{Interval: iv, Value: iv}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setitimer(unix.ItimerReal, unix.Itimerval{}) })
	return s
}

// eintrCounter counts, through the trace hook, the EINTRs seen by wrapped
// calls named call, and every phase of those calls.
type eintrCounter struct {
	mu     sync.Mutex
	eintr  int
	phases []TracePhase
}

func countEINTR(t *testing.T, call string) *eintrCounter {
	c := &eintrCounter{}
	old := SetTraceHook(func(ev TraceEvent) {
		if ev.Call != call {
			return
		}
		c.mu.Lock()
		c.phases = append(c.phases, ev.Phase)
		if ev.Phase == PhaseExit && ev.Errno == unix.EINTR {
			c.eintr++
		}
		c.mu.Unlock()
	})
	t.Cleanup(func() { SetTraceHook(old) })
	return c
}

func (c *eintrCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eintr
}

// interrupted runs attempt (a whole setup + call + checks, returning the
// number of EINTRs the call saw and an error) up to 3 times until one saw
// at least one EINTR; it fails the test otherwise.
func interrupted(t *testing.T, attempt func() (int, error)) {
	t.Helper()
	for i := 0; i < 3; i++ {
		n, err := attempt()
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Logf("the call saw %d EINTR(s)", n)
			return
		}
	}
	t.Fatal("the storm never interrupted the call in 3 attempts: the test proves nothing")
}

// CPython: OSEINTRTest.test_read.
func TestEINTRRead(t *testing.T) {
	s := startStorm(t)
	want := []byte("hello, interrupted world")
	interrupted(t, func() (int, error) {
		r, w := pipe(t, 0)
		c := countEINTR(t, "read")
		go func() {
			time.Sleep(peerDelay)
			unix.Write(w, want)
		}()
		var got []byte
		err := onMain(func() error {
			buf := make([]byte, 100)
			n, err := Read(r, buf)
			if err != nil {
				return err
			}
			got = buf[:n]
			return nil
		})
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(got, want) {
			return 0, errorf("read %q, want %q", got, want)
		}
		if s.runs.Load() == 0 {
			return 0, errorf("the SIGALRM handler never ran")
		}
		return c.count(), nil
	})
}
