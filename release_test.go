//go:build linux && cgo

package pysignal

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is struct sigaction as the rt_sigaction system call takes
// it on amd64 and arm64.
type kernelSigaction struct {
	Handler  uintptr
	Flags    uint64
	Restorer uintptr
	Mask     uint64
}

func rtSigaction(sig unix.Signal, act, old *kernelSigaction) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Issue 12, fault 5: Signal(sig, Ignore) then Release(sig) gives back
// exactly what was there, as the handler cycle does: os/signal.Notify
// registrations, SIG_DFL for the job-control signals the runtime leaves
// alone, and another library's handler with its flags and mask.
func TestReleaseAfterIgnoreRestoresEverything(t *testing.T) {
	for _, h := range []Handler{Ignore, newRecorder()} {
		t.Run("notify/"+fmtHandler(h), func(t *testing.T) {
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGUSR1)
			defer signal.Stop(ch)
			must(t, onMain(func() error {
				if _, err := Signal(usr1, h); err != nil {
					return err
				}
				return Release(usr1)
			}))
			must(t, unix.Kill(unix.Getpid(), usr1))
			select {
			case <-ch:
			case <-time.After(5 * time.Second):
				t.Fatal("the os/signal.Notify registration did not survive Signal + Release")
			}
		})
		t.Run("job-control/"+fmtHandler(h), func(t *testing.T) {
			for _, sig := range []unix.Signal{unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU} {
				before, _ := GetSignal(sig)
				if before != Default {
					t.Fatalf("%v starts as %v, want Default", sig, before)
				}
				must(t, onMain(func() error {
					if _, err := Signal(sig, h); err != nil {
						return err
					}
					return Release(sig)
				}))
				if after, err := GetSignal(sig); after != Default || err != nil {
					t.Errorf("%v after Signal(%v) + Release = %v, %v; want Default (SIG_DFL)", sig, fmtHandler(h), after, err)
					rtSigaction(sig, &kernelSigaction{}, nil) // SIG_DFL for the next tests
				}
			}
		})
		t.Run("foreign/"+fmtHandler(h), func(t *testing.T) {
			// "Another library's handler": the runtime's handler function with
			// a mask and flags of its own (SA_RESTART off), set behind the
			// package's back.
			var orig, foreign, after kernelSigaction
			must(t, rtSigaction(usr2, nil, &orig))
			foreign = orig
			foreign.Mask = 1 << (unix.SIGWINCH - 1)
			foreign.Flags &^= saRestart
			must(t, rtSigaction(usr2, &foreign, nil))
			t.Cleanup(func() { rtSigaction(usr2, &orig, nil) })
			must(t, onMain(func() error {
				if _, err := Signal(usr2, h); err != nil {
					return err
				}
				return Release(usr2)
			}))
			must(t, rtSigaction(usr2, nil, &after))
			// sa_restorer is the C library's return trampoline, not part of
			// the disposition (arm64 has none; qemu-user reports its own).
			after.Restorer = foreign.Restorer
			if after != foreign {
				t.Errorf("after Signal(%v) + Release: sigaction %+v, want the foreign one back %+v", fmtHandler(h), after, foreign)
			}
		})
	}
}

func fmtHandler(h Handler) string {
	if d, ok := h.(Disposition); ok {
		return d.String()
	}
	return "handler"
}

// The one state Release cannot give back (design.md, difference 11): the
// runtime had sig ignored when the package took it and no longer does,
// while the package's disposition is still installed. os/signal cannot
// reach it for the signals the model covers (TestSharingModel), so the test
// forges the saved record: Release must refuse with ErrRuntimeChanged and
// change nothing.
func TestReleaseRefusesAnUnknownRuntimeState(t *testing.T) {
	rec := newRecorder()
	own(t, usr2, rec)
	must(t, onMain(func() error { savedIgnored[usr2] = true; return nil }))
	err := onMain(func() error { return Release(usr2) })
	var e *Error
	if !errors.Is(err, ErrRuntimeChanged) || !errors.As(err, &e) || e.Op != "release" || e.Sig != usr2 {
		t.Errorf("Release = %v; want an *Error (release, SIGUSR2) wrapping ErrRuntimeChanged", err)
	}
	if h, err := GetSignal(usr2); h != rec || err != nil {
		t.Errorf("after the refusal GetSignal = %v, %v; want the handler, unchanged", h, err)
	}
	must(t, onMain(func() error { savedIgnored[usr2] = false; return nil }))
}
