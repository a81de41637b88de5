//go:build linux && cgo

package pysignal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// protectedSection makes a few wrapped calls and a check, noting every
// error that comes out of them (inside a Protect there must be none).
func protectedSection(t *testing.T, r, w int, inside *[]error) func() error {
	return func() error {
		note := func(err error) {
			if err != nil {
				*inside = append(*inside, err)
			}
		}
		_, err := Write(w, []byte("x"))
		note(err)
		_, err = Read(r, make([]byte, 1))
		note(err)
		note(Sleep(time.Microsecond))
		note(CheckSignals())
		return nil
	}
}

// A KeyboardInterrupt landed at every point of a protected section (each
// step the trace hook reports, in turn) never comes out inside it and
// always comes out once after it, from Protect.
func TestProtectHoldsAnInterruptAtEveryPoint(t *testing.T) {
	own(t, unix.SIGUSR1, DefaultIntHandler)
	r, w := pipe(t, 0)
	var points int
	restore := SetTraceHook(func(TraceEvent) { points++ })
	must(t, onMain(func() error { return Protect(protectedSection(t, r, w, new([]error))) }))
	restore()
	if points < 6 {
		t.Fatalf("the section reported %d points; want at least 6", points)
	}
	for k := range points {
		var inside []error
		i := 0
		restore := SetTraceHook(func(TraceEvent) {
			if i == k {
				unix.Tgkill(unix.Getpid(), MainThreadID(), unix.SIGUSR1)
			}
			i++
		})
		var got, after error
		onMain(func() error {
			got = Protect(protectedSection(t, r, w, &inside))
			after = CheckSignals()
			return nil
		})
		restore()
		if len(inside) != 0 || !errors.Is(got, ErrKeyboardInterrupt) || after != nil {
			t.Errorf("signal at point %d: inside %v, Protect returned %v, the check after %v; want nothing inside, KeyboardInterrupt from Protect, nothing after", k, inside, got, after)
		}
	}
}

// Nested, only the outermost Protect returns what was held; fn's own error
// comes first, joined with it.
func TestProtectNestsAndJoins(t *testing.T) {
	own(t, unix.SIGUSR1, DefaultIntHandler)
	own(t, unix.SIGUSR2, HandlerFunc(func(unix.Signal) error { return errTimeout }))
	mine := errors.New("mine")
	var inner, outer error
	must(t, onMain(func() error {
		outer = Protect(func() error {
			inner = Protect(func() error {
				RaiseSignal(unix.SIGUSR2)
				return nil
			})
			return mine
		})
		return nil
	}))
	if inner != nil || !errors.Is(outer, mine) || !errors.Is(outer, errTimeout) || outer.Error() != "mine\nTimeout" {
		t.Errorf("inner %v, outer %q; want nil, then mine joined with Timeout", inner, outer)
	}
}

// A panic in a protected fn does not lose what was held: the next check
// outside returns it.
func TestProtectPanicReraisesWhatWasHeld(t *testing.T) {
	own(t, unix.SIGUSR1, DefaultIntHandler)
	var recovered any
	var after, again error
	must(t, onMain(func() error {
		func() {
			defer func() { recovered = recover() }()
			Protect(func() error {
				RaiseSignal(unix.SIGUSR1)
				panic("boom")
			})
		}()
		after = CheckSignals()
		again = CheckSignals()
		return nil
	}))
	if recovered != "boom" || !errors.Is(after, ErrKeyboardInterrupt) || again != nil {
		t.Errorf("recovered %v, the check after %v, then %v; want boom, KeyboardInterrupt once", recovered, after, again)
	}
}

func init() {
	// Under MainContext, fn's goroutine protects a Sleep: Ctrl-C during it
	// does not cut it short; Protect returns KeyboardInterrupt after it, and
	// the program then dies by it.
	mainThreadChildren["mc-protect"] = mc2(func(ctx context.Context) error {
		go readyWhenFnBlocksIn("hrtimer_nanosleep")
		err := Protect(func() error {
			// Long enough for the parent to see it blocked and send
			// SIGINT on a loaded machine (300 ms was not, once).
			if err := Sleep(2 * time.Second); err != nil {
				return fmt.Errorf("inside: %w", err)
			}
			fmt.Println("slept")
			return nil
		})
		fmt.Println("protect:", err)
		return err
	})
}

func TestProtectUnderMainContext(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=mc-protect"), func(line string, p *os.Process, stdin *os.File) error {
		said = append(said, line)
		return sigintWhenReady(line, p, stdin)
	})
	if got.String() != "killed by signal 2" || strings.Join(said, "|") != "ready|slept|protect: KeyboardInterrupt" || got.stderr != "KeyboardInterrupt\n" {
		t.Errorf("child said %q, ended with %v, stderr %q; want ready, slept, protect: KeyboardInterrupt, then killed by signal 2", said, got, got.stderr)
	}
}
