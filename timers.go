//go:build linux && cgo

package pysignal

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// Alarm arranges for SIGALRM in seconds seconds (0 cancels) and returns the
// seconds left on the previous alarm: CPython's signal.alarm.
//
// It is alarm(2) as the kernel implements it, on ITIMER_REAL, written with
// setitimer because arm64 (like every newer architecture) has no alarm
// system call. The previous alarm is rounded to the nearest second, and a
// fraction left of the last second counts as 1, so a pending alarm never
// reads as none. A number of seconds beyond alarm(2)'s unsigned int gives
// ErrOverflow and changes nothing, as CPython's OverflowError.
func Alarm(seconds uint) (previous uint, err error) {
	if seconds > math.MaxUint32 {
		return 0, &Error{"alarm", 0, fmt.Errorf("%w: %d seconds does not fit an unsigned int", ErrOverflow, seconds)}
	}
	old, err := unix.Setitimer(unix.ItimerReal, unix.Itimerval{Value: unix.Timeval{Sec: int64(seconds)}})
	if err != nil {
		return 0, &Error{"setitimer", 0, err}
	}
	previous = uint(old.Value.Sec)
	if old.Value.Usec >= 500000 || (previous == 0 && old.Value.Usec > 0) {
		previous++
	}
	return previous, nil
}

// Setitimer arms timer which to fire after value and then every interval
// (0 for once), or disarms it when value is 0, and returns the previous
// setting: CPython's signal.setitimer. Durations are rounded up to the
// microsecond, so a tiny positive value still arms the timer (bpo-30807).
// An unknown which or a negative duration gives an *Error wrapping
// EINVAL, as CPython's ItimerError (the kernel refuses a negative timeval).
// ItimerProf delivers SIGPROF, which the Go runtime's profiler also uses.
func Setitimer(which unix.ItimerWhich, value, interval time.Duration) (oldValue, oldInterval time.Duration, err error) {
	if err := checkWhich("setitimer", which); err != nil {
		return 0, 0, err
	}
	if value < 0 || interval < 0 {
		return 0, 0, &Error{"setitimer", 0, fmt.Errorf("negative duration (%v, %v): %w", value, interval, unix.EINVAL)}
	}
	old, err := unix.Setitimer(which, unix.Itimerval{
		Value:    ceilTimeval(value),
		Interval: ceilTimeval(interval),
	})
	if err != nil {
		return 0, 0, &Error{"setitimer", 0, err}
	}
	return timevalDuration(old.Value), timevalDuration(old.Interval), nil
}

// Getitimer returns the time left on timer which and its interval: CPython's
// signal.getitimer.
func Getitimer(which unix.ItimerWhich) (value, interval time.Duration, err error) {
	if err := checkWhich("getitimer", which); err != nil {
		return 0, 0, err
	}
	cur, err := unix.Getitimer(which)
	if err != nil {
		return 0, 0, &Error{"getitimer", 0, err}
	}
	return timevalDuration(cur.Value), timevalDuration(cur.Interval), nil
}

func checkWhich(op string, which unix.ItimerWhich) error {
	switch which {
	case ItimerReal, ItimerVirtual, ItimerProf:
		return nil
	}
	return &Error{op, 0, fmt.Errorf("unknown timer %d: %w", which, unix.EINVAL)}
}

// ceilTimeval rounds d (≥ 0) up to the microsecond, without overflow near
// the largest Duration.
func ceilTimeval(d time.Duration) unix.Timeval {
	us := ceilDiv(d, time.Microsecond)
	return unix.Timeval{Sec: us / 1e6, Usec: us % 1e6}
}

func timevalDuration(tv unix.Timeval) time.Duration {
	return time.Duration(tv.Nano())
}
