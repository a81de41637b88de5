//go:build linux && cgo

package conformance

import (
	"errors"
	"fmt"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["interrupt"] = interrupt }

func interrupt(o *out) {
	var reports []string
	pysignal.SetUnraisableHook(func(e *pysignal.UnraisableError) {
		if errors.Is(e, pysignal.ErrIgnoredSignal) {
			reports = append(reports, "OSError")
		} else {
			reports = append(reports, e.Error())
		}
	})
	log := &runLog{}
	interruptThenCheck := func(s unix.Signal) error {
		if err := pysignal.SetInterruptEx(s); err != nil {
			return err
		}
		_, err := pysignal.PthreadSigmask(pysignal.SigBlock, nil)
		return err
	}
	must(sig(unix.SIGINT, pysignal.DefaultIntHandler))
	o.attempt("interrupt_main() with default_int_handler", func() error {
		if err := pysignal.SetInterrupt(); err != nil {
			return err
		}
		_, err := pysignal.PthreadSigmask(pysignal.SigBlock, nil)
		return err
	}())
	must(sig(u1, log.make("h1")))
	o.attempt("interrupt_main(SIGUSR1) with a handler", interruptThenCheck(u1))
	o.line("runs", log.take())
	must(sig(u1, log.failing("hf")))
	o.attempt("interrupt_main(SIGUSR1) failing", interruptThenCheck(u1))
	o.line("runs", log.take())
	must(sig(u1, pysignal.Ignore))
	o.attempt("interrupt_main(SIGUSR1) SIG_IGN", interruptThenCheck(u1))
	must(sig(u1, pysignal.Default))
	o.attempt("interrupt_main(SIGUSR1) SIG_DFL", interruptThenCheck(u1))
	o.attempt("interrupt_main(SIGUSR2) never set", interruptThenCheck(u2))
	o.attempt("interrupt_main(SIGKILL)", interruptThenCheck(unix.SIGKILL))
	o.line("reports", reports)
	for _, s := range []unix.Signal{0, -1, 65} {
		o.attempt(fmt.Sprintf("interrupt_main(%d)", s), interruptThenCheck(s))
	}
	o.attempt("interrupt_main(2**32+2)", interruptThenCheck(1<<32+2))
	o.attemptDiffers("interrupt_main(32)", interruptThenCheck(32),
		"glibc's 32 is reserved (design.md difference 2); CPython trips it and reports it ignored")
	o.differs("reports", reports, "CPython reports the tripped 32 as ignored; pysignal refused it (design.md difference 2)")
}
