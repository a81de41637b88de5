//go:build !linux || !cgo

package pysignal

// The package needs Linux (its system calls and signal numbering) and cgo
// (the C handler). Elsewhere it still compiles, with the same API, so that a
// program importing it builds everywhere; every function that returns an
// error returns one wrapping errors.ErrUnsupported, and the others return
// zero values. Main and Call run their function directly: there is no main
// thread to serve.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// errUnsupported says what is missing in this build.
var errUnsupported = fmt.Errorf("pysignal needs Linux and cgo (this program was built %s): %w",
	buildDescription(), errors.ErrUnsupported)

func buildDescription() string {
	if runtime.GOOS == "linux" {
		return "with cgo disabled (CGO_ENABLED=0)"
	}
	return "for " + runtime.GOOS + "/" + runtime.GOARCH
}

func unsupported(op string) error { return &Error{Op: op, Err: errUnsupported} }

// A Wakeup cannot be made in this build: OpenWakeup fails.
type Wakeup struct{ _ struct{} }

func CheckSignals() error    { return unsupported("CheckSignals") }
func MainThreadID() int      { return -1 }
func Main(fn func() int) int { return fn() }

// MainContext runs fn on the calling goroutine and exits with its result:
// there are no handlers to run and no main thread to serve.
func MainContext(fn func(ctx context.Context) error) { Exit(fn(context.Background())) }

