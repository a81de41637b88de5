// Command pysig shows and studies pysignal's CPython-style signal handling.
//
//	pysig demo    the short tour: Ctrl-C (or a SIGINT the demo sends itself)
//	              interrupts a blocking read with KeyboardInterrupt, then the
//	              wakeup-fd bytes and handler order of signals that arrive
//	              together.
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
	case "-h", "-help", "--help", "help":
		usage()
	}
	fmt.Fprintf(os.Stderr, "pysig: unknown command %q\n", cmd)
	usage()
	return 2
}
