//go:build linux && cgo

package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// raceAll explores every case and prints the map. With verbose, each
// exploration's own table follows.
func raceAll(peer, bound time.Duration, verbose bool) error {
	rows, err := exploreAll(raceCases, peer, bound, func(name string) {
		fmt.Fprintf(os.Stderr, "\r%-40s", "exploring "+name+"...")
	})
	fmt.Fprintf(os.Stderr, "\r%40s\r", "")
	if err != nil {
		return err
	}
	fmt.Printf("pysig race -all: %s landed at every trace point of each wrapper (sigtest.Explore),\n", pysignal.SignalName(unix.SIGUSR1))
	fmt.Printf("the call blocked on a peer that answers after %v; a handler later than %v is late.\n\n", peer, bound)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "wrapper\tnaive: points\tlate\tlate at\tworst delay\twakeup: points\tlate\tworst delay\t")
	var notes, details []string
	for _, r := range rows {
		line := fmt.Sprintf("%s\t%d\t%d\t%s\t%v\t", r.c.name, len(r.naive.Results), len(r.naive.Late()), lateAt(r.naive), r.naive.Worst().Round(time.Microsecond))
		details = append(details, fmt.Sprintf("%s, naive:\n%v", r.c.name, r.naive))
		if r.wakeup == nil {
			notes = append(notes, fmt.Sprintf("%s: no Wakeup variant: %s.", r.c.name, r.c.why))
			line += "—\t—\t—\t"
		} else {
			line += fmt.Sprintf("%d\t%d\t%v\t", len(r.wakeup.Results), len(r.wakeup.Late()), r.wakeup.Worst().Round(time.Microsecond))
			details = append(details, fmt.Sprintf("%s, through a Wakeup:\n%v", r.c.name, r.wakeup))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Printf("\n%s\n", strings.Join(notes, "\n"))
	if verbose {
		fmt.Println()
		fmt.Print(strings.Join(details, "\n"))
		fmt.Println()
	}
	return nil
}

// lateAt names the phases of the late points: "enter", "exit", ...
func lateAt(rep *sigtest.Report) string {
	var at []string
	for _, r := range rep.Late() {
		at = append(at, fmt.Sprintf("%d %s", r.Index, strings.TrimPrefix(r.Phase.String(), "syscall ")))
	}
	if at == nil {
		return "-"
	}
	return strings.Join(at, ", ")
}