// Exit ends the process as on Linux, except that KeyboardInterrupt exits
// with status 130 instead of dying by SIGINT.
func Exit(err error) {
	status, printed, _ := exitStatus(err)
	if printed {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(status)
}
func Call(f func())                                 { f() }
func InterruptOccurred() bool                       { return false }
func Deliveries(sig unix.Signal) uint64             { return 0 }
func Alarm(seconds uint) (previous uint, err error) { return 0, unsupported("Alarm") }
func ValidSignals() []unix.Signal                   { return nil }
func SignalName(sig unix.Signal) string             { return "" }

func Signal(sig unix.Signal, h Handler) (old Handler, err error) {
	return nil, unsupported("Signal")
}
func GetSignal(sig unix.Signal) (Handler, error) { return nil, unsupported("GetSignal") }
func SetWakeupFD(fd int, warnOnFullBuffer bool) (old int, err error) {
	return -1, unsupported("SetWakeupFD")
}
func Siginterrupt(sig unix.Signal, flag bool) error { return unsupported("Siginterrupt") }
func SetInterruptEx(sig unix.Signal) error          { return unsupported("SetInterruptEx") }
func SetInterrupt() error                           { return unsupported("SetInterrupt") }
func RaiseSignal(sig unix.Signal) error             { return unsupported("RaiseSignal") }
func Release(sig unix.Signal) error                 { return unsupported("Release") }
func PthreadKill(tid int, sig unix.Signal) error    { return unsupported("PthreadKill") }
func PidfdSendSignal(pidfd int, sig unix.Signal, flags int) error {
	return unsupported("PidfdSendSignal")
}
func Strsignal(sig unix.Signal) (string, error) { return "", unsupported("Strsignal") }
func SignalByName(name string) (unix.Signal, error) {
	return 0, unsupported("SignalByName")
}
func PthreadSigmask(how int, set []unix.Signal) (old []unix.Signal, err error) {
	return nil, unsupported("PthreadSigmask")
}
func Sigpending() ([]unix.Signal, error)             { return nil, unsupported("Sigpending") }
func Sigwaitinfo(set []unix.Signal) (SigInfo, error) { return SigInfo{}, unsupported("Sigwaitinfo") }
func Sigtimedwait(set []unix.Signal, timeout time.Duration) (info SigInfo, ok bool, err error) {
	return SigInfo{}, false, unsupported("Sigtimedwait")
}
func Sigwait(set []unix.Signal) (unix.Signal, error) { return 0, unsupported("Sigwait") }
func Pause() error                                   { return unsupported("Pause") }

func Read(fd int, p []byte) (n int, err error)  { return 0, unsupported("Read") }
func Write(fd int, p []byte) (n int, err error) { return 0, unsupported("Write") }
func Pread(fd int, p []byte, offset int64) (n int, err error) {
	return 0, unsupported("Pread")
}
func Pwrite(fd int, p []byte, offset int64) (n int, err error) {
	return 0, unsupported("Pwrite")
}
func Readv(fd int, iovs [][]byte) (n int, err error)  { return 0, unsupported("Readv") }
func Writev(fd int, iovs [][]byte) (n int, err error) { return 0, unsupported("Writev") }
func Open(path string, mode int, perm uint32) (fd int, err error) {
	return -1, unsupported("Open")
}
func Openat(dirfd int, path string, flags int, mode uint32) (fd int, err error) {
	return -1, unsupported("Openat")
}
func Close(fd int) error { return unsupported("Close") }
func Wait4(pid int, wstatus *unix.WaitStatus, options int, rusage *unix.Rusage) (wpid int, err error) {
	return 0, unsupported("Wait4")
}
func Flock(fd int, how int) error                            { return unsupported("Flock") }
func FcntlFlock(fd uintptr, cmd int, lk *unix.Flock_t) error { return unsupported("FcntlFlock") }
func Fsync(fd int) error                                     { return unsupported("Fsync") }
func Ftruncate(fd int, length int64) error                   { return unsupported("Ftruncate") }
func Accept(fd int) (nfd int, sa unix.Sockaddr, err error) {
	return -1, nil, unsupported("Accept")
}
func Accept4(fd int, flags int) (nfd int, sa unix.Sockaddr, err error) {
	return -1, nil, unsupported("Accept4")
}
func Recvfrom(fd int, p []byte, flags int) (n int, from unix.Sockaddr, err error) {
	return 0, nil, unsupported("Recvfrom")
}
func Sendto(fd int, p []byte, flags int, to unix.Sockaddr) error { return unsupported("Sendto") }
func Send(fd int, p []byte, flags int) (n int, err error)        { return 0, unsupported("Send") }
func SendtoN(fd int, p []byte, flags int, to unix.Sockaddr) (n int, err error) {
	return 0, unsupported("SendtoN")
}
func SendmsgN(fd int, p, oob []byte, to unix.Sockaddr, flags int) (n int, err error) {
	return 0, unsupported("SendmsgN")
}
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn int, recvflags int, from unix.Sockaddr, err error) {
	return 0, 0, 0, nil, unsupported("Recvmsg")
}
func Sendmsg(fd int, p, oob []byte, to unix.Sockaddr, flags int) error {
	return unsupported("Sendmsg")
}
func Connect(fd int, sa unix.Sockaddr) error { return unsupported("Connect") }
func Poll(fds []unix.PollFd, timeout time.Duration) (n int, err error) {
	return 0, unsupported("Poll")
}
func Select(nfd int, r, w, e *unix.FdSet, timeout time.Duration) (n int, err error) {
	return 0, unsupported("Select")
}
func Sleep(d time.Duration) error { return unsupported("Sleep") }

func OpenWakeup() (*Wakeup, error)                     { return nil, unsupported("OpenWakeup") }
func (wk *Wakeup) Close() error                        { return unsupported("Wakeup.Close") }
func (wk *Wakeup) Fd() int                             { return -1 }
func (wk *Wakeup) Signals() []unix.Signal              { return nil }
func (wk *Wakeup) Drain() error                        { return unsupported("Wakeup.Drain") }
func (wk *Wakeup) Read(fd int, p []byte) (int, error)  { return 0, unsupported("Wakeup.Read") }
func (wk *Wakeup) Write(fd int, p []byte) (int, error) { return 0, unsupported("Wakeup.Write") }
func (wk *Wakeup) Wait(fd int, events int16, timeout time.Duration) (revents int16, err error) {
	return 0, unsupported("Wakeup.Wait")
}
func (wk *Wakeup) Accept(fd int) (int, unix.Sockaddr, error) {
	return -1, nil, unsupported("Wakeup.Accept")
}
func (wk *Wakeup) Sleep(d time.Duration) error { return unsupported("Wakeup.Sleep") }
