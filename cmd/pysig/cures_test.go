//go:build linux && cgo

package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
)

// The table's claims: the naive loop is late exactly at its read's enter
// point, and no cure is late at any point of a signal sent to the main
// thread; a kill(2) of the process never fails to end the wakeup loop's
// wait. Every signal of the cost run is handled within a second, except
// that the naive loop may lose one to its window. (The other loops' kill
// column is not asserted: each misses a kill that lands before its wait
// blocks, which a busy machine makes likely.) A claim
// that fails is measured once more before the test fails: a window gives
// the same result every time, a busy machine does not.
func TestCuresTable(t *testing.T) {
	cfg := curesConfig{peer: 100 * time.Millisecond, bound: 40 * time.Millisecond, kills: 2, signals: 20}
	rows, err := runCures(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want naive and the three cures", len(rows))
	}
	for _, r := range rows {
		if cureClaim(r) == "" {
			continue
		}
		t.Logf("%s: %s; measuring it again", r.c.name, cureClaim(r))
		saved := cures
		cures = []cure{r.c}
		again, err := runCures(cfg)
		cures = saved
		if err != nil {
			t.Fatal(err)
		}
		if broken := cureClaim(again[0]); broken != "" {
			t.Errorf("%s, twice: %s\n%v", r.c.name, broken, again[0].rep)
		}
	}
}

// cureClaim says how r breaks the table's claim ("" if it does not).
func cureClaim(r cureRow) string {
	late := r.rep.Late()
	if r.c.name == "naive" {
		if len(late) != 1 || late[0].Phase != pysignal.PhaseEnter || late[0].Index != 0 {
			return fmt.Sprintf("late at %v, want point 0 (read's enter) only", late)
		}
	} else if len(late) != 0 {
		return fmt.Sprintf("late at %v, want none", late)
	}
	if r.c.name == "wakeup" && r.killLate != 0 {
		return fmt.Sprintf("%d of %d kills handled only after the wait, want none", r.killLate, r.killTrials)
	}
	measured := 0
	for _, rd := range r.cost {
		measured += len(rd)
	}
	// The naive loop may lose a signal of the cost run to its window.
	if (r.lost != 0 && r.c.name != "naive") || measured+r.lost != 20 {
		return fmt.Sprintf("cost run: %d lost, %d measured, want 0 and 20", r.lost, measured)
	}
	return ""
}
