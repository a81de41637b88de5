//go:build linux && cgo

package pysignal

import (
	"fmt"
	"math"
	"slices"
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
//
// Wakeups nest as a stack: Close puts back the wakeup fd that was installed
// before OpenWakeup, and a Wakeup closed out of order hands that fd down to
// the one opened over it. A kept fd is put back only while its number still
// names the file it named (wakeupfd.go); if it was closed and its number
// reused, Close disables the wakeup fd instead and says so.
type Wakeup struct {
	r, w   int
	id     fileID       // the pipe's identity
	prev   wakeupTarget // what Close puts back
	seen   [nsig]bool   // Signals' record: bounded, one entry per signal
	order  [nsig]unix.Signal
	nseen  int
	closed bool
}

// OpenWakeup makes a non-blocking, close-on-exec pipe and installs its
// write end as the wakeup fd (SetWakeupFD, with warnOnFullBuffer false as
// asyncio does: a full pipe already guarantees a wake-up). Close puts back
// the previous wakeup fd. It works only on the main thread.
func OpenWakeup() (*Wakeup, error) {
	if !onMainThread() {
		return nil, &Error{"OpenWakeup", 0, ErrNotMainThread}
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, &Error{"OpenWakeup", 0, fmt.Errorf("pipe2: %w", err)}
	}
	id, _, err := identify(p[0])
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, &Error{"OpenWakeup", 0, err}
	}
	wk := &Wakeup{r: p[0], w: p[1], id: id}
	pushWakeup(wk)
	return wk, nil
}

// Close uninstalls the wakeup fd and closes the pipe. If the wakeup fd is
// still this Wakeup's, it puts back the one installed before OpenWakeup, or,
// if that fd has been closed (or its number reused) meanwhile, disables the
// wakeup fd and returns ErrWakeupFDReplaced. If another Wakeup was opened
// over this one and is still open, that one inherits what to put back. An
// end of the pipe closed behind the Wakeup's back is not closed again (its
// number may name another file by now): Close returns ErrWakeupBroken. It
// works only on the main thread; a second Close returns ErrWakeupClosed.
func (wk *Wakeup) Close() error {
	if !onMainThread() {
		return &Error{"Wakeup.Close", 0, ErrNotMainThread}
	}
	if wk.closed {
		return &Error{"Wakeup.Close", 0, ErrWakeupClosed}
	}
	wk.closed = true
	err := popWakeup(wk)
	// Close only what is still the pipe: a number closed behind the
	// Wakeup's back may name somebody else's file by now.
	for _, fd := range [2]int{wk.r, wk.w} {
		if id, _, ierr := identify(fd); ierr != nil || id != wk.id {
			if err == nil {
				err = fmt.Errorf("%w: fd %d, left alone", ErrWakeupBroken, fd)
			}
			continue
		}
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return &Error{"Wakeup.Close", 0, err}
	}
	return nil
}

// Fd returns the read end of the wakeup pipe, for a program that runs its
// own poll loop: poll it with the rest, and call Drain when it is readable.
func (wk *Wakeup) Fd() int { return wk.r }

// Signals returns the signals read from the wakeup pipe since the last
// call, each once, in the order of their first arrival, and forgets them.
// The record is bounded: a program that never calls Signals keeps at most
// one entry per signal number, whatever the rate of signals. (asyncio
// dispatches a callback per byte; here the handlers do that work, and how
// often a signal arrived is Deliveries'.)
func (wk *Wakeup) Signals() []unix.Signal {
	s := slices.Clone(wk.order[:wk.nseen])
	wk.seen = [nsig]bool{}
	wk.nseen = 0
	return s
}

// Drain reads every byte waiting in the wakeup pipe into Signals' record,
// then runs CheckSignals and returns its error. If the pipe was closed
// behind the Wakeup's back it returns ErrWakeupBroken (after running the
// handlers), on a closed Wakeup ErrWakeupClosed.
func (wk *Wakeup) Drain() error {
	if wk.closed {
		return &Error{"Wakeup.Drain", 0, ErrWakeupClosed}
	}
	// A read end closed and its number reused would be somebody else's
	// file: never read from it.
	if id, _, err := identify(wk.r); err != nil || id != wk.id {
		return &Error{"Wakeup.Drain", 0, fmt.Errorf("%w: fd %d is no longer its read end", ErrWakeupBroken, wk.r)}
	}
	var buf [256]byte
	var broken error
	for {
		n, err := unix.Read(wk.r, buf[:])
		for _, b := range buf[:max(n, 0)] {
			if sig := unix.Signal(b); sig > 0 && sig < nsig && !wk.seen[sig] {
				wk.seen[sig] = true
				wk.order[wk.nseen] = sig
				wk.nseen++
			}
		}
		if err == unix.EINTR || n == len(buf) {
			continue
		}
		if n == 0 {
			broken = &Error{"Wakeup.Drain", 0, fmt.Errorf("%w: its write end (fd %d) is closed", ErrWakeupBroken, wk.w)}
		} else if err != nil && err != unix.EAGAIN {
			broken = &Error{"Wakeup.Drain", 0, fmt.Errorf("%w: read: %w", ErrWakeupBroken, err)}
		}
		break
	}
	// The handlers of what arrived run even if the pipe is broken.
	if err := CheckSignals(); err != nil {
		return err
	}
	return broken
}

