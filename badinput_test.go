//go:build linux && cgo

package pysignal

// Every exported function × invalid input: each returns a specific,
// documented error (errors.Is) and leaves the state unchanged (handlers,
// sigaction flags, the wakeup fd, the interval timer).

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// snapshot is the observable state a refused call must not change.
type snapshot struct {
	Handlers map[unix.Signal]string
	Flags    map[unix.Signal]int
	Wakeup   int32
	Timer    [2]time.Duration
}

func takeSnapshot() snapshot {
	s := snapshot{Handlers: map[unix.Signal]string{}, Flags: map[unix.Signal]int{}}
	for _, sig := range []unix.Signal{unix.SIGHUP, unix.SIGINT, usr1, usr2, alrm, unix.SIGPIPE, unix.SIGCHLD, unix.SIGKILL, unix.SIGSTOP, unix.SIGURG, unix.SIGPROF, unix.SIGSEGV, 34, 64} {
		h, err := GetSignal(sig)
		s.Handlers[sig] = fmt.Sprintf("%v %v", h, err)
		s.Flags[sig], _ = saFlags(sig)
	}
	s.Wakeup = cWakeupFDValue()
	s.Timer[0], s.Timer[1], _ = Getitimer(ItimerReal)
	s.Timer[0] = s.Timer[0].Truncate(time.Second)
	return s
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	invalid := []unix.Signal{0, -1, 65, nsig, 1000}
	reservedSigs := []unix.Signal{unix.SIGURG, unix.SIGPROF, unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, 32, 33}
	blockingR, _ := pipe(t, 0)
	var lim unix.Rlimit
	must(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))

	type tc struct {
		name string
		call func() error
		want error
	}
	var cases []tc
	sigOf := map[string]unix.Signal{} // the signal a case's *Error must name
	signalFuncs := map[string]func(unix.Signal) error{
		"Signal":          func(s unix.Signal) error { _, err := Signal(s, newRecorder()); return err },
		"GetSignal":       func(s unix.Signal) error { _, err := GetSignal(s); return err },
		"Siginterrupt":    func(s unix.Signal) error { return Siginterrupt(s, false) },
		"SetInterruptEx":  SetInterruptEx,
		"RaiseSignal":     RaiseSignal,
		"Release":         Release,
		"PthreadKill":     func(s unix.Signal) error { return PthreadKill(MainThreadID(), s) },
		"PidfdSendSignal": func(s unix.Signal) error { return PidfdSendSignal(-1, s, 0) },
		"Strsignal":       func(s unix.Signal) error { _, err := Strsignal(s); return err },
		"Sigwait":         func(s unix.Signal) error { _, err := Sigwait([]unix.Signal{s}); return err },
		"Sigwaitinfo":     func(s unix.Signal) error { _, err := Sigwaitinfo([]unix.Signal{s}); return err },
		"Sigtimedwait":    func(s unix.Signal) error { _, _, err := Sigtimedwait([]unix.Signal{s}, 0); return err },
		"PthreadSigmask":  func(s unix.Signal) error { _, err := PthreadSigmask(SigBlock, []unix.Signal{s}); return err },
	}
	// Functions that refuse the runtime's signals (GetSignal, Strsignal and
	// PidfdSendSignal accept them: reading, describing, or sending to another
	// process harms nothing here).
	refusesReserved := map[string]bool{"Signal": true, "Siginterrupt": true, "SetInterruptEx": true, "RaiseSignal": true,
		"Release": true, "PthreadKill": true, "Sigwait": true, "Sigwaitinfo": true, "Sigtimedwait": true, "PthreadSigmask": true}
	// Functions that, as CPython, hand any number to the kernel: 0 is the
	// "does it exist" probe and succeeds, the others give EINVAL.
	toKernel := map[string]bool{"RaiseSignal": true, "PthreadKill": true, "PidfdSendSignal": true}
	for name, f := range signalFuncs {
		for _, sig := range invalid {
			want := ErrInvalidSignal
			switch {
			case toKernel[name] && sig == 0 && name != "PidfdSendSignal":
				want = nil
			case name == "PidfdSendSignal":
				want = unix.EBADF // the pidfd -1 is checked first
			case toKernel[name]:
				want = unix.EINVAL
			}
			cases = append(cases, tc{fmt.Sprintf("%s(%d)", name, sig), func() error { return f(sig) }, want})
			sigOf[cases[len(cases)-1].name] = sig
		}
		if toKernel[name] {
			cases = append(cases, tc{fmt.Sprintf("%s(1<<32+SIGINT)", name), func() error { return f(1<<32 + unix.SIGINT) }, ErrOverflow})
			sigOf[cases[len(cases)-1].name] = 1<<32 + unix.SIGINT
		}
		if refusesReserved[name] {
			for _, sig := range reservedSigs {
				cases = append(cases, tc{fmt.Sprintf("%s(%v)", name, sig), func() error { return f(sig) }, ErrReservedSignal})
				sigOf[cases[len(cases)-1].name] = sig
			}
		}
	}
	if n := Deliveries(0) + Deliveries(65) + Deliveries(-1); n != 0 {
		t.Errorf("Deliveries of invalid numbers = %d", n)
	}
	if SignalName(0) != "" || SignalName(65) != "" {
		t.Error("SignalName of invalid numbers is not empty")
	}
	cases = append(cases,
		tc{"Signal(SIGKILL)", func() error { _, err := Signal(unix.SIGKILL, Ignore); return err }, unix.EINVAL},
		tc{"Signal(SIGSTOP)", func() error { _, err := Signal(unix.SIGSTOP, newRecorder()); return err }, unix.EINVAL},
		tc{"Signal(nil)", func() error { _, err := Signal(usr1, nil); return err }, ErrInvalidHandler},
		tc{"Signal(HandlerFunc(nil))", func() error { _, err := Signal(usr1, HandlerFunc(nil)); return err }, ErrInvalidHandler},
		tc{"Signal(Disposition(2))", func() error { _, err := Signal(usr1, Disposition(2)); return err }, ErrInvalidHandler},
		tc{"SetWakeupFD(blocking)", func() error { _, err := SetWakeupFD(blockingR, true); return err }, ErrBlockingFD},
		tc{"SetWakeupFD(closed)", func() error { _, err := SetWakeupFD(int(lim.Cur), true); return err }, unix.EBADF},
		tc{"SetWakeupFD(-2)", func() error { _, err := SetWakeupFD(-2, true); return err }, unix.EBADF},
		tc{"Sleep(-1ns)", func() error { return Sleep(-1) }, ErrNegativeTimeout},
		tc{"Sigtimedwait(-1s)", func() error { _, _, err := Sigtimedwait([]unix.Signal{usr1}, -time.Second); return err }, ErrNegativeTimeout},
		tc{"Sigwait(empty)", func() error { _, err := Sigwait(nil); return err }, ErrInvalidSignal},
		tc{"Sigwaitinfo(empty)", func() error { _, err := Sigwaitinfo([]unix.Signal{}); return err }, ErrInvalidSignal},
		tc{"Sigwait(oversized)", func() error { _, err := Sigwait(append(make([]unix.Signal, 100), 200)); return err }, ErrInvalidSignal},
		tc{"PthreadSigmask(how)", func() error { _, err := PthreadSigmask(99, nil); return err }, unix.EINVAL},
		tc{"Setitimer(which)", func() error { _, _, err := Setitimer(7, time.Second, 0); return err }, unix.EINVAL},
		tc{"Setitimer(-1s)", func() error { _, _, err := Setitimer(ItimerReal, -time.Second, 0); return err }, unix.EINVAL},
		tc{"Setitimer(interval -1s)", func() error { _, _, err := Setitimer(ItimerReal, time.Second, -time.Second); return err }, unix.EINVAL},
		tc{"Alarm(1<<32+1)", func() error { _, err := Alarm(1<<32 + 1); return err }, ErrOverflow},
		tc{"Getitimer(which)", func() error { _, _, err := Getitimer(-1); return err }, unix.EINVAL},
		tc{"PthreadKill(1<<32+main)", func() error { return PthreadKill(1<<32+MainThreadID(), usr1) }, ErrOverflow},
		tc{"PidfdSendSignal(1<<32)", func() error { return PidfdSendSignal(1<<32, 0, 0) }, ErrOverflow},
		tc{"PidfdSendSignal(flags 1<<32)", func() error { return PidfdSendSignal(-1, 0, 1<<32) }, ErrOverflow},
		tc{"SignalByName(\"\")", func() error { _, err := SignalByName(""); return err }, ErrInvalidSignal},
		tc{"SignalByName(INT)", func() error { _, err := SignalByName("INT"); return err }, ErrInvalidSignal},
	)
	before := takeSnapshot()
	tried := 0
	for _, c := range cases {
		err := onMain(func() error { return c.call() })
		tried++
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		// Every refusal is an *Error naming the operation (and the signal).
		var e *Error
		switch {
		case c.want == nil:
		case !errors.As(err, &e) || e.Op == "":
			t.Errorf("%s: %v (%T), want an *Error naming the operation", c.name, err, err)
		case sigOf[c.name] != 0 && e.Sig != sigOf[c.name]:
			t.Errorf("%s: %v names signal %d, want %d", c.name, err, int(e.Sig), int(sigOf[c.name]))
		}
	}
	if diff := cmp.Diff(before, takeSnapshot()); diff != "" {
		t.Errorf("refused calls changed the state (-before +after):\n%s", diff)
	}

	// Off the main thread.
	offMain := []tc{
		{"Signal", func() error { _, err := Signal(usr1, Ignore); return err }, ErrNotMainThread},
		{"SetWakeupFD", func() error { _, err := SetWakeupFD(-1, true); return err }, ErrNotMainThread},
		{"OpenWakeup", func() error { _, err := OpenWakeup(); return err }, ErrNotMainThread},
		{"PthreadSigmask", func() error { _, err := PthreadSigmask(SigBlock, nil); return err }, ErrNotMainThread},
		{"Release", func() error { return Release(usr1) }, ErrNotMainThread},
	}
	for _, c := range offMain {
		tried++
		var e *Error
		if err := c.call(); !errors.Is(err, c.want) || !errors.As(err, &e) {
			t.Errorf("%s off the main thread: %v, want an *Error wrapping ErrNotMainThread", c.name, err)
		}
	}
	var wk *Wakeup
	must(t, onMain(func() (err error) { wk, err = OpenWakeup(); return err }))
	if _, err := wk.Wait(-1, 0, 0); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("Wakeup.Wait off the main thread: %v", err)
	}
	if err := wk.Close(); !errors.Is(err, ErrNotMainThread) {
		t.Errorf("Wakeup.Close off the main thread: %v", err)
	}
	must(t, onMain(wk.Close))
	if err := onMain(wk.Close); !errors.Is(err, ErrWakeupClosed) {
		t.Errorf("second Close: %v", err)
	}
	if err := onMain(func() error { return wk.Sleep(-1) }); !errors.Is(err, ErrWakeupClosed) && !errors.Is(err, ErrNegativeTimeout) {
		t.Errorf("Sleep(-1) on a closed Wakeup: %v", err)
	}

	// Misuse of Wakeups and of the fds around them (issue 12): a closed
	// Wakeup, fds out of range, a pipe closed behind a Wakeup's back, a
	// wakeup fd to put back that was closed and its number reused.
	_, nbW := pipe(t, unix.O_NONBLOCK)
	var set unix.FdSet
	broken := func(end string) func() error {
		return func() error {
			b, err := OpenWakeup()
			if err != nil {
				return err
			}
			defer b.Close()
			if end == "read" {
				unix.Close(b.r)
			} else {
				unix.Close(b.w)
			}
			_, err = b.Wait(-1, 0, time.Second)
			return err
		}
	}
	misuse := []tc{
		{"SetWakeupFD(1<<32 + fd)", func() error { _, err := SetWakeupFD(1<<32+nbW, true); return err }, ErrOverflow}, // CPython: OverflowError
		{"Select(nfd FD_SETSIZE+1)", func() error { _, err := Select(unix.FD_SETSIZE+1, &set, nil, nil, 0); return err }, unix.EINVAL},
		{"Select(nfd -1)", func() error { _, err := Select(-1, &set, nil, nil, 0); return err }, unix.EINVAL},
		{"closed Wakeup.Wait", func() error { _, err := wk.Wait(-1, 0, 0); return err }, ErrWakeupClosed},
		{"closed Wakeup.Read", func() error { _, err := wk.Read(nbW, nil); return err }, ErrWakeupClosed},
		{"closed Wakeup.Write", func() error { _, err := wk.Write(nbW, nil); return err }, ErrWakeupClosed},
		{"closed Wakeup.Accept", func() error { _, _, err := wk.Accept(nbW); return err }, ErrWakeupClosed},
		{"closed Wakeup.Drain", wk.Drain, ErrWakeupClosed},
		{"closed Wakeup.Sleep", func() error { return wk.Sleep(time.Second) }, ErrWakeupClosed},
		{"Wakeup.Wait(fd -2)", func() error {
			b, err := OpenWakeup()
			if err != nil {
				return err
			}
			defer b.Close()
			_, err = b.Wait(-2, unix.POLLIN, time.Second)
			return err
		}, unix.EBADF},
		{"Wakeup.Wait(fd 1<<32)", func() error {
			b, err := OpenWakeup()
			if err != nil {
				return err
			}
			defer b.Close()
			_, err = b.Wait(1<<32, unix.POLLIN, time.Second)
			return err
		}, unix.EBADF},
		{"Wakeup.Wait, read end closed behind its back", broken("read"), ErrWakeupBroken},
		{"Wakeup.Wait, write end closed behind its back", broken("write"), ErrWakeupBroken},
		{"Wakeup.Close, the fd to put back closed and reused", func() error {
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
				return err
			}
			if _, err := SetWakeupFD(p[1], true); err != nil {
				return err
			}
			b, err := OpenWakeup()
			if err != nil {
				return err
			}
			unix.Close(p[0])
			unix.Close(p[1])
			var q [2]int // takes the numbers just freed
			if err := unix.Pipe2(q[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
				return err
			}
			defer unix.Close(q[0])
			defer unix.Close(q[1])
			return b.Close()
		}, ErrWakeupFDReplaced},
	}
	for _, c := range misuse {
		tried++
		var e *Error
		if err := onMain(c.call); !errors.Is(err, c.want) || !errors.As(err, &e) {
			t.Errorf("%s: %v (%T), want an *Error wrapping %v", c.name, err, err, c.want)
		}
	}
	if diff := cmp.Diff(before, takeSnapshot()); diff != "" {
		t.Errorf("refused calls changed the state (-before +after):\n%s", diff)
	}
	t.Logf("%d invalid inputs tried", tried+4)
}

