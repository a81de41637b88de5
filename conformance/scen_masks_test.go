//go:build linux && cgo

package conformance

import (
	"os"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["masks"] = masks }

func masks(o *out) {
	const reserved = "the Go runtime's signals are refused in a set (design.md difference 2); " +
		"glibc drops its 32 and 33 silently"
	mask := func(how int, sigs ...unix.Signal) any {
		old, err := pysignal.PthreadSigmask(how, sigs)
		if err != nil {
			return errClass(err)
		}
		return old
	}
	try := func(how int, sigs ...unix.Signal) error {
		_, err := pysignal.PthreadSigmask(how, sigs)
		return err
	}
	// attempt's "ok <old mask>" or the error's class.
	maskAttempt := func(how int, sigs ...unix.Signal) string {
		old, err := pysignal.PthreadSigmask(how, sigs)
		if err != nil {
			return errClass(err)
		}
		return "ok " + format(old)
	}
	o.attempt("pthread_sigmask(7, [])", try(7))
	o.attempt("pthread_sigmask(BLOCK, [0])", try(pysignal.SigBlock, 0))
	o.attempt("pthread_sigmask(BLOCK, [65])", try(pysignal.SigBlock, 65))
	o.attempt("pthread_sigmask(BLOCK, [2**32+10])", try(pysignal.SigBlock, 1<<32+10))
	o.differs("pthread_sigmask(BLOCK, [32])", maskAttempt(pysignal.SigBlock, 32), reserved)
	o.line("pthread_sigmask(BLOCK, [SIGKILL, SIGSTOP])", maskAttempt(pysignal.SigBlock, unix.SIGKILL, unix.SIGSTOP))
	o.line("old after blocking SIGKILL", mask(pysignal.SigBlock, u1))
	o.line("old after blocking U1", mask(pysignal.SigBlock, u2))
	o.line("old after blocking U2", mask(pysignal.SigSetmask))
	o.line("old after SETMASK []", mask(pysignal.SigUnblock, u1))
	res := make(chan error)
	go func() { res <- try(pysignal.SigBlock, u1) }()
	o.differs("pthread_sigmask off the main thread", errClass(<-res),
		"a goroutine's thread mask belongs to the Go runtime: main thread only (design.md difference 10)")

	must(sig(u1, pysignal.Default))
	must(sig(u2, pysignal.Default))
	pend, _ := pysignal.Sigpending()
	o.line("sigpending", pend)
	block(u1, u2, 34)
	must(pysignal.RaiseSignal(u1))
	must(pysignal.PthreadKill(pysignal.MainThreadID(), u2))
	pend, _ = pysignal.Sigpending()
	o.line("sigpending after raise U1, pthread_kill U2", pend)
	s, err := pysignal.Sigwait([]unix.Signal{u1, u2})
	must(err)
	o.line("sigwait([U1, U2])", s)
	info, err := pysignal.Sigwaitinfo([]unix.Signal{u1, u2})
	must(err)
	show := func(label string, info pysignal.SigInfo, ok bool) {
		if !ok {
			o.line(label, nil)
			return
		}
		o.line(label+" signo code errno", []int{int(info.Signo), int(info.Code), int(info.Errno)})
		o.line(label+" pid uid are mine", int(info.Pid) == os.Getpid() && int(info.UID) == os.Getuid())
		o.line(label+" status", info.Status)
		o.line(label+" band is pid and uid", info.Band == int64(info.Pid)+int64(info.UID)<<32)
	}
	show("sigwaitinfo after pthread_kill", info, true)
	must(pysignal.RaiseSignal(u1))
	info, err = pysignal.Sigwaitinfo([]unix.Signal{u1})
	must(err)
	show("sigwaitinfo after raise", info, true)
	must(pysignal.RaiseSignal(u2))
	info, ok, err := pysignal.Sigtimedwait([]unix.Signal{u2}, 0)
	must(err)
	show("sigtimedwait(0) after raise", info, ok)
	info, ok, err = pysignal.Sigtimedwait([]unix.Signal{u1, u2}, 0)
	must(err)
	show("sigtimedwait(0) nothing pending", info, ok)
	info, ok, err = pysignal.Sigtimedwait([]unix.Signal{u1, u2}, 10*time.Millisecond)
	must(err)
	show("sigtimedwait(0.01) nothing pending", info, ok)
	stw := func(sigs ...unix.Signal) error { _, _, err := pysignal.Sigtimedwait(sigs, 0); return err }
	_, _, err = pysignal.Sigtimedwait([]unix.Signal{u1}, -time.Second)
	o.attempt("sigtimedwait([U1], -1)", err)
	o.attempt("sigtimedwait([0], 0)", stw(0))
	o.attempt("sigtimedwait([2**32+10], 0)", stw(1<<32+10))
	o.attemptDiffers("sigtimedwait([32], 0)", stw(32), reserved)
	o.attempt("sigtimedwait([], 0)", stw())
	for i := 0; i < 3; i++ {
		must(pysignal.RaiseSignal(34))
	}
	pend, _ = pysignal.Sigpending()
	o.line("sigpending with three 34 queued", pend)
	var taken []int
	for i := 0; i < 3; i++ {
		info, _, _ := pysignal.Sigtimedwait([]unix.Signal{34}, 0)
		taken = append(taken, int(info.Signo))
	}
	o.line("34 taken", taken)
	_, ok, _ = pysignal.Sigtimedwait([]unix.Signal{34}, 0)
	o.line("then", map[bool]any{false: nil, true: "a siginfo"}[ok])
	pend, _ = pysignal.Sigpending()
	o.line("sigpending at the end", pend)
	mask(pysignal.SigSetmask)
}
