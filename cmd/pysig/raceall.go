//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// pysig race -all: the map of every wrapper's race window. Each wrapper
// blocks on a peer that answers late; sigtest.Explore lands SIGUSR1 at each
// of its trace points, once naive and once through a Wakeup where one
// applies. The cases are in racecases.go, the peers they block on in
// racepeers.go, the printed map in raceallreport.go.

// raceAllCmd checks race's flags for -all: the sampling flags do not apply;
// -peer defaults to 50 ms there, five times the default bound.
func raceAllCmd(fs *flag.FlagSet, peer, bound time.Duration, verbose bool) int {
	set, bad := setFlags(fs, "all", "peer", "bound", "v")
	if len(bad) > 0 {
		return usageError(fs, "%s: only for the sampling run (with -all: -peer, -bound, -v)", strings.Join(bad, ", "))
	}
	if !set["peer"] {
		peer = 50 * time.Millisecond
	}
	if peer <= 0 || bound <= 0 || peer <= bound {
		return usageError(fs, "-all: -peer (%v) and -bound (%v) must be positive, -peer longer than -bound (or no point can be late)", peer, bound)
	}
	if err := raceAll(peer, bound, verbose); err != nil {
		fmt.Fprintln(os.Stderr, "pysig race -all:", err)
		return 1
	}
	return 0
}

// A raceRow is one wrapper's line of the map; wakeup is nil where no Wakeup
// variant applies.
type raceRow struct {
	c             raceCase
	naive, wakeup *sigtest.Report
}

// exploreAll explores each case, naive and through a Wakeup; progress, if
// not nil, hears each case's name first.
func exploreAll(cases []raceCase, peer, bound time.Duration, progress func(string)) ([]raceRow, error) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return nil, fmt.Errorf("wait4's child needs sleep(1): %w", err)
	}
	dir, err := os.MkdirTemp("", "pysig-race-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	e := &raceEnv{peer: peer, dir: dir, sleep: sleep}
	opts := sigtest.Options{Signal: unix.SIGUSR1, Bound: bound}
	var rows []raceRow
	for _, c := range cases {
		if progress != nil {
			progress(c.name)
		}
		row := raceRow{c: c}
		if row.naive, err = sigtest.Explore(func() error { return c.naive(e) }, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if c.wakeup != nil {
			if row.wakeup, err = sigtest.Explore(func() error { return withWakeup(e, c.wakeup) }, opts); err != nil {
				return nil, fmt.Errorf("%s through a Wakeup: %w", c.name, err)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}
