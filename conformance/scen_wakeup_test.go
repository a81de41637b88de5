//go:build linux && cgo

package conformance

import (
	"errors"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["wakeup"] = wakeup }

func wakeup(o *out) {
	var reports, msgs []string
	pysignal.SetUnraisableHook(func(e *pysignal.UnraisableError) {
		var errno unix.Errno
		if errors.As(e, &errno) {
			reports = append(reports, unix.ErrnoName(errno))
		} else {
			reports = append(reports, e.Error())
		}
		msgs = append(msgs, e.Msg)
	})
	log := &runLog{}
	nbPipe := func() (r, w int) {
		var p [2]int
		must(unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
		return p[0], p[1]
	}
	drain := func(r int) []byte {
		b := make([]byte, 100)
		n, err := unix.Read(r, b)
		if err != nil {
			return nil
		}
		return b[:n]
	}
	set := func(fd int, warn bool) (int, error) { return pysignal.SetWakeupFD(fd, warn) }

	res := make(chan error, 3)
	go func() {
		for _, fd := range []int{-1, -2, 1<<32 + 1} {
			_, err := set(fd, true)
			res <- err
		}
	}()
	o.attempt("set_wakeup_fd(-1) off the main thread", <-res)
	o.attempt("set_wakeup_fd(-2) off the main thread", <-res)
	o.attempt("set_wakeup_fd(2**32+1) off the main thread", <-res)

	r1, w1 := nbPipe()
	_, w2 := nbPipe()
	names := map[int]string{-1: "-1", w1: "w1", w2: "w2"}
	old, _ := set(w1, true)
	o.line("set_wakeup_fd(w1) old", names[old])
	old, _ = set(w2, true)
	o.line("set_wakeup_fd(w2) old", names[old])
	old, _ = set(-1, true)
	o.line("set_wakeup_fd(-1) old", names[old])
	old, _ = set(-1, true)
	o.line("set_wakeup_fd(-1) again old", names[old])
	cr, cw := nbPipe()
	unix.Close(cr)
	unix.Close(cw)
	_, err := set(cw, true)
	o.attempt("set_wakeup_fd(closed)", err)
	_, err = set(-2, true)
	o.attempt("set_wakeup_fd(-2)", err)
	var bp [2]int
	must(unix.Pipe2(bp[:], unix.O_CLOEXEC))
	_, err = set(bp[1], true)
	o.attempt("set_wakeup_fd(blocking)", err)
	_, err = set(1<<32+w1, true)
	o.attempt("set_wakeup_fd(2**32+w1)", err)
	old, _ = set(-1, true)
	o.line("after refusals, old", names[old])

	must(sig(u1, log.make("a")))
	must(sig(u2, log.make("b")))
	must(sig(alrm, log.make("c")))
	set(w1, true)
	must(pysignal.RaiseSignal(u1))
	must(pysignal.RaiseSignal(u2))
	o.line("bytes after raising 10 then 12", drain(r1))
	block(u1, u2, alrm)
	for _, s := range []unix.Signal{alrm, u1, u2} {
		must(pysignal.RaiseSignal(s))
	}
	unblock(u1, u2, alrm)
	o.differs("bytes of three pending signals", drain(r1),
		"CPython's handlers nest (empty sa_mask) and write highest first; "+
			"pysignal's full sa_mask delivers in order (design.md difference 1)")
	o.line("handler runs", log.take())
	must(pysignal.SetInterruptEx(u1))
	block()
	o.line("bytes after interrupt_main(10)", drain(r1))
	must(sig(u1, pysignal.Ignore))
	must(pysignal.RaiseSignal(u1))
	must(sig(unix.SIGWINCH, pysignal.Default))
	must(pysignal.RaiseSignal(unix.SIGWINCH))
	o.line("bytes after ignored signals", drain(r1))
	o.line("handler runs", log.take())

	must(sig(u1, log.make("a")))
	set(r1, true)
	must(pysignal.RaiseSignal(u1))
	o.line("reports of one failure", reports)
	o.line("report message", msgs[0])
	reports = nil
	block(u1, u2, alrm)
	for _, s := range []unix.Signal{u1, u2, alrm} {
		must(pysignal.RaiseSignal(s))
	}
	unblock(u1, u2, alrm)
	o.line("reports of three failures before one check", reports)
	o.line("handler runs", log.take())
	reports = nil
	must(sig(34, pysignal.HandlerFunc(func(unix.Signal) error { return nil })))
	block(34)
	for i := 0; i < 100; i++ {
		must(pysignal.RaiseSignal(34))
	}
	unblock(34)
	o.differs("reports of 100 failures before one check", len(reports),
		"pysignal reports 64 one by one and one more that counts the other 36; "+
			"CPython's pending-call queue holds about 32 and drops the rest silently (design.md difference 19)")
	reports = nil

	for _, warn := range []bool{true, false} {
		r, w := nbPipe()
		for {
			if _, err := unix.Write(w, make([]byte, 4096)); err != nil {
				break
			}
		}
		set(w, warn)
		must(pysignal.RaiseSignal(u1))
		label := "full pipe, warn_on_full_buffer=False: reports"
		if warn {
			label = "full pipe, warn_on_full_buffer=True: reports"
		}
		o.line(label, reports)
		o.line("handler runs", log.take())
		reports = nil
		_ = r
	}
	set(-1, true)
}