// An fd, pid or id beyond a C int is refused with ErrOverflow by every
// wrapper, before any call: x/sys/unix would let the kernel truncate it to
// another fd (CPython: OverflowError). Each one here truncates to a live fd
// whose state is checked afterwards.
func TestWrappersRefuseTruncatedNumbers(t *testing.T) {
	r, w := pipe(t, unix.O_NONBLOCK)
	if _, err := unix.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	big := func(fd int) int { return 1<<32 + fd }
	buf := make([]byte, 1)
	var ws unix.WaitStatus
	calls := map[string]func() error{
		"Read":       func() error { _, err := Read(big(r), buf); return err },
		"Write":      func() error { _, err := Write(big(w), buf); return err },
		"Pread":      func() error { _, err := Pread(big(r), buf, 0); return err },
		"Pwrite":     func() error { _, err := Pwrite(big(w), buf, 0); return err },
		"Readv":      func() error { _, err := Readv(big(r), [][]byte{buf}); return err },
		"Writev":     func() error { _, err := Writev(big(w), [][]byte{buf}); return err },
		"Openat":     func() error { _, err := Openat(big(unix.AT_FDCWD&0xffffffff), ".", unix.O_RDONLY, 0); return err },
		"Close":      func() error { return Close(big(w)) },
		"Wait4":      func() error { _, err := Wait4(big(0), &ws, unix.WNOHANG, nil); return err },
		"Waitid":     func() error { _, err := Waitid(unix.P_PID, big(0), unix.WNOHANG|unix.WEXITED, nil); return err },
		"Flock":      func() error { return Flock(big(r), unix.LOCK_SH) },
		"FcntlFlock": func() error { return FcntlFlock(uintptr(big(r)), unix.F_GETLK, &unix.Flock_t{}) },
		"Fsync":      func() error { return Fsync(big(w)) },
		"Ftruncate":  func() error { return Ftruncate(big(w), 0) },
		"Accept":     func() error { _, _, err := Accept(big(r)); return err },
		"Accept4":    func() error { _, _, err := Accept4(big(r), 0); return err },
		"Recvfrom":   func() error { _, _, err := Recvfrom(big(r), buf, 0); return err },
		"Sendto":     func() error { return Sendto(big(w), buf, 0, nil) },
		"Recvmsg":    func() error { _, _, _, _, err := Recvmsg(big(r), buf, nil, 0); return err },
		"Sendmsg":    func() error { return Sendmsg(big(w), buf, nil, nil, 0) },
		"Send":       func() error { _, err := Send(big(w), buf, 0); return err },
		"SendtoN":    func() error { _, err := SendtoN(big(w), buf, 0, nil); return err },
		"SendmsgN":   func() error { _, err := SendmsgN(big(w), buf, nil, nil, 0); return err },
		"Connect":    func() error { return Connect(big(w), &unix.SockaddrUnix{Name: "@x"}) },
		"EpollWait":  func() error { _, err := EpollWait(big(r), make([]unix.EpollEvent, 1), 0); return err },
		// A flag word beyond 32 bits would lose its high bits silently.
		"Recvfrom(flags)": func() error { _, _, err := Recvfrom(r, buf, 1<<32|unix.MSG_DONTWAIT); return err },
		"Wait4(options)":  func() error { _, err := Wait4(-1, &ws, 1<<32|unix.WNOHANG, nil); return err },
		"Open(mode)":      func() error { _, err := Open("/dev/null", 1<<32|unix.O_RDONLY, 0); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrOverflow) {
			t.Errorf("%s(1<<32+fd): %v, want ErrOverflow", name, err)
		}
	}
	// The check costs no allocation on the way through.
	if a := testing.AllocsPerRun(100, func() { Read(r, nil) }); a != 0 {
		t.Errorf("Read allocates %v times per call", a)
	}
	// The byte is still there, and w still open: nothing reached them.
	if n, err := unix.Read(r, buf); n != 1 || err != nil {
		t.Errorf("the pipe lost its byte or its fd: %d, %v", n, err)
	}
	if _, err := unix.Write(w, buf); err != nil {
		t.Errorf("the write end was closed: %v", err)
	}
}
