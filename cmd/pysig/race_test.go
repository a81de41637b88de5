//go:build linux && cgo

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// TestRaceSignalAfterThePeer (issue 22.8): with -spread far beyond -peer
// most signals are sent after the peer's write has ended the call. That is
// no lost signal: the study waits for it, counts no race hit, and exits 0.
// It used to report "the signal was lost" (exit 1), or die of its own late
// SIGUSR1 after putting back SIG_DFL (status 138).
func TestRaceSignalAfterThePeer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "race", "-n", "8", "-spread", "30ms", "-peer", "1ms", "-work", "0")
	cmd.Env = append(os.Environ(), "PYSIG_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) || err != nil {
			t.Fatalf("pysig race -spread 30ms -peer 1ms: %v; stderr %q", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("pysig race did not end within 60 s; stderr %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "pysig race: 8 trials per loop") {
		t.Errorf("stdout %q; want the study's table", stdout.String())
	}
}

// TestRaceLeavesNoSignalBehind (issue 22.8): when runRace returns, every
// trial's SIGUSR1 has been delivered (none is still on its way to land on
// the put-back disposition), and SIGUSR1 is the Go runtime's again, as it
// was, not SIG_DFL, which kills.
func TestRaceLeavesNoSignalBehind(t *testing.T) {
	var before, after pysignal.Handler
	var err error
	var delivered uint64
	pysignal.Call(func() { before, err = pysignal.GetSignal(unix.SIGUSR1) })
	if err != nil {
		t.Fatal(err)
	}
	if before != nil {
		t.Skipf("SIGUSR1 is not the Go runtime's at the start (%v)", before)
	}
	start := pysignal.Deliveries(unix.SIGUSR1)
	c := raceConfig{trials: 4, spread: 200 * time.Microsecond, peer: 20 * time.Millisecond}
	pysignal.Call(func() {
		if _, err = runRace(c); err != nil {
			return
		}
		delivered = pysignal.Deliveries(unix.SIGUSR1) - start
		after, err = pysignal.GetSignal(unix.SIGUSR1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if delivered != 2*uint64(c.trials) {
		t.Errorf("%d SIGUSR1 delivered when runRace returned; want all %d sent", delivered, 2*c.trials)
	}
	if after != nil {
		t.Errorf("after runRace SIGUSR1's handler is %v; want the Go runtime's again (nil)", after)
	}
}
