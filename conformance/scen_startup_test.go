//go:build linux && cgo

package conformance

import (
	"fmt"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["startup"] = startup }

func startup(o *out) {
	const imp = "importing pysignal changes nothing; CPython installs " +
		"default_int_handler and ignores SIGPIPE/SIGXFSZ at start-up (design.md difference 6)"
	const runtime = "the Go runtime's own handler, not set through the package, reads " +
		"as None: CPython's reading of a foreign handler (design.md difference 4)"
	get := func(sig unix.Signal) any {
		h, err := pysignal.GetSignal(sig)
		if err != nil {
			return errClass(err)
		}
		return h
	}
	o.differs("getsignal SIGINT", get(unix.SIGINT), imp)
	o.differs("getsignal SIGPIPE", get(unix.SIGPIPE), imp)
	o.differs("getsignal SIGXFSZ", get(unix.SIGXFSZ), imp)
	for _, s := range []unix.Signal{unix.SIGUSR1, unix.SIGTERM, unix.SIGHUP, unix.SIGALRM, unix.SIGCHLD} {
		o.differs(fmt.Sprintf("getsignal %d", s), get(s), runtime)
	}
	o.line("getsignal SIGKILL", get(unix.SIGKILL))
	o.line("getsignal SIGSTOP", get(unix.SIGSTOP))
	o.line("getsignal 32", get(32))
	o.line("getsignal 34", get(34))
	pend, err := pysignal.Sigpending()
	o.line("sigpending", orErr(pend, err))
	old, err := pysignal.PthreadSigmask(pysignal.SigBlock, nil)
	o.line("mask", orErr(old, err))
}

// orErr is v, or the error's class.
func orErr(v any, err error) any {
	if err != nil {
		return errClass(err)
	}
	return v
}
