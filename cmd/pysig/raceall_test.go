//go:build linux && cgo

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// The map's claim: every naive wrapper is late exactly at its call's enter
// point, and no point is late through a Wakeup. The peer answers after
// 100 ms; a handler may take 40 ms (a busy machine's scheduling) and still
// be prompt.
func TestRaceAllMap(t *testing.T) {
	rows, err := exploreAll(100*time.Millisecond, 40*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(raceCases) || len(raceCases) != 17 {
		t.Fatalf("%d rows for %d cases; want the 17 wrappers of issue 14", len(rows), len(raceCases))
	}
	wakeups := 0
	for _, r := range rows {
		late := r.naive.Late()
		if len(late) != 1 || late[0].Phase != pysignal.PhaseEnter || late[0].Index != 0 {
			t.Errorf("%s, naive: late at %v; want point 0, the call's enter, only\n%v", r.c.name, late, r.naive)
		}
		if r.wakeup == nil {
			if r.c.why == "" {
				t.Errorf("%s: no Wakeup variant and no reason given", r.c.name)
			}
			continue
		}
		wakeups++
		if late := r.wakeup.Late(); len(late) != 0 || len(r.wakeup.Results) == 0 {
			t.Errorf("%s through a Wakeup: late at %v of %d points; want none late\n%v", r.c.name, late, len(r.wakeup.Results), r.wakeup)
		}
	}
	if wakeups != 11 {
		t.Errorf("%d wrappers explored through a Wakeup, want 11", wakeups)
	}
}

// race -all refuses the sampling run's flags and bounds that cannot show a
// late point, with exit status 2, before any work.
func TestRaceAllUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"race", "-all", "-n", "3"}, "-n: only for the sampling run"},
		{[]string{"race", "-all", "-inject", "enter", "-csv", "x.csv"}, "-csv, -inject: only for the sampling run"},
		{[]string{"race", "-all", "-peer", "5ms"}, "-peer longer than -bound"},
		{[]string{"race", "-all", "-bound", "0s"}, "must be positive"},
		{[]string{"race", "-all", "extra"}, `unexpected argument "extra"`},
	} {
		cmd := exec.Command(os.Args[0], c.args...)
		cmd.Env = append(os.Environ(), "PYSIG_AS_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("pysig %s: %v, stderr %q; want exit status 2 and %q", strings.Join(c.args, " "), err, stderr.String(), c.err)
		}
	}
}
