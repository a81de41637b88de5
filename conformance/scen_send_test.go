//go:build linux && cgo

package conformance

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"syscall"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

func init() { scenarios["send"] = send }

func send(o *out) {
	const reserved = "a raised SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP crashes a Go program, " +
		"SIGURG/SIGPROF are the runtime's own messages: refused (design.md difference 2)"
	log := &runLog{}
	must(sig(u1, log.make("h1")))
	must(sig(u2, log.failing("hf")))
	main := pysignal.MainThreadID()

	for _, s := range []int{0, -1, 65, 1000, math.MaxInt32, math.MinInt32, 1<<32 + 2, 1 << 31, math.MinInt32 - 1} {
		o.attempt(fmt.Sprintf("raise_signal(%d)", s), pysignal.RaiseSignal(unix.Signal(s)))
	}
	o.attempt("raise_signal(SIGUSR1)", pysignal.RaiseSignal(u1))
	o.line("runs", log.take())
	o.attempt("raise_signal(SIGUSR2) failing", pysignal.RaiseSignal(u2))
	o.line("runs", log.take())
	o.attemptDiffers("raise_signal(SIGURG)", pysignal.RaiseSignal(unix.SIGURG), reserved)

	for _, s := range []unix.Signal{0, -1, 65} {
		o.attempt(fmt.Sprintf("pthread_kill(main, %d)", s), pysignal.PthreadKill(main, s))
	}
	o.attempt("pthread_kill(main, 2**32+2)", pysignal.PthreadKill(main, 1<<32+2))
	o.attempt("pthread_kill(main, SIGUSR1)", pysignal.PthreadKill(main, u1))
	o.line("runs", log.take())
	o.attempt("pthread_kill(main, SIGUSR2) failing", pysignal.PthreadKill(main, u2))
	o.line("runs", log.take())
	o.attemptDiffers("pthread_kill(main, SIGURG)", pysignal.PthreadKill(main, unix.SIGURG), reserved)

	done := make(chan error)
	go func() { done <- pysignal.PthreadKill(main, u1) }()
	must(<-done)
	block()
	o.line("runs after a thread's pthread_kill", log.take())

	pidfd, err := unix.PidfdOpen(os.Getpid(), 0)
	must(err)
	o.attempt("pidfd_send_signal(self, 0)", pysignal.PidfdSendSignal(pidfd, 0, 0))
	o.attempt("pidfd_send_signal(self, 65)", pysignal.PidfdSendSignal(pidfd, 65, 0))
	o.attempt("pidfd_send_signal(self, -1)", pysignal.PidfdSendSignal(pidfd, -1, 0))
	o.attempt("pidfd_send_signal(self, 0, flags=-1)", pysignal.PidfdSendSignal(pidfd, 0, -1))
	o.attempt("pidfd_send_signal(self, 0, flags=1<<20)", pysignal.PidfdSendSignal(pidfd, 0, 1<<20))
	o.attempt("pidfd_send_signal(self, 2**32)", pysignal.PidfdSendSignal(pidfd, 1<<32, 0))
	o.attempt("pidfd_send_signal(2**32+pidfd, 0)", pysignal.PidfdSendSignal(1<<32+pidfd, 0, 0))
	o.attempt("pidfd_send_signal(self, 0, flags=2**31)", pysignal.PidfdSendSignal(pidfd, 0, 1<<31))
	unix.Close(pidfd)
	o.attempt("pidfd_send_signal(closed, 0)", pysignal.PidfdSendSignal(pidfd, 0, 0))

	cmd := exec.Command("sleep", "60")
	must(cmd.Start())
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	must(err)
	o.attempt("pidfd_send_signal(child, SIGTERM)", pysignal.PidfdSendSignal(fd, unix.SIGTERM, 0))
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		o.line("child killed by", int(ws.Signal()))
	} else {
		o.line("child killed by", "exit")
	}
}

// sig is Signal without the old handler.
func sig(s unix.Signal, h pysignal.Handler) error { _, err := pysignal.Signal(s, h); return err }
