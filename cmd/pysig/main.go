//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pysignal/pysignal"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: pysig <command> [flags]

commands:
  demo    the short tour (what "make demo" runs)
  race    N trials of the naive PEP 475 loop and of the wakeup-fd loop with a
          signal sent at a random moment (or -inject PHASE): race hits, handler
          delays, histograms, -csv raw samples; race -all: every wrapper's
          trace points explored with sigtest, naive and through a Wakeup
  bench   pysignal against os/signal, CPython and a C floor, measured in one
          run: latency, throughput, idle cost, wrapper overhead (-json, -csv)
  trace   one wrapped read, naive and with a wakeup fd, as a live timeline of
          the PEP 475 loop's phases, with a signal injected into the race window
`)
	os.Exit(2)
}

func main() {
	os.Exit(pysignal.Main(run))
}

func run() int {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ExitOnError)
		wait := fs.Duration("wait", defaultDemoWait, "how long to wait for Ctrl-C before sending SIGINT ourselves")
		fs.Parse(args)
		return demo(*wait)
	case "race":
		return raceCmd(args)
	case "trace":
		return traceCmd(args)
	case "bench":
		return benchCmd(args)
	case "flood": // the child of bench's throughput scenario
		return floodCmd(args)
	case "-h", "-help", "--help", "help":
		usage()
	}
	fmt.Fprintf(os.Stderr, "pysig: unknown command %q\n", cmd)
	usage()
	return 2
}
