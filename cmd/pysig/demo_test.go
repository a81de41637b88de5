//go:build linux && cgo

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stamp is the time say prints at the start of a line.
var stamp = regexp.MustCompile(`(?m)^\[ *([0-9.]+)s\] (.*)$`)

// TestDemoNeverStalls runs "pysig demo" 20 times: each must exit 0, with
// step 1's read interrupted by the SIGINT sent to the process within 1 s of
// the send (it stalled for 3 s when the kernel gave SIGINT to another thread
// and the read was not on a thread MainContext could nudge), and the whole
// run must end within 20 s.
func TestDemoNeverStalls(t *testing.T) {
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0], "demo", "-wait", "10ms")
		cmd.Env = append(os.Environ(), "PYSIG_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v; stderr %q; stdout:\n%s", i, err, stderr.String(), stdout.String())
		}
		var sent, returned float64 = -1, -1
		for _, m := range stamp.FindAllStringSubmatch(stdout.String(), -1) {
			at, _ := strconv.ParseFloat(m[1], 64)
			switch {
			case strings.HasPrefix(m[2], "sender: kill(getpid(), SIGINT)"):
				sent = at
			case strings.HasPrefix(m[2], "pysignal.Read returned KeyboardInterrupt"):
				returned = at
			}
		}
		if sent < 0 || returned < 0 || returned-sent > 1 {
			t.Fatalf("run %d: SIGINT sent at %vs, the read returned KeyboardInterrupt at %vs; want both, within 1 s:\n%s",
				i, sent, returned, stdout.String())
		}
	}
}
