//go:build linux && cgo

package pysignal

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// retryTimed is the PEP 475 loop for calls with a timeout, as CPython does
// it for select, poll, epoll and sigtimedwait: the deadline is computed once
// on the monotonic clock; each attempt waits only for what remains (call
// rounds it up to its unit); after EINTR and a successful CheckSignals, a
// deadline that has passed ends the call at once with "no events" (0, nil),
// never with a negative (infinite) wait. A kernel timeout that comes before
// the deadline (possible only when call had to cap a very long wait) waits
// again, so the call never ends early.
//
// A zero timeout needs no clock: the call cannot wait, and after an EINTR
// the deadline has already passed.
func retryTimed(name string, timeout time.Duration, call func(left time.Duration) (int, error)) (int, error) {
	return retryUntil(name, timeout, call, nil)
}

// retryUntil is retryTimed with a step after each attempt that did not fail:
// ready sees its result and says whether the wait is over, and with what
// result or error; otherwise the wait goes on for the time that remains. A
// nil ready ends the wait on any result but 0 (no events). A negative
// timeout waits forever: call gets it as it is at every attempt.
func retryUntil(name string, timeout time.Duration, call func(left time.Duration) (int, error),
	ready func(r int) (done bool, res int, err error)) (int, error) {
	hook := traceHook.Load()
	end, left := deadline(timeout), timeout
	for {
		r, err := attempt(hook, name, func() (int, error) { return call(left) })
		switch {
		case err == unix.EINTR:
			if err := checkAfterEINTR(name, hook); err != nil {
				return r, err
			}
		case err != nil:
			return r, err
		case ready != nil:
			if done, res, err := ready(r); done || err != nil {
				return res, err
			}
		case r != 0:
			return r, nil
		}
		if timeout >= 0 {
			if left = remaining(end); left <= 0 {
				return 0, nil
			}
		}
	}
}

// deadline fixes when a wait of timeout ends, on the monotonic clock. A
// zero (or negative: forever) timeout reads no clock and gives the zero
// time, which remaining treats as already passed.
func deadline(timeout time.Duration) time.Time {
	if timeout > 0 {
		return time.Now().Add(timeout)
	}
	return time.Time{}
}

// remaining is the time left until end; the zero end (a zero timeout) has
// always passed.
func remaining(end time.Time) time.Duration {
	if end.IsZero() {
		return 0
	}
	return time.Until(end)
}

// ceilDiv is d/unit rounded up, for d ≥ 0; unlike (d+unit-1)/unit it
// cannot overflow near the largest Duration.
func ceilDiv(d, unit time.Duration) int64 {
	q := d / unit
	if d%unit != 0 {
		q++
	}
	return int64(q)
}

// ceilMillis rounds d up to whole milliseconds, capped at the largest int32.
func ceilMillis(d time.Duration) int {
	ms := ceilDiv(d, time.Millisecond)
	if ms > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(ms)
}

// Poll is unix.Poll in the PEP 475 loop, with a time.Duration timeout:
// CPython's select.poll().poll. A negative timeout waits forever; otherwise
// the total wait is timeout however many signals arrive, rounded up to the
// millisecond, and 0 with no error means no events. Any Duration is taken
// as it is, up to math.MaxInt64: a wait beyond the kernel's int
// milliseconds (24.8 days), for which CPython raises OverflowError, is
// capped and waited again until the deadline.
func Poll(fds []unix.PollFd, timeout time.Duration) (n int, err error) {
	if timeout < 0 {
		return retry("poll", func() (int, error) { return unix.Poll(fds, -1) })
	}
	return retryTimed("poll", timeout, func(left time.Duration) (int, error) {
		return unix.Poll(fds, ceilMillis(left))
	})
}

// EpollWait is unix.EpollWait in the PEP 475 loop, with a time.Duration
// timeout: CPython's select.epoll().poll. Timeouts as for Poll.
func EpollWait(epfd int, events []unix.EpollEvent, timeout time.Duration) (n int, err error) {
	if err := narrow(epfd); err != nil {
		return 0, err
	}
	if timeout < 0 {
		return retry("epoll_wait", func() (int, error) { return unix.EpollWait(epfd, events, -1) })
	}
	return retryTimed("epoll_wait", timeout, func(left time.Duration) (int, error) {
		return unix.EpollWait(epfd, events, ceilMillis(left))
	})
}

// Select is unix.Select in the PEP 475 loop, with a time.Duration timeout:
// CPython's select.select. A negative timeout waits forever; otherwise the
// wait is rounded up to the microsecond. Each attempt starts from the sets
// the caller passed (select(2) rewrites them); on return they hold the ready
// descriptors, as with select(2), and are empty when it returns 0, also
// when a signal's handler outlasted the deadline (CPython's bpo-35310). An
// nfd beyond FD_SETSIZE (1024), which the sets cannot hold, gives EINVAL
// (CPython's ValueError "filedescriptor out of range in select()").
func Select(nfd int, r, w, e *unix.FdSet, timeout time.Duration) (n int, err error) {
	if nfd < 0 || nfd > unix.FD_SETSIZE {
		// An FdSet holds FD_SETSIZE bits: the kernel would read and write
		// past it.
		return -1, &Error{"select", 0, fmt.Errorf("nfd %d outside 0..FD_SETSIZE: %w", nfd, unix.EINVAL)}
	}
	// The caller's sets, kept to start every attempt from them; a nil set
	// stays nil.
	var saved [3]unix.FdSet
	sets := [3]*unix.FdSet{r, w, e}
	for i, s := range sets {
		if s != nil {
			saved[i] = *s
		}
	}
	attempt := func(tv *unix.Timeval) (int, error) {
		for i, s := range sets {
			if s != nil {
				*s = saved[i]
			}
		}
		return unix.Select(nfd, r, w, e, tv)
	}
	if timeout < 0 {
		return retry("select", func() (int, error) { return attempt(nil) })
	}
	n, err = retryTimed("select", timeout, func(left time.Duration) (int, error) {
		tv := ceilTimeval(left)
		return attempt(&tv)
	})
	if n == 0 && err == nil {
		// No events. After a kernel timeout the sets are already empty,
		// but after EINTR with the deadline passed they still hold the
		// caller's input: clear them, as CPython does (bpo-35310).
		for _, s := range sets {
			if s != nil {
				s.Zero()
			}
		}
	}
	return n, err
}

// Sleep sleeps for d: CPython's time.sleep (3.11+). It sleeps with
// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until a deadline computed
// once, so retries after EINTR add no drift, and it returns nil only once d
// has passed. A handler error ends it early with that error. A negative d is
// refused with ErrNegativeTimeout (CPython's ValueError).
func Sleep(d time.Duration) error {
	if d < 0 {
		return &Error{"sleep", 0, ErrNegativeTimeout}
	}
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		return err
	}
	end := now.Nano() + int64(d)
	if end < now.Nano() { // overflow: sleep "forever"
		end = math.MaxInt64
	}
	deadline := unix.NsecToTimespec(end)
	_, err := retry("clock_nanosleep", func() (int, error) {
		return result(unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &deadline, nil))
	})
	return err
}
