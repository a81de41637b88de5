//go:build linux && cgo

package conformance

import (
	"errors"
	"fmt"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["nesting"] = nesting }

func nesting(o *out) {
	var runs []string
	var reports []string
	report := func(e *pysignal.UnraisableError) string {
		var errno unix.Errno
		if errors.As(e, &errno) {
			return unix.ErrnoName(errno)
		}
		if errors.Is(e, pysignal.ErrIgnoredSignal) {
			return "OSError"
		}
		return e.Error()
	}
	hook := func(e *pysignal.UnraisableError) { reports = append(reports, report(e)) }
	pysignal.SetUnraisableHook(hook)
	rec := func(name string, fail bool) pysignal.Handler {
		return pysignal.HandlerFunc(func(sig unix.Signal) error {
			runs = append(runs, fmt.Sprintf("%s:%d", name, int(sig)))
			if fail {
				return errHandler
			}
			return nil
		})
	}
	take := func() []string {
		r := runs
		runs = nil
		return r
	}
	check := func() error {
		_, err := pysignal.PthreadSigmask(pysignal.SigBlock, nil)
		return err
	}
	// pendingTogether raises sigs (in this order) while blocked, then
	// unblocks them together; the unblock's check runs their handlers.
	pendingTogether := func(sigs ...unix.Signal) error {
		block(sigs...)
		for _, s := range sigs {
			must(pysignal.RaiseSignal(s))
		}
		_, err := pysignal.PthreadSigmask(pysignal.SigUnblock, sigs)
		return err
	}
	nest := func(label string, inner func() error) {
		must(sig(u1, pysignal.HandlerFunc(func(unix.Signal) error {
			runs = append(runs, "a-start")
			o.attempt(label+": inner call", inner())
			runs = append(runs, "a-end")
			return nil
		})))
		must(sig(u2, rec("b", false)))
		o.attempt(label+": unblock", pendingTogether(u2, u1))
		must(check())
		o.line(label+": runs", take())
	}

	nest("pthread_sigmask inside", check)
	nest("signal(HUP) inside", func() error { return sig(unix.SIGHUP, pysignal.Ignore) })
	nest("raise_signal(0) inside", func() error { return pysignal.RaiseSignal(0) })

	must(sig(alrm, rec("c", false)))
	nest("raise_signal(ALRM) inside", func() error { return pysignal.RaiseSignal(alrm) })

	nest("signal(U2, SIG_IGN) inside", func() error { return sig(u2, pysignal.Ignore) })
	o.line("signal(U2, SIG_IGN) inside: reports", reports)
	reports = nil

	must(sig(unix.SIGHUP, pysignal.Default))
	must(sig(u1, pysignal.HandlerFunc(func(unix.Signal) error {
		runs = append(runs, "a-start")
		o.attempt("failing U2 pending: inner signal(HUP)", sig(unix.SIGHUP, pysignal.Ignore))
		runs = append(runs, "a-end")
		return nil
	})))
	must(sig(u2, rec("f", true)))
	o.attempt("failing U2 pending: unblock", pendingTogether(u2, u1))
	must(check())
	o.line("failing U2 pending: runs", take())
	h, _ := pysignal.GetSignal(unix.SIGHUP)
	o.line("failing U2 pending: getsignal(HUP)", h)

	must(sig(u1, rec("f", true)))
	must(sig(64, rec("r", false)))
	o.attempt("64 behind a failing U1: unblock", pendingTogether(64, u1))
	o.attempt("64 behind a failing U1: next check", check())
	o.line("64 behind a failing U1: runs", take())

	// The hook panics on its first report (a Go hook's way to fail).
	var hookCalls []string
	pysignal.SetUnraisableHook(func(e *pysignal.UnraisableError) {
		hookCalls = append(hookCalls, report(e))
		if len(hookCalls) == 1 {
			panic("hook fails")
		}
	})
	must(sig(u1, rec("a", false)))
	must(sig(u2, rec("b", false)))
	must(sig(alrm, rec("c", false)))
	var p [2]int
	must(unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	_, err := pysignal.SetWakeupFD(p[0], true) // the read end: every write fails with EBADF
	must(err)
	recovering(func() { _ = pendingTogether(u1, u2, alrm) })
	recovering(func() { _ = check() })
	pysignal.SetUnraisableHook(hook)
	_, err = pysignal.SetWakeupFD(-1, true)
	must(err)
	o.line("three failed wakeup writes, hook fails on the first: reports", hookCalls)
	o.line("three failed wakeup writes, hook fails on the first: runs", take())
}

// recovering runs f and stops a panic from it, as the Python side's
// try/except around a call whose unraisable hook raises.
func recovering(f func()) {
	defer func() { _ = recover() }()
	f()
}