// Wait waits until fd has one of events (poll(2) flags), the timeout passes,
// or a handler fails, without the race window: it polls fd and the wakeup
// pipe together, and each time the pipe is readable it drains it (Signals),
// runs CheckSignals, and goes on waiting for the time that remains. It
// returns fd's revents (0 on timeout) or a handler's error, unchanged. fd -1
// waits for signals only; other negative fds, and fds beyond int32, give
// EBADF. A negative timeout waits forever. Wait works only
// on the main thread (ErrNotMainThread), where handlers run.
func (wk *Wakeup) Wait(fd int, events int16, timeout time.Duration) (revents int16, err error) {
	if wk.closed {
		return 0, &Error{"Wakeup.Wait", 0, ErrWakeupClosed}
	}
	if !onMainThread() {
		return 0, &Error{"Wakeup.Wait", 0, ErrNotMainThread}
	}
	if fd < -1 || fd > math.MaxInt32 { // poll(2) would ignore it, or see another fd
		return 0, &Error{"Wakeup.Wait", 0, fmt.Errorf("fd %d: %w", fd, unix.EBADF)}
	}
	// Anything tripped before the wait: take its bytes too, so that
	// Signals sees them and no stale byte wakes a later wait.
	if atomic.LoadUint64(cPending) != 0 {
		if err := wk.Drain(); err != nil {
			return 0, err
		}
	}
	fds := [2]unix.PollFd{{Fd: int32(fd), Events: events}, {Fd: int32(wk.r), Events: unix.POLLIN}}
	r, err := retryUntil("poll", timeout, func(left time.Duration) (int, error) {
		ms := -1
		if left >= 0 {
			ms = ceilMillis(left)
		}
		if ms != 0 {
			keepP()
		}
		return unix.Poll(fds[:], ms)
	}, func(int) (bool, int, error) {
		switch {
		case fds[1].Revents&unix.POLLNVAL != 0:
			return true, 0, &Error{"Wakeup.Wait", 0, fmt.Errorf("%w: fd %d: %w", ErrWakeupBroken, wk.r, unix.EBADF)}
		case fds[1].Revents != 0:
			if err := wk.Drain(); err != nil {
				return true, 0, err
			}
		}
		return fds[0].Revents != 0, int(uint16(fds[0].Revents)), nil
	})
	if err != nil {
		return 0, err
	}
	return int16(uint16(r)), nil
}

// Read waits with Wait until fd is readable, then reads it: a read that a
// signal can always interrupt. It returns a handler's error as soon as the
// handler fails. fd should be non-blocking if anything else reads it.
func (wk *Wakeup) Read(fd int, p []byte) (int, error) {
	return whenReady(wk, fd, unix.POLLIN, 0, func() (int, error) { return unix.Read(fd, p) })
}

// Write waits with Wait until fd is writable, then writes p (possibly
// partly, as write(2)).
func (wk *Wakeup) Write(fd int, p []byte) (int, error) {
	return whenReady(wk, fd, unix.POLLOUT, 0, func() (int, error) { return unix.Write(fd, p) })
}

// Accept waits with Wait until the listening socket fd has a connection,
// then accepts it.
func (wk *Wakeup) Accept(fd int) (int, unix.Sockaddr, error) {
	type accepted struct {
		fd int
		sa unix.Sockaddr
	}
	a, err := whenReady(wk, fd, unix.POLLIN, accepted{fd: -1}, func() (accepted, error) {
		nfd, sa, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		return accepted{nfd, sa}, err
	}, unix.ECONNABORTED)
	return a.fd, a.sa, err
}

// whenReady waits with Wait until fd has events, then makes call, and does
// both again while call finds that fd was not ready after all (EAGAIN:
// somebody else took what was there; EINTR; or one of again). It returns
// call's result, or fail and Wait's error.
func whenReady[T any](wk *Wakeup, fd int, events int16, fail T, call func() (T, error), again ...unix.Errno) (T, error) {
	for {
		if _, err := wk.Wait(fd, events, -1); err != nil {
			return fail, err
		}
		r, err := call()
		if err != unix.EAGAIN && err != unix.EINTR && !slices.ContainsFunc(again, func(e unix.Errno) bool { return err == e }) {
			return r, err
		}
	}
}

// Sleep sleeps for d on the wakeup pipe: handlers run as signals arrive, a
// handler's error ends the sleep at once, and otherwise it returns nil only
// once d has passed. A negative d is refused with ErrNegativeTimeout.
func (wk *Wakeup) Sleep(d time.Duration) error {
	if d < 0 {
		return &Error{"Wakeup.Sleep", 0, ErrNegativeTimeout}
	}
	end := time.Now().Add(d)
	for left := d; left > 0; left = time.Until(end) {
		if _, err := wk.Wait(-1, 0, left); err != nil {
			return err
		}
	}
	return nil
}
