//go:build linux && cgo

package main

import (
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
