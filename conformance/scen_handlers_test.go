//go:build linux && cgo

package conformance

import (
	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["handlers"] = handlers }

const reservedReason = "the Go runtime needs this signal: taking it would break " +
	"preemption, profiling or run-time panics (design.md difference 2)"

const (
	u1   = unix.SIGUSR1
	u2   = unix.SIGUSR2
	alrm = unix.SIGALRM
)

func handlers(o *out) {
	log := &runLog{}
	h1, h2, hf := log.make("h1"), log.make("h2"), log.failing("hf")

	o.attempt("signal(0, h1)", sig(0, h1))
	o.attempt("signal(-1, h1)", sig(-1, h1))
	o.attempt("signal(65, h1)", sig(65, h1))
	o.attempt("signal(U1, None)", sig(u1, nil))
	o.attempt("signal(0, None)", sig(0, nil))
	o.attempt("signal(65, 'not callable')", sig(65, pysignal.Disposition(7)))
	o.attempt("signal(SIGKILL, None)", sig(unix.SIGKILL, nil))
	o.attempt("signal(SIGKILL, SIG_DFL)", sig(unix.SIGKILL, pysignal.Default))
	o.attempt("signal(SIGSTOP, h1)", sig(unix.SIGSTOP, h1))
	o.attemptDiffers("signal(32, SIG_DFL)", sig(32, pysignal.Default), reservedReason)
	o.attemptDiffers("signal(SIGSEGV, SIG_DFL)", sig(unix.SIGSEGV, pysignal.Default), reservedReason)
	o.attemptDiffers("signal(SIGURG, SIG_IGN)", sig(unix.SIGURG, pysignal.Ignore), reservedReason)
	_, err := pysignal.GetSignal(0)
	o.attempt("getsignal(0)", err)
	_, err = pysignal.GetSignal(65)
	o.attempt("getsignal(65)", err)

	// Off the main thread (every other goroutine runs elsewhere).
	res := make(chan []error)
	go func() {
		_, e3 := pysignal.GetSignal(u1)
		res <- []error{sig(0, nil), sig(u1, h1), e3, pysignal.Siginterrupt(u1, true)}
	}()
	errs := <-res
	o.attempt("thread signal(0, None)", errs[0])
	o.attempt("thread signal(U1, h1)", errs[1])
	o.attempt("thread getsignal(U1)", errs[2])
	o.attempt("thread siginterrupt(U1, True)", errs[3])

	must(sig(u1, pysignal.Default))
	old, _ := pysignal.Signal(u1, h1)
	o.line("old of SIG_DFL", old)
	old, _ = pysignal.Signal(u1, pysignal.Ignore)
	o.line("old of h1", old)
	old, _ = pysignal.Signal(u1, h2)
	o.line("old of SIG_IGN", old)
	cur, _ := pysignal.GetSignal(u1)
	o.line("getsignal(U1)", cur)
	cur, _ = pysignal.GetSignal(unix.SIGKILL)
	o.line("getsignal(SIGKILL)", cur)

	o.attempt("raise_signal(U1)", pysignal.RaiseSignal(u1))
	o.line("runs", log.take())
	must(sig(u2, hf))
	o.attempt("raise_signal(U2) failing", pysignal.RaiseSignal(u2))
	o.line("runs", log.take())
	must(sig(u1, pysignal.Ignore))
	o.attempt("raise_signal(U1) ignored", pysignal.RaiseSignal(u1))
	o.line("runs", log.take())

	must(sig(u1, h1))
	block(u1)
	must(pysignal.RaiseSignal(u1))
	unblock(u1)
	old, err = pysignal.Signal(u1, h2)
	must(err)
	o.line("pending then signal(U1, h2): old", old)
	o.line("runs", log.take())

	must(sig(u1, log.make("a")))
	must(sig(u2, log.make("b")))
	must(sig(alrm, log.make("c")))
	block(u1, u2, alrm)
	for _, s := range []unix.Signal{alrm, u2, u1} {
		must(pysignal.RaiseSignal(s))
	}
	pend, _ := pysignal.Sigpending()
	o.line("sigpending", pend)
	_, err = pysignal.PthreadSigmask(pysignal.SigUnblock, []unix.Signal{u1, u2, alrm})
	o.attempt("unblock three", err)
	o.line("runs", log.take())
	must(sig(u1, log.failing("f")))
	block(u1, u2, alrm)
	for _, s := range []unix.Signal{alrm, u2, u1} {
		must(pysignal.RaiseSignal(s))
	}
	_, err = pysignal.PthreadSigmask(pysignal.SigUnblock, []unix.Signal{u1, u2, alrm})
	o.attempt("unblock three, first fails", err)
	block()
	o.line("runs", log.take())

	old, _ = pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler)
	o.differs("old SIGINT handler", old, "importing pysignal leaves SIGINT to the Go runtime (design.md difference 6)")
	o.attempt("raise_signal(SIGINT)", pysignal.RaiseSignal(unix.SIGINT))

	o.attempt("siginterrupt(0, True)", pysignal.Siginterrupt(0, true))
	o.attempt("siginterrupt(65, True)", pysignal.Siginterrupt(65, true))
	o.attempt("siginterrupt(SIGKILL, True)", pysignal.Siginterrupt(unix.SIGKILL, true))
	o.attemptDiffers("siginterrupt(32, True)", pysignal.Siginterrupt(32, true), reservedReason)
	o.attempt("siginterrupt(U1, False)", pysignal.Siginterrupt(u1, false))
	o.attempt("siginterrupt(U1, True)", pysignal.Siginterrupt(u1, true))
}

// must stops the scenario on an error in its set-up.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// block blocks sigs on the main thread (with none: just a check, as
// CPython's pthread_sigmask(SIG_BLOCK, [])).
func block(sigs ...unix.Signal) {
	_, err := pysignal.PthreadSigmask(pysignal.SigBlock, sigs)
	must(err)
}

func unblock(sigs ...unix.Signal) {
	_, err := pysignal.PthreadSigmask(pysignal.SigUnblock, sigs)
	must(err)
}
