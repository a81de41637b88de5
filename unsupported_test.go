//go:build !linux || !cgo

package pysignal

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestUnsupported (run by make test with CGO_ENABLED=0): every stub that
// returns an error returns one wrapping errors.ErrUnsupported that names
// the function and what is missing; the table covers every such stub.
func TestUnsupported(t *testing.T) {
	var wk Wakeup
	calls := map[string]func() error{
		"CheckSignals":    CheckSignals,
		"Signal":          func() error { _, err := Signal(unix.SIGINT, DefaultIntHandler); return err },
		"GetSignal":       func() error { _, err := GetSignal(unix.SIGINT); return err },
		"SetWakeupFD":     func() error { _, err := SetWakeupFD(-1, true); return err },
		"Siginterrupt":    func() error { return Siginterrupt(unix.SIGINT, true) },
		"SetInterruptEx":  func() error { return SetInterruptEx(unix.SIGINT) },
		"SetInterrupt":    SetInterrupt,
		"RaiseSignal":     func() error { return RaiseSignal(unix.SIGINT) },
		"Release":         func() error { return Release(unix.SIGINT) },
		"PthreadKill":     func() error { return PthreadKill(1, unix.SIGINT) },
		"PidfdSendSignal": func() error { return PidfdSendSignal(3, unix.SIGINT, 0) },
		"Strsignal":       func() error { _, err := Strsignal(unix.SIGINT); return err },
		"Alarm":           func() error { _, err := Alarm(1); return err },
		"SignalByName":    func() error { _, err := SignalByName("SIGINT"); return err },
		"PthreadSigmask":  func() error { _, err := PthreadSigmask(0, nil); return err },
		"Sigpending":      func() error { _, err := Sigpending(); return err },
		"Sigwaitinfo":     func() error { _, err := Sigwaitinfo(nil); return err },
		"Sigtimedwait":    func() error { _, _, err := Sigtimedwait(nil, 0); return err },
		"Sigwait":         func() error { _, err := Sigwait(nil); return err },
		"Pause":           Pause,
		"Read":            func() error { _, err := Read(0, nil); return err },
		"Write":           func() error { _, err := Write(1, nil); return err },
		"Pread":           func() error { _, err := Pread(0, nil, 0); return err },
		"Pwrite":          func() error { _, err := Pwrite(1, nil, 0); return err },
		"Readv":           func() error { _, err := Readv(0, nil); return err },
		"Writev":          func() error { _, err := Writev(1, nil); return err },
		"Open":            func() error { _, err := Open("/", 0, 0); return err },
		"Openat":          func() error { _, err := Openat(0, "/", 0, 0); return err },
		"Close":           func() error { return Close(-1) },
		"Wait4":           func() error { _, err := Wait4(-1, nil, 0, nil); return err },
		"Flock":           func() error { return Flock(0, 0) },
		"FcntlFlock":      func() error { return FcntlFlock(0, 0, nil) },
		"Fsync":           func() error { return Fsync(0) },
		"Ftruncate":       func() error { return Ftruncate(0, 0) },
		"Accept":          func() error { _, _, err := Accept(0); return err },
		"Accept4":         func() error { _, _, err := Accept4(0, 0); return err },
		"Recvfrom":        func() error { _, _, err := Recvfrom(0, nil, 0); return err },
		"Sendto":          func() error { return Sendto(0, nil, 0, nil) },
		"Recvmsg":         func() error { _, _, _, _, err := Recvmsg(0, nil, nil, 0); return err },
		"Sendmsg":         func() error { return Sendmsg(0, nil, nil, nil, 0) },
		"Send":            func() error { _, err := Send(0, nil, 0); return err },
		"SendtoN":         func() error { _, err := SendtoN(0, nil, 0, nil); return err },
		"SendmsgN":        func() error { _, err := SendmsgN(0, nil, nil, nil, 0); return err },
		"Connect":         func() error { return Connect(0, nil) },
		"Poll":            func() error { _, err := Poll(nil, 0); return err },
		"Select":          func() error { _, err := Select(0, nil, nil, nil, 0); return err },
		"Sleep":           func() error { return Sleep(0) },
		"OpenWakeup":      func() error { _, err := OpenWakeup(); return err },
		"Wakeup.Close":    wk.Close,
		"Wakeup.Drain":    wk.Drain,
		"Wakeup.Read":     func() error { _, err := wk.Read(0, nil); return err },
		"Wakeup.Write":    func() error { _, err := wk.Write(1, nil); return err },
		"Wakeup.Wait":     func() error { _, err := wk.Wait(0, 0, 0); return err },
		"Wakeup.Accept":   func() error { _, _, err := wk.Accept(0); return err },
		"Wakeup.Sleep":    func() error { return wk.Sleep(0) },
	}
	for name, call := range linuxOnlyCalls {
		calls[name] = call
	}
	for name, call := range calls {
		err := call()
		var e *Error
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "pysignal needs Linux and cgo") ||
			!errors.As(err, &e) || e.Op != name {
			t.Errorf("%s: error %v; want an *Error for %s, naming what is missing, wrapping errors.ErrUnsupported", name, err, name)
		}
	}
	// Every stub returning an error is in the table.
	for _, name := range stubsReturningError(t) {
		if _, ok := calls[name]; !ok {
			t.Errorf("stub %s returns an error but TestUnsupported does not check it", name)
		}
	}
	if got := Main(func() int { return 7 }); got != 7 {
		t.Errorf("Main(fn) = %d; want fn's 7", got)
	}
	ran := false
	Call(func() { ran = true })
	if !ran {
		t.Error("Call(f) did not run f")
	}
}

// linuxOnlyCalls has the stubs of the Linux-only API, on Linux.
var linuxOnlyCalls map[string]func() error

// stubsReturningError lists the exported functions and methods of this
// build's stub files whose last result is an error.
func stubsReturningError(t *testing.T) []string {
	pkg, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, path := range pkg.GoFiles {
		if !strings.HasPrefix(path, "unsupported") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || fd.Type.Results == nil {
				continue
			}
			res := fd.Type.Results.List
			if id, ok := res[len(res)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
				continue
			}
			name := fd.Name.Name
			if fd.Recv != nil {
				name = "Wakeup." + name
			}
			names = append(names, name)
		}
	}
	return names
}
