//go:build linux && cgo

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pysignal/pysignal/internal/bench/roundtrip"
	"github.com/pysignal/pysignal/internal/benchsender"
)

// With OSSIGNAL_AS_MAIN set, the test binary is ossignal itself, and so is
// the sender child the throughput mode starts (os.Executable, the
// environment inherited): the tests run the program without building it.
func TestMain(m *testing.M) {
	if os.Getenv("OSSIGNAL_AS_MAIN") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ossignal runs the program with args, within a generous deadline.
func ossignal(t *testing.T, args ...string) (stdout []byte, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	// Under the race detector a process sleeps 1 s at exit unless told not to.
	cmd.Env = append(os.Environ(), "OSSIGNAL_AS_MAIN=1", "GORACE=atexit_sleep_ms=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ossignal %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("ossignal %s: no answer within 30 s", strings.Join(args, " "))
	}
	return out.Bytes(), errb.String(), code
}

// TestThroughput: a short flood prints pysig bench's throughput keys, each
// with a value a real flood gives: something sent, at least one channel
// receive and no more receives than kill()s, CPU spent, no C deliveries
// (os/signal cannot count them).
func TestThroughput(t *testing.T) {
	out, stderr, code := ossignal(t, "throughput", "200ms")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var keys map[string]any
	if err := json.Unmarshal(out, &keys); err != nil {
		t.Fatalf("not JSON: %v: %q", err, out)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"c_deliveries", "cpu_seconds", "handler_runs", "sent"}; !slices.Equal(got, want) {
		t.Errorf("keys %q, want %q (pysig bench's throughput keys)", got, want)
	}
	var r benchsender.Throughput
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r.Sent <= 0 || r.Runs < 1 || r.Runs > r.Sent || r.CPU <= 0 || r.Deliveries != 0 {
		t.Errorf("%+v: want sent > 0, 1 <= handler_runs <= sent, cpu_seconds > 0, c_deliveries 0", r)
	}
}

// TestLatency: the latency mode still takes N IDLE_N and prints that many
// positive samples per scenario.
func TestLatency(t *testing.T) {
	out, stderr, code := ossignal(t, "20", "1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var r map[string][]int64
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("not JSON: %v: %q", err, out)
	}
	for scen, n := range map[string]int{"same_thread": 20, "cross_thread": 20, "cross_thread_idle": 1} {
		if len(r[scen]) != n || slices.Min(append(r[scen], 1)) <= 0 {
			t.Errorf("%s: %v, want %d positive samples", scen, r[scen], n)
		}
	}
}

// TestRoundTrips: the import-cost mode prints one positive count of
// nanoseconds, as internal/bench/roundtrip's Parse reads it.
func TestRoundTrips(t *testing.T) {
	out, stderr, code := ossignal(t, "roundtrips", "50")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if d, err := roundtrip.Parse(out); err != nil || d <= 0 {
		t.Errorf("output %q: %v, %v; want one positive count of ns", out, d, err)
	}
}

// TestUsage: bad arguments exit 2 with a message saying what is wrong,
// before any work (no output on stdout).
func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{nil, "want 2 arguments, have 0"},
		{[]string{"10"}, "want 2 arguments, have 1"},
		{[]string{"0", "1"}, `N "0", IDLE_N "1"`},
		{[]string{"10", "-1"}, `IDLE_N "-1"`},
		{[]string{"ten", "1"}, `N "ten"`},
		{[]string{"throughput"}, "throughput: want one DURATION, have 0"},
		{[]string{"throughput", "1s", "x"}, "throughput: want one DURATION, have 2"},
		{[]string{"throughput", "0s"}, `DURATION "0s" is not a positive duration`},
		{[]string{"throughput", "1"}, `DURATION "1" is not a positive duration`},
		{[]string{"flood", "-pid", "1"}, "flood: -pid, -sig and -for must be positive"},
		{[]string{"roundtrips"}, "roundtrips: want one N, have 0"},
		{[]string{"roundtrips", "0"}, `roundtrips: count "0"`},
		{[]string{"roundtrips", "10", "1"}, "roundtrips: want one N, have 2"},
	} {
		out, stderr, code := ossignal(t, c.args...)
		if code != 2 || len(out) > 0 || !strings.Contains(stderr, c.msg) || !strings.Contains(stderr, "usage: ") {
			t.Errorf("ossignal %q: exit %d, stdout %q, stderr %q; want exit 2, no output, %q and the usage on stderr",
				c.args, code, out, stderr, c.msg)
		}
	}
}
