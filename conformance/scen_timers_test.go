//go:build linux && cgo

package conformance

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["timers"] = timers }

func timers(o *out) {
	o.line("ITIMER_*", []int{int(pysignal.ItimerReal), int(pysignal.ItimerVirtual), int(pysignal.ItimerProf)})
	must(sig(alrm, pysignal.Ignore))
	prev, _ := pysignal.Alarm(5)
	o.line("alarm(5) previous", prev)
	prev, _ = pysignal.Alarm(0)
	o.line("alarm(0) previous", prev)
	_, err := pysignal.Alarm(1<<32 + 1)
	o.attempt("alarm(2**32+1)", err)
	prev, _ = pysignal.Alarm(0)
	o.line("alarm(0) after the refusal", prev)
	for _, left := range []time.Duration{2400 * time.Millisecond, 2600 * time.Millisecond, 200 * time.Millisecond, 1500 * time.Nanosecond} {
		_, _, err := pysignal.Setitimer(pysignal.ItimerReal, left, 0)
		must(err)
		prev, _ = pysignal.Alarm(0)
		o.line(fmt.Sprintf("alarm(0) with %s s left", pyG(left)), prev)
	}
	for _, iv := range []struct {
		repr string
		d    time.Duration
	}{{"1e-09", 1}, {"1e-06", time.Microsecond}, {"1.5e-06", 1500}, {"0.25", 250 * time.Millisecond}, {"3.0000001", 3*time.Second + 100}} {
		_, _, err := pysignal.Setitimer(pysignal.ItimerReal, 100*time.Second, iv.d)
		must(err)
		_, got, _ := pysignal.Getitimer(pysignal.ItimerReal)
		o.line(fmt.Sprintf("interval %s getitimer µs", iv.repr), got.Microseconds())
	}
	oldV, oldI, _ := pysignal.Setitimer(pysignal.ItimerReal, 0, 0)
	o.line("setitimer(0) old interval µs", oldI.Microseconds())
	o.line("setitimer(0) old value in (99.9, 100]", oldV > 99900*time.Millisecond && oldV <= 100*time.Second)
	v, i, _ := pysignal.Getitimer(pysignal.ItimerReal)
	o.line("getitimer after disarm", pyFloat(v)+" "+pyFloat(i))
	_, _, err = pysignal.Setitimer(pysignal.ItimerVirtual, 1, 0)
	must(err)
	v, _, _ = pysignal.Getitimer(pysignal.ItimerVirtual)
	o.line("setitimer(VIRTUAL, 1ns) armed", v > 0)
	pysignal.Setitimer(pysignal.ItimerVirtual, 0, 0)
	for _, which := range []unix.ItimerWhich{-1, 3, 7} {
		_, _, err := pysignal.Setitimer(which, time.Second, 0)
		o.attempt(fmt.Sprintf("setitimer(%d, 1)", which), err)
		_, _, err = pysignal.Getitimer(which)
		o.attempt(fmt.Sprintf("getitimer(%d)", which), err)
	}
	_, _, err = pysignal.Setitimer(pysignal.ItimerReal, -time.Second, 0)
	o.attempt("setitimer(REAL, -1)", err)
	_, _, err = pysignal.Setitimer(pysignal.ItimerReal, time.Second, -time.Second)
	o.attempt("setitimer(REAL, 1, -1)", err)
	v, i, _ = pysignal.Getitimer(pysignal.ItimerReal)
	o.line("getitimer after refusals", pyFloat(v)+" "+pyFloat(i))

	r, w := nbPipe()
	unix.Write(w, []byte("x"))
	ok := func(n int, err error) string {
		if err != nil {
			return errClass(err)
		}
		return "ok " + format(n)
	}
	var set unix.FdSet
	set.Set(r)
	o.line("select([r], 9.2e9 s)", ok(pysignal.Select(r+1, &set, nil, nil, 9_200_000_000*time.Second)))
	fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
	o.line("poll(2**31-1 ms)", ok(pysignal.Poll(fds, (1<<31-1)*time.Millisecond)))
	const long = "a time.Duration timeout means what it says: beyond the kernel's int " +
		"milliseconds Poll and EpollWait wait again; CPython raises OverflowError " +
		"(design.md difference 18)"
	o.differs("poll(2**31 ms)", ok(pysignal.Poll(fds, (1<<31)*time.Millisecond)), long)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	must(err)
	must(unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, r, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(r)}))
	o.differs("epoll.poll(9.2e9 s)", ok(pysignal.EpollWait(ep, make([]unix.EpollEvent, 1), 9_200_000_000*time.Second)), long)
}

// pyG formats seconds as Python's %g does for the values used here.
func pyG(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'g', 6, 64) }

// pyFloat formats seconds as Python's repr of a float.
func pyFloat(d time.Duration) string {
	s := strconv.FormatFloat(d.Seconds(), 'g', -1, 64)
	if !containsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, d := range s {
			if c == d {
				return true
			}
		}
	}
	return false
}
