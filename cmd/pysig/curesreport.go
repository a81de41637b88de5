//go:build linux && cgo

package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pysignal/pysignal"
)

// quantile of sorted durations.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

func printCures(cfg curesConfig, rows []cureRow) {
	fmt.Printf("pysig race -cures: the race window and its three cures, each waiting for a pipe's byte that the\n")
	fmt.Printf("peer writes after %v; a handler later than %v is late.\n\n", cfg.peer, cfg.bound)
	fmt.Printf("windows: %s sent to the main thread at each trace point (sigtest.Explore), and kill(2) of the\n", pysignal.SignalName(cureSig))
	fmt.Printf("process 5ms into the wait (%d trials: the kernel may hand it to any thread that does not block it;\n", cfg.kills)
	fmt.Printf("missed: the handler ran only after the peer's write, the signal did not end the wait)\n\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "loop\thow\tpoints\tlate\tlate at\tworst delay\tkill: missed\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%v\t%d of %d\t\n", r.c.name, r.c.desc, len(r.rep.Results), len(r.rep.Late()),
			lateAt(r.rep), r.rep.Worst().Round(time.Microsecond), r.killLate, r.killTrials)
	}
	tw.Flush()
	fmt.Printf("\ncost per signal: %d signals sent with tgkill to the main thread while it waits in each loop,\n", cfg.signals)
	fmt.Printf("delay from the send to the Go handler, in %d rounds that run every loop back to back; lost: not run\n", costRounds)
	fmt.Printf("within a second (the naive loop's window, hit by chance)\n\n")
	var naive time.Duration
	var naiveRounds []time.Duration
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "loop\tp50\tp90\tp99\tp50 - naive\tp50 ÷ naive, per round\tlost\t")
	for _, r := range rows {
		var d []time.Duration
		var rounds []time.Duration // each round's p50
		for _, rd := range r.cost {
			d = append(d, rd...)
			rd = slices.Clone(rd)
			slices.Sort(rd)
			rounds = append(rounds, quantile(rd, 0.5))
		}
		slices.Sort(d)
		p50 := quantile(d, 0.5)
		if r.c.name == "naive" {
			naive, naiveRounds = p50, rounds
		}
		ratios, diff := "—", "—"
		if naive > 0 && len(naiveRounds) == len(rounds) {
			var rs []float64
			var txt []string
			for i := range rounds {
				rs = append(rs, float64(rounds[i])/float64(naiveRounds[i]))
				txt = append(txt, fmt.Sprintf("%.2f", rs[i]))
			}
			sorted := slices.Clone(rs)
			slices.Sort(sorted)
			ratios = fmt.Sprintf("%s (median %.2f)", strings.Join(txt, " "), sorted[len(sorted)/2])
			diff = fmt.Sprintf("%+.1fµs", float64(p50-naive)/1e3)
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%v\t%s\t%s\t%d\t\n", r.c.name, p50.Round(100*time.Nanosecond), quantile(d, 0.9).Round(100*time.Nanosecond),
			quantile(d, 0.99).Round(100*time.Nanosecond), diff, ratios, r.lost)
	}
	tw.Flush()
	fmt.Print(curesNotes)
}

const curesNotes = `
naive:    late at its syscall enter (the race window); a kill while it waits reaches the main thread, which
          the kernel prefers while it sleeps with the signal unblocked.
wakeup:   closes every window: the byte the C handler writes ends the poll wherever the handler ran.
ppoll:    closes the window for signals sent to the main thread: blocked outside the wait, the signal
          stays pending and the wait, unblocking it atomically, ends at once.
signalfd: closes the window for signals sent to the main thread. A process-directed signal mostly goes
          to another thread instead (the signal is blocked only on the main thread; Go issue 55066):
          its C handler runs the signal's handler path, not the signalfd.
kill:     a process-directed signal taken by another thread ends ppoll's and signalfd's waits through
          the C handler's nudge (SIGRTMAX to the thread of the main goroutine's wrapped call); without
          the nudge signalfd misses many. A kill taken elsewhere just before the main thread's call
          blocks meets the naive loop's window again, at the nudge: only the wakeup fd closes it.
          See docs/race-windows.md.
`
