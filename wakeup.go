//go:build linux && cgo

package pysignal

import (
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Wakeup is a race-free way to wait, asyncio's pattern as an API: a
// non-blocking pipe whose write end is the wakeup fd, and whose read end is
// polled together with whatever the program waits for.
//
// A blocking call in the PEP 475 loop has a window: a signal that lands after
// the last CheckSignals but before the call blocks only trips its flag, and
// the handler waits until the call returns, possibly forever. The C handler
// writes the wakeup byte after it sets the flags, so with a Wakeup a signal
// at any moment (before the wait, during it, after it) leaves a byte that
// makes the wait return at once, and the handler runs.
//
// A Wakeup is used on the main thread, where handlers run.
type Wakeup struct {
	r, w     int
	prevFD   int
	prevWarn int32
	sigs     []unix.Signal
	closed   bool
}

// OpenWakeup makes a non-blocking, close-on-exec pipe and installs its
// write end as the wakeup fd (SetWakeupFD, with warnOnFullBuffer false as
// asyncio does: a full pipe already guarantees a wake-up). Close puts back
// the previous wakeup fd. It works only on the main thread.
func OpenWakeup() (*Wakeup, error) {
	if !onMainThread() {
		return nil, ErrNotMainThread
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	prevWarn := atomic.LoadInt32(cWakeupWarn)
	prev, err := SetWakeupFD(p[1], false)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, err
	}
	return &Wakeup{r: p[0], w: p[1], prevFD: prev, prevWarn: prevWarn}, nil
}

// Close uninstalls the wakeup fd, restoring the one installed before
// OpenWakeup (if the wakeup fd is still this Wakeup's), and closes the pipe.
// It works only on the main thread; a second Close returns ErrWakeupClosed.
func (wk *Wakeup) Close() error {
	if !onMainThread() {
		return ErrNotMainThread
	}
	if wk.closed {
		return ErrWakeupClosed
	}
	wk.closed = true
	if atomic.LoadInt32(cWakeupFD) == int32(wk.w) {
		if _, err := SetWakeupFD(wk.prevFD, wk.prevWarn != 0); err != nil {
			// The previous fd was closed meanwhile: disable instead.
			SetWakeupFD(-1, true)
		}
	}
	unix.Close(wk.r)
	return unix.Close(wk.w)
}

// Fd returns the read end of the wakeup pipe, for a program that runs its
// own poll loop: poll it with the rest, and call Drain when it is readable.
func (wk *Wakeup) Fd() int { return wk.r }

// Signals returns the signal numbers read from the wakeup pipe since the
// last call, in arrival order, and forgets them (asyncio dispatches a
// callback for each).
func (wk *Wakeup) Signals() []unix.Signal {
	s := wk.sigs
	wk.sigs = nil
	return s
}

// Drain reads every byte waiting in the wakeup pipe into Signals' list,
// then runs CheckSignals and returns its error.
func (wk *Wakeup) Drain() error {
	var buf [256]byte
	for {
		n, err := unix.Read(wk.r, buf[:])
		for _, b := range buf[:max(n, 0)] {
			wk.sigs = append(wk.sigs, unix.Signal(b))
		}
		if n < len(buf) || err != nil {
			break
		}
	}
	return CheckSignals()
}

// Wait waits until fd has one of events (poll(2) flags), the timeout passes,
// or a handler fails, without the race window: it polls fd and the wakeup
// pipe together, and each time the pipe is readable it drains it (Signals),
// runs CheckSignals, and goes on waiting for the time that remains. It
// returns fd's revents (0 on timeout) or a handler's error, unchanged. fd -1
// waits for signals only. A negative timeout waits forever. Wait works only
// on the main thread (ErrNotMainThread), where handlers run.
func (wk *Wakeup) Wait(fd int, events int16, timeout time.Duration) (revents int16, err error) {
	if wk.closed {
		return 0, ErrWakeupClosed
	}
	if !onMainThread() {
		return 0, ErrNotMainThread
	}
	// Anything tripped before the wait: take its bytes too, so that
	// Signals sees them and no stale byte wakes a later wait.
	if atomic.LoadInt32(cIsTripped) != 0 {
		if err := wk.Drain(); err != nil {
			return 0, err
		}
	}
	hook := traceHook.Load()
	end, left := deadline(timeout), timeout
	for {
		fds := [2]unix.PollFd{{Fd: int32(fd), Events: events}, {Fd: int32(wk.r), Events: unix.POLLIN}}
		ms := -1
		if timeout >= 0 {
			ms = ceilMillis(left)
		}
		if ms != 0 {
			keepP()
		}
		_, err := attempt(hook, "poll", func() (int, error) { return unix.Poll(fds[:], ms) })
		switch {
		case err == unix.EINTR:
			if err := checkAfterEINTR("poll", hook); err != nil {
				return 0, err
			}
		case err != nil:
			return 0, err
		case fds[1].Revents != 0:
			if err := wk.Drain(); err != nil {
				return 0, err
			}
		}
		if err == nil && fds[0].Revents != 0 {
			return fds[0].Revents, nil
		}
		if timeout >= 0 {
			if left = remaining(end); left <= 0 {
				return 0, nil
			}
		}
	}
}

// Read waits with Wait until fd is readable, then reads it: a read that a
// signal can always interrupt. It returns a handler's error as soon as the
// handler fails. fd should be non-blocking if anything else reads it.
func (wk *Wakeup) Read(fd int, p []byte) (int, error) {
	for {
		if _, err := wk.Wait(fd, unix.POLLIN, -1); err != nil {
			return 0, err
		}
		n, err := unix.Read(fd, p)
		if err != unix.EAGAIN && err != unix.EINTR {
			return n, err
		}
	}
}

// Write waits with Wait until fd is writable, then writes p (possibly
// partly, as write(2)).
func (wk *Wakeup) Write(fd int, p []byte) (int, error) {
	for {
		if _, err := wk.Wait(fd, unix.POLLOUT, -1); err != nil {
			return 0, err
		}
		n, err := unix.Write(fd, p)
		if err != unix.EAGAIN && err != unix.EINTR {
			return n, err
		}
	}
}

// Accept waits with Wait until the listening socket fd has a connection,
// then accepts it.
func (wk *Wakeup) Accept(fd int) (int, unix.Sockaddr, error) {
	for {
		if _, err := wk.Wait(fd, unix.POLLIN, -1); err != nil {
			return -1, nil, err
		}
		nfd, sa, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		if err != unix.EAGAIN && err != unix.EINTR && err != unix.ECONNABORTED {
			return nfd, sa, err
		}
	}
}

// Sleep sleeps for d on the wakeup pipe: handlers run as signals arrive, a
// handler's error ends the sleep at once, and otherwise it returns nil only
// once d has passed. A negative d is refused with ErrNegativeTimeout.
func (wk *Wakeup) Sleep(d time.Duration) error {
	if d < 0 {
		return ErrNegativeTimeout
	}
	end := time.Now().Add(d)
	for left := d; left > 0; left = time.Until(end) {
		if _, err := wk.Wait(-1, 0, left); err != nil {
			return err
		}
	}
	return nil
}
