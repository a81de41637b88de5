//go:build linux && cgo

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// The map's claim: every naive wrapper is late exactly at its call's enter
// point, and no point is late through a Wakeup. The peer answers after
// 100 ms; a handler may take 40 ms and still be prompt. A case that breaks
// the claim is explored once more before it fails: a window gives the same
// result every time, while a machine too busy to run the main thread for
// 40 ms does not.
func TestRaceAllMap(t *testing.T) {
	const peer, bound = 100 * time.Millisecond, 40 * time.Millisecond
	rows, err := exploreAll(raceCases, peer, bound, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(raceCases) || len(raceCases) != 17 {
		t.Fatalf("%d rows for %d cases; want the 17 wrappers of issue 14", len(rows), len(raceCases))
	}
	wakeups := 0
	for _, r := range rows {
		if r.wakeup != nil {
			wakeups++
		} else if r.c.why == "" {
			t.Errorf("%s: no Wakeup variant and no reason given", r.c.name)
		}
		if mapClaim(r) == "" {
			continue
		}
		t.Logf("%s: %s; exploring it again", r.c.name, mapClaim(r))
		again, err := exploreAll([]raceCase{r.c}, peer, bound, nil)
		if err != nil {
			t.Fatal(err)
		}
		if broken := mapClaim(again[0]); broken != "" {
			t.Errorf("%s, twice: %s\nnaive:\n%v\nthrough a Wakeup:\n%v", r.c.name, broken, again[0].naive, again[0].wakeup)
		}
	}
	if wakeups != 11 {
		t.Errorf("%d wrappers explored through a Wakeup, want 11", wakeups)
	}
}

// mapClaim says how r breaks the map's claim ("" if it does not).
func mapClaim(r raceRow) string {
	if late := r.naive.Late(); len(late) != 1 || late[0].Phase != pysignal.PhaseEnter || late[0].Index != 0 {
		return fmt.Sprintf("naive: late at %v, want point 0 (the call's enter) only", late)
	}
	if r.wakeup != nil && (len(r.wakeup.Late()) != 0 || len(r.wakeup.Results) == 0) {
		return fmt.Sprintf("through a Wakeup: late at %v of %d points, want none late", r.wakeup.Late(), len(r.wakeup.Results))
	}
	return ""
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
