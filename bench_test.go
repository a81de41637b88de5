//go:build linux && cgo

package pysignal

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkCheckSignalsIdle is the cost of a safe point with nothing
// pending: one atomic load, no cgo call, no allocation (goal: ≤ 1 ns/op).
// It uses a b.N loop on purpose: b.Loop keeps the calls in its body from
// being inlined, and CheckSignals is meant to be inlined at every safe point.
func BenchmarkCheckSignalsIdle(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := CheckSignals(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRaiseToHandler is one same-thread round trip on the main thread:
// raise(3) → C handler trips the flag → CheckSignals runs the Go handler.
func BenchmarkRaiseToHandler(b *testing.B) {
	runs := 0
	var err error
	Call(func() {
		if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { runs++; return nil })); err != nil {
			return
		}
		defer func() {
			handlers[unix.SIGUSR1].Store(nil)
			restoreDisposition(unix.SIGUSR1)
		}()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err = RaiseSignal(unix.SIGUSR1); err != nil {
				return
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if runs != b.N {
		b.Fatalf("handler ran %d times for %d signals", runs, b.N)
	}
}

// benchPipe returns a pipe for the 1-byte round-trip benchmarks.
func benchPipe(b *testing.B) (r, w int) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// BenchmarkRead is a 1-byte pipe round trip whose read goes through the
// PEP 475 wrapper ("wrapped") or straight to x/sys ("raw"), in one run, so
// the ratio is measured on the same machine state (goal: ≤ 2 %, 0 allocs).
func BenchmarkRead(b *testing.B) {
	for _, v := range []struct {
		name string
		read func(int, []byte) (int, error)
	}{{"impl=raw", unix.Read}, {"impl=wrapped", Read}} {
		b.Run(v.name, func(b *testing.B) { benchReadRoundTrip(b, v.read) })
	}
}

// benchReadRoundTrip writes one byte to a pipe and reads it back with read,
// b.N times.
func benchReadRoundTrip(b *testing.B, read func(int, []byte) (int, error)) {
	r, w := benchPipe(b)
	one, buf := []byte{1}, make([]byte, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := unix.Write(w, one); err != nil {
			b.Fatal(err)
		}
		if _, err := read(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite is BenchmarkRead with the write wrapped instead.
func BenchmarkWrite(b *testing.B) {
	for _, v := range []struct {
		name  string
		write func(int, []byte) (int, error)
	}{{"impl=raw", unix.Write}, {"impl=wrapped", Write}} {
		b.Run(v.name, func(b *testing.B) {
			r, w := benchPipe(b)
			one, buf := []byte{1}, make([]byte, 1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := v.write(w, one); err != nil {
					b.Fatal(err)
				}
				if _, err := unix.Read(r, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPoll polls a readable pipe, wrapped or raw, with a zero timeout
// and with a 1 s timeout (which never expires: the pipe is ready). With a
// positive timeout the wrapper reads the monotonic clock once, to fix the
// deadline before the first call, as CPython does.
func BenchmarkPoll(b *testing.B) {
	for _, v := range []struct {
		name string
		poll func([]unix.PollFd) (int, error)
	}{
		{"timeout=0/impl=raw", func(fds []unix.PollFd) (int, error) { return unix.Poll(fds, 0) }},
		{"timeout=0/impl=wrapped", func(fds []unix.PollFd) (int, error) { return Poll(fds, 0) }},
		{"timeout=1s/impl=raw", func(fds []unix.PollFd) (int, error) { return unix.Poll(fds, 1000) }},
		{"timeout=1s/impl=wrapped", func(fds []unix.PollFd) (int, error) { return Poll(fds, time.Second) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			r, w := benchPipe(b)
			if _, err := unix.Write(w, []byte{1}); err != nil {
				b.Fatal(err)
			}
			fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if n, err := v.poll(fds); n != 1 || err != nil {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// noopCall stands in for a system call that succeeds at once.
//
//go:noinline
func noopCall() (int, error) { return 1, nil }

// BenchmarkLoopOverhead isolates the fixed cost the PEP 475 loop adds to a
// call that succeeds at once: "direct" calls noopCall, "retry" runs it in
// the untimed loop, "retryTimed" in the timed loop with a 1 s timeout (which
// reads the monotonic clock once). Wall-clock syscall benchmarks on a shared
// machine are too noisy to show a few nanoseconds; this is not.
func BenchmarkLoopOverhead(b *testing.B) {
	b.Run("impl=direct", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := noopCall(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=retry", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := retry("noop", noopCall); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=retryTimed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := retryTimed("noop", time.Second, func(time.Duration) (int, error) { return noopCall() }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkImportCost is what importing the package costs a program that
// keeps working on its main goroutine: init locks that goroutine to the
// main thread (CPython's main-thread rule needs the thread), so every time
// it blocks on a channel, waking it means waking that one thread, not
// running it on whichever thread is free. Each case is a channel round trip
// with another goroutine (send, then wait for the reply):
//
//	main-goroutine           on the main goroutine, as importing leaves it
//	main-goroutine-unlocked  the same after runtime.UnlockOSThread: what a
//	                         program without pysignal sees
//	under-Main               in the function Main runs: how a Main or
//	                         MainContext program avoids the cost
//
// The first two run in a child process (the test binary's own main
// goroutine runs Main), timed by the child; compare them as a ratio.
func BenchmarkImportCost(b *testing.B) {
	b.Run("main-goroutine", func(b *testing.B) { childRoundTrips(b, "locked") })
	b.Run("main-goroutine-unlocked", func(b *testing.B) { childRoundTrips(b, "unlocked") })
	b.Run("under-Main", func(b *testing.B) {
		chanRoundTrips(1000) // warm up, as the child does
		b.ResetTimer()
		chanRoundTrips(b.N)
	})
}

// chanRoundTrips makes n round trips with a helper goroutine and returns
// how long they took.
func chanRoundTrips(n int) time.Duration {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			pong <- struct{}{}
		}
	}()
	defer close(ping)
	start := time.Now()
	for range n {
		ping <- struct{}{}
		<-pong
	}
	return time.Since(start)
}

// childRoundTrips runs b.N round trips on a child's main goroutine, locked
// to the main thread or not, and reports the child's own timing.
func childRoundTrips(b *testing.B, mode string) {
	cmd := childCommand("PYSIGNAL_TEST_CHILD=chan-roundtrips",
		"PYSIGNAL_ROUNDTRIPS="+strconv.Itoa(b.N), "PYSIGNAL_ROUNDTRIP_MODE="+mode)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v", err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		b.Fatalf("child said %q: %v", out, err)
	}
	b.ReportMetric(float64(ns)/float64(b.N), "ns/op")
}

func init() {
	mainThreadChildren["chan-roundtrips"] = func() {
		n, _ := strconv.Atoi(os.Getenv("PYSIGNAL_ROUNDTRIPS"))
		if os.Getenv("PYSIGNAL_ROUNDTRIP_MODE") == "unlocked" {
			runtime.UnlockOSThread() // undo what the package's init did
		}
		chanRoundTrips(1000)
		fmt.Println(chanRoundTrips(n).Nanoseconds())
	}
}
