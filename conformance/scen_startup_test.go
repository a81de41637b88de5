//go:build linux && cgo

package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["startup"] = startup }

// startupChildEnv names the child program the startup scenario starts (the
// test binary again): "signals" or "many-lines", both under MainContext.
const startupChildEnv = "PYSIGNAL_CONFORMANCE_STARTUP_CHILD"

func init() {
	switch os.Getenv(startupChildEnv) {
	case "signals": // startup.py's CHILD
		pysignal.MainContext(func(context.Context) error {
			term, _ := pysignal.GetSignal(unix.SIGTERM)
			chld, _ := pysignal.GetSignal(unix.SIGCHLD)
			fmt.Println(format(term), format(chld))
			// To this thread: the runtime's handler, were it installed,
			// would end the process before the call returns.
			if err := pysignal.RaiseSignal(unix.SIGTERM); err != nil {
				return err
			}
			fmt.Println("survived")
			return nil
		})
	case "many-lines": // startup.py's MANY
		pysignal.MainContext(func(context.Context) error {
			for i := range 100000 {
				if _, err := fmt.Println("line", i); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// startup runs under MainContext, whose start-up is CPython's: SIGINT gets
// default_int_handler, SIGPIPE and SIGXFSZ are ignored, inherited ignores
// stay. Its lines are printed by fn, before Exit(nil) ends the process.
func startup(o *out) {
	pysignal.MainContext(func(context.Context) error {
		pysignal.Call(func() { startupLines(o) })
		o.print()
		return nil
	})
}

func startupLines(o *out) {
	const runtime = "the Go runtime's own handler, not set through the package, reads " +
		"as None: CPython's reading of a foreign handler (design.md difference 4)"
	get := func(sig unix.Signal) any {
		h, err := pysignal.GetSignal(sig)
		if err != nil {
			return errClass(err)
		}
		return h
	}
	o.line("getsignal SIGINT", get(unix.SIGINT))
	o.line("getsignal SIGPIPE", get(unix.SIGPIPE))
	o.line("getsignal SIGXFSZ", get(unix.SIGXFSZ))
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

	term, _, survived, end := startedIgnored("sh", "-c", `trap '' TERM; exec "$@"`, "sh")
	o.line("started with SIGTERM ignored", fmt.Sprintf("getsignal %s, survived its own SIGTERM %s, %s", term, format(survived), end))
	_, chld, _, _ := startedIgnored("env", "--ignore-signal=CHLD")
	o.differs("started with SIGCHLD ignored, getsignal SIGCHLD", chld,
		"MainContext keeps every inherited SIG_IGN but SIGCHLD's: ignoring it makes the "+
			"kernel reap children, and os/exec's Wait would fail (design.md difference 6)")
	_, _, survived, end = startedIgnored()
	o.line("started with nothing ignored", fmt.Sprintf("survived its own SIGTERM %s, %s", format(survived), end))

	// prog | head -1: the write to the closed pipe is an error, not SIGPIPE.
	r, w, err := os.Pipe()
	must(err)
	prog := startupChild("many-lines")
	var stderr, first strings.Builder
	prog.Stdout, prog.Stderr = w, &stderr
	head := exec.Command("head", "-1")
	head.Stdin, head.Stdout = r, &first
	must(head.Start())
	must(prog.Start())
	r.Close()
	w.Close()
	head.Wait()
	prog.Wait()
	o.line("prog | head -1", fmt.Sprintf("%s, broken pipe reported %s, head got %s", ending(prog.ProcessState),
		format(strings.Contains(strings.ToLower(stderr.String()), "broken pipe")), strings.TrimSpace(first.String())))
}

// startupChild is the test binary as startup.py's child program.
func startupChild(which string, launcher ...string) *exec.Cmd {
	args := append(launcher, os.Args[0], "-test.run=^$")
	c := exec.Command(args[0], args[1:]...)
	c.Env = append(os.Environ(), startupChildEnv+"="+which,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return c
}

// startedIgnored is startup.py's started_ignored.
func startedIgnored(launcher ...string) (term, chld string, survived bool, end string) {
	c := startupChild("signals", launcher...)
	c.WaitDelay = 20 * time.Second
	b, _ := c.Output()
	words := append(strings.Fields(string(b)), "-", "-", "-")
	return words[0], words[1], words[2] == "survived", ending(c.ProcessState)
}

// ending is startup.py's ending(): "exit N" or "killed by N".
func ending(ps *os.ProcessState) string {
	if ps == nil {
		return "not run"
	}
	ws := ps.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return fmt.Sprintf("killed by %d", int(ws.Signal()))
	}
	return fmt.Sprintf("exit %d", ws.ExitStatus())
}

// orErr is v, or the error's class.
func orErr(v any, err error) any {
	if err != nil {
		return errClass(err)
	}
	return v
}
