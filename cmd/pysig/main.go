//go:build linux && cgo

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/internal/benchsender"
	"golang.org/x/sys/unix"
)

// A command is one of pysig's subcommands.
type command struct {
	name, summary string
	run           func(args []string) int
}

// commands are the subcommands usage lists. flood, bench's throughput
// child, and roundtrips, its import-cost child, are internal and not
// listed.
var commands = []command{
	{"demo", `the short tour (what "make demo" runs)`, demoCmd},
	{"race", `N trials of the naive PEP 475 loop and of the wakeup-fd loop with a
signal sent at a random moment (or -inject PHASE): race hits, handler
delays, histograms, -csv raw samples; -all maps every wrapper's window;
-cures measures the three cures`, raceCmd},
	{"bench", `pysignal against os/signal, CPython and a C floor, measured in one
run: latency, throughput, idle cost, wrapper overhead, import cost
(-json, -csv, -benchstat; -check exits 1 if a goal is missed)`, benchCmd},
	{"trace", `one wrapped read, naive and with a wakeup fd, as a live timeline of
the PEP 475 loop's phases, with a signal injected into the race window`, traceCmd},
	{"version", "the module version and build information", versionCmd},
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: pysig <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s%s\n", c.name, strings.ReplaceAll(c.summary, "\n", "\n          "))
	}
	fmt.Fprint(w, "\n\"pysig <command> -h\" lists a command's flags.\n")
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "roundtrips" {
		// bench's import-cost child: on the main goroutine, before Main
		os.Exit(roundTripsMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "demo" {
		demoMain(os.Args[2:]) // under MainContext: never returns
	}
	os.Exit(pysignal.Main(func() int { return dispatch(os.Args[1:]) }))
}

// dispatch runs the command args name. Exit status: 0 for success and for
// help, 1 for a failure, 2 for a usage error.
func dispatch(args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			return dispatch([]string{args[1], "-h"})
		}
		usage(os.Stdout)
		return 0
	case "flood":
		return benchsender.FloodMain(args[1:])
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "pysig: unknown command %q\n\n", args[0])
	usage(os.Stderr)
	return 2
}

// parseFlags parses a command's flags. It reports whether the command should
// go on; if not, code is the exit status: 0 after -h (usage on stdout), 2
// for a bad flag or a stray argument (usage on stderr). No command takes
// arguments besides flags.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	fs.SetOutput(io.Discard) // parse errors are reported below, once
	fs.Usage = func() {}
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if errors.Is(err, flag.ErrHelp) {
		flagUsage(fs, os.Stdout)
		return 0, false
	}
	if err != nil {
		return usageError(fs, "%v", err), false
	}
	return 0, true
}

// usageError reports a usage error of the command fs parses, followed by its
// usage, and returns exit status 2.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "pysig %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	flagUsage(fs, os.Stderr)
	return 2
}

func flagUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: pysig %s [flags]\n", fs.Name())
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// checkOutputs makes sure each non-empty path can be written (its directory
// exists and is writable, and it is not a directory) before a long run
// starts, so a typo costs seconds, not the run.
func checkOutputs(fs *flag.FlagSet, paths map[string]string) (code int, ok bool) {
	for flagName, path := range paths {
		if path == "" {
			continue
		}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return usageError(fs, "-%s %s: is a directory", flagName, path), false
		}
		dir := filepath.Dir(path)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usageError(fs, "-%s %s: no directory %s", flagName, path, dir), false
		}
		if err := unix.Access(dir, unix.W_OK); err != nil {
			return usageError(fs, "-%s %s: cannot write in %s: %v", flagName, path, dir, err), false
		}
	}
	return 0, true
}

// versionCmd is "pysig version": what the Go toolchain recorded in the
// binary.
func versionCmd(args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(os.Stderr, "pysig version: the binary has no build information")
		return 1
	}
	fmt.Print(versionText(bi))
	return 0
}

// versionText is pysig's version line: the module and its version ("(devel)"
// for a build from a work tree), the VCS revision when recorded, the Go
// version and the platform.
func versionText(bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	line := fmt.Sprintf("pysig %s %s", bi.Main.Path, bi.Main.Version)
	if rev := settings["vcs.revision"]; rev != "" {
		line += " " + rev
		if settings["vcs.modified"] == "true" {
			line += "+dirty"
		}
		if t := settings["vcs.time"]; t != "" {
			line += " " + t
		}
	}
	return fmt.Sprintf("%s, %s %s/%s, cgo %s\n", line, bi.GoVersion, settings["GOOS"], settings["GOARCH"], settings["CGO_ENABLED"])
}
