//go:build linux && cgo

package benchsender

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The throughput scenario's sender is a child process that kill()s its
// parent as fast as it can. pysig (for pysignal) and internal/bench/ossignal (for
// os/signal) each start it with Flood from their own process, as their own
// executable run with the arguments "flood -pid P -sig S -for D", which each
// hands to FloodMain: both receivers are flooded by the same loop.

// Throughput is one receiver's result, as pysig bench reports it and the
// os/signal program prints it.
type Throughput struct {
	Sent       int64   `json:"sent"`         // kill()s the child made
	Runs       int64   `json:"handler_runs"` // counted by the receiver
	Deliveries int64   `json:"c_deliveries"` // pysignal's C handler runs; 0 for os/signal, which cannot see them
	CPU        float64 `json:"cpu_seconds"`  // the receiving process's user and system time
}

// Flood starts the sender child, which sends sig to this process for dur,
// and calls receive with a channel that is closed when the child has exited;
// receive must return after that. Flood returns Sent and CPU (from before
// the child starts to receive's return); the caller counts the rest. It
// must handle sig before calling Flood.
func Flood(sig unix.Signal, dur time.Duration, receive func(done <-chan struct{})) (Throughput, error) {
	self, err := os.Executable()
	if err != nil {
		return Throughput{}, err
	}
	cmd := exec.Command(self, "flood", "-pid", strconv.Itoa(unix.Getpid()), "-sig", strconv.Itoa(int(sig)), "-for", dur.String())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	var before, after unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &before)
	if err := cmd.Start(); err != nil {
		return Throughput{}, err
	}
	done := make(chan struct{})
	go func() { err = cmd.Wait(); close(done) }()
	receive(done)
	unix.Getrusage(unix.RUSAGE_SELF, &after)
	<-done
	if err != nil {
		return Throughput{}, fmt.Errorf("flood child: %v", err)
	}
	sent, err := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	return Throughput{Sent: sent, CPU: float64(cpu) / 1e9}, err
}

// FloodMain is the sender child: given "-pid P -sig S -for D", it sends
// signal S to process P with kill(2), 64 calls between reads of the clock,
// until D has passed, and prints how many calls succeeded. It returns the
// exit status: 2 for bad arguments, with a message on stderr.
func FloodMain(args []string) int {
	fs := flag.NewFlagSet("flood", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pid := fs.Int("pid", 0, "target process")
	sig := fs.Int("sig", 0, "signal number")
	dur := fs.Duration("for", 0, "how long")
	err := fs.Parse(args)
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *pid <= 0 || *sig <= 0 || *dur <= 0:
		err = fmt.Errorf("-pid, -sig and -for must be positive")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "flood: %v\nusage: flood -pid P -sig S -for D (the throughput benchmark's internal sender)\n", err)
		return 2
	}
	var n int64
	for end := time.Now().Add(*dur); time.Now().Before(end); {
		for i := 0; i < 64; i++ {
			if unix.Kill(*pid, unix.Signal(*sig)) == nil {
				n++
			}
		}
	}
	fmt.Println(n)
	return 0
}
