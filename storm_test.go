//go:build linux && cgo

package pysignal

// The storm soak: a child process sends signals as fast as it can while the
// main thread moves data through wrapped calls and Wakeup calls, waits with
// timeouts, and the Go runtime collects garbage and schedules goroutines.
// PYSIGNAL_SOAK sets how long it runs (default 20s; `make soak` runs longer).

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var stormSignals = []unix.Signal{usr1, usr2, alrm, unix.SIGCHLD}

func init() {
	// The storm child: kill(parent, sig) round robin until its time is up;
	// prints how many it sent.
	childScenarios["storm"] = func() int {
		d, err := time.ParseDuration(os.Getenv("PYSIGNAL_STORM_FOR"))
		if err != nil {
			return 2
		}
		ppid := unix.Getppid()
		var n int64
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			for i := 0; i < 256; i++ {
				if unix.Kill(ppid, stormSignals[i%len(stormSignals)]) == nil {
					n++
				}
			}
		}
		fmt.Println(n)
		return 0
	}
}

// pattern fills b with a deterministic stream that depends on the offset.
// Eight bytes a step, so the race detector's instrumentation stays cheap.
func pattern(b []byte, off int64) {
	x := uint64(off)*0x9E3779B97F4A7C15 + 1
	for len(b) >= 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b, x)
		b = b[8:]
	}
	for i := range b {
		b[i] = byte(x >> (8 * i))
	}
}

// transfer moves n bytes from a peer thread (wrapped Write, off the main
// thread) to the main thread (read), and returns both SHA-256 sums.
func transfer(n int64, read func(fd int, p []byte) (int, error)) (sent, got [32]byte, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return sent, got, err
	}
	defer unix.Close(p[0])
	werr := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer unix.Close(p[1])
		h := sha256.New()
		buf := make([]byte, 64<<10)
		for off := int64(0); off < n; {
			chunk := buf[:min(int64(len(buf)), n-off)]
			pattern(chunk, off)
			h.Write(chunk)
			for len(chunk) > 0 {
				k, err := Write(p[1], chunk) // wrapped: EINTR here is retried, no handler runs
				if err != nil {
					werr <- err
					return
				}
				chunk = chunk[k:]
				off += int64(k)
			}
		}
		copy(sent[:], h.Sum(nil))
		werr <- nil
	}()
	h := sha256.New()
	buf := make([]byte, 64<<10)
	var total int64
	for total < n {
		k, rerr := read(p[0], buf)
		if rerr != nil {
			return sent, got, rerr
		}
		if k == 0 {
			break
		}
		h.Write(buf[:k])
		total += int64(k)
	}
	copy(got[:], h.Sum(nil))
	if err := <-werr; err != nil {
		return sent, got, err
	}
	if total != n {
		return sent, got, fmt.Errorf("read %d bytes, want %d", total, n)
	}
	return sent, got, nil
}

// TestStormSoak runs the storm in phases: "cycles" moves data and waits
// while the child sends signals and the runtime is kept busy; the phases
// after it check what the cycles recorded.
func TestStormSoak(t *testing.T) {
	soak := 20 * time.Second
	if v := os.Getenv("PYSIGNAL_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("PYSIGNAL_SOAK=%q: %v", v, err)
		}
		soak = d
	}
	s := &soakRun{soak: soak, hook: captureUnraisable(t)}
	s.own(t)
	s.startLoad()
	defer signal.Stop(s.winch)
	defer signal.Stop(s.sigpipe)
	cmd := childCommand("PYSIGNAL_TEST_CHILD=storm", "PYSIGNAL_STORM_FOR="+soak.String())
	var childOut strings.Builder
	cmd.Stdout = &childOut
	must(t, cmd.Start())
	s.start = time.Now()
	ok := t.Run("cycles", func(t *testing.T) { must(t, onMain(s.runCycles)) })
	close(s.stop)
	s.bg.Wait()
	if werr := waitForExit(cmd, soak+time.Minute); werr != nil {
		t.Errorf("storm child: %v", werr)
	}
	if !ok {
		return
	}
	must(t, onMain(CheckSignals))
	t.Run("signals", s.checkSignals)
	t.Run("timeouts", s.checkTimeouts)
	t.Run("wakeup fd reports", s.checkReports)
	t.Run("os/signal and the runtime", s.checkRuntime)
	sentSignals, _ := strconv.ParseInt(strings.TrimSpace(childOut.String()), 10, 64)
	slices.Sort(s.lateness)
	t.Logf("soak %v: %d cycles, %d MiB verified; %d signals sent, %d C deliveries, %d handler runs; "+
		"full-pipe reports warn=true %d, warn=false %d; timeout lateness p50 %v max %v; GC cycles %d, os/signal SIGWINCH %d",
		time.Since(s.start).Round(time.Millisecond), s.cycles, s.bytesVerified>>20, sentSignals, s.delivered, s.handled,
		s.full[0], s.full[1], s.lateness[len(s.lateness)/2], s.lateness[len(s.lateness)-1], s.gcCycles, s.winches.Load())
}

// soakRun is the soak's state: what it owns, the load it puts on the runtime,
// and what its cycles recorded.
type soakRun struct {
	soak  time.Duration
	hook  *captureHook
	start time.Time

	offMain atomic.Int64
	runs    [nsig]atomic.Int64
	d0      [nsig]uint64
	nest    []unix.Signal

	stop                  chan struct{}
	bg                    sync.WaitGroup
	gcBefore              runtime.MemStats
	ticks, spins, winches atomic.Int64
	winch, sigpipe        chan os.Signal
	gcCycles              uint32
	delivered, handled    int64
	bytesVerified         int64
	cycles                int
	lateness              []time.Duration
	early                 []string
	full                  [2]int // hook reports during the warn=true / warn=false halves
}

// own installs the counting handler for the storm's signals, and for 22
// more owned signals for the nesting check under the storm.
func (s *soakRun) own(t *testing.T) {
	h := HandlerFunc(func(sig unix.Signal) error {
		if unix.Gettid() != MainThreadID() {
			s.offMain.Add(1)
		}
		s.runs[sig].Add(1)
		return nil
	})
	for _, sig := range stormSignals {
		own(t, sig, h)
		s.d0[sig] = Deliveries(sig)
	}
	for sig := unix.Signal(34); sig < 34+22; sig++ {
		own(t, sig, h)
		s.nest = append(s.nest, sig)
	}
}

// startLoad puts the runtime under the storm: garbage, a goroutine that
// never blocks, timers, and os/signal on a signal pysignal does not own.
func (s *soakRun) startLoad() {
	s.stop = make(chan struct{})
	runtime.ReadMemStats(&s.gcBefore)
	s.winch = make(chan os.Signal, 1)
	signal.Notify(s.winch, syscall.SIGWINCH)
	// A wakeup write that raised SIGPIPE would show here (pysignal does
	// not own SIGPIPE in the soak; the runtime passes it to os/signal).
	s.sigpipe = make(chan os.Signal, 1)
	signal.Notify(s.sigpipe, syscall.SIGPIPE)
	s.bg.Add(3)
	go func() { // allocate: GC cycles
		defer s.bg.Done()
		var keep [][]byte
		for {
			select {
			case <-s.stop:
				return
			default:
			}
			keep = append(keep, make([]byte, 64<<10))
			if len(keep) > 256 {
				keep = nil
			}
		}
	}()
	go func() { // a tight loop: only async preemption (SIGURG) can stop it
		defer s.bg.Done()
		for {
			for i := 0; i < 1<<20; i++ {
				s.spins.Add(1)
			}
			select {
			case <-s.stop:
				return
			default:
			}
		}
	}()
	go func() { // timers and os/signal keep working
		defer s.bg.Done()
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tk.C:
				s.ticks.Add(1)
				unix.Kill(unix.Getpid(), unix.SIGWINCH)
			case <-s.winch:
				s.winches.Add(1)
			}
		}
	}()
}

// runCycles repeats the cycle until the soak's time is up (at least once),
// on the main thread.
func (s *soakRun) runCycles() error {
	deadline := s.start.Add(s.soak + 2*time.Minute)
	for cycle := 0; time.Since(s.start) < s.soak || cycle == 0; cycle++ {
		if time.Now().After(deadline) {
			return errors.New("the soak overran its bound")
		}
		for _, step := range []func() error{s.faults, s.wrappedTransfers, s.wakeupTransfer, s.timeouts, s.nesting} {
			if err := step(); err != nil {
				return fmt.Errorf("cycle %d: %w", cycle, err)
			}
		}
		s.cycles++
	}
	return nil
}

// faults replays issue 12's faults under the storm: Wakeups closed out of
// order, a socket wakeup fd whose peer is gone, Ignore then Release of a
// signal os/signal wants and of a job-control one.
func (s *soakRun) faults() error {
	if err := stormOutOfOrderWakeups(); err != nil {
		return err
	}
	if err := stormDeadSocketWakeup(); err != nil {
		return err
	}
	for _, sig := range []unix.Signal{unix.SIGWINCH, unix.SIGTTOU} {
		if _, err := Signal(sig, Ignore); err != nil {
			return err
		}
		if err := Release(sig); err != nil {
			return err
		}
	}
	if h, _ := GetSignal(unix.SIGTTOU); h != Default {
		return fmt.Errorf("SIGTTOU after Ignore + Release is %v, want Default", h)
	}
	return nil
}

// wrappedTransfers moves 256 MiB through the wrapped Read, in two halves,
// each with a one-page wakeup pipe that nobody drains (it fills at once):
// warn=true must report the full pipe, warn=false must not.
func (s *soakRun) wrappedTransfers() error {
	for half, warn := range []bool{true, false} {
		var wp [2]int
		if err := unix.Pipe2(wp[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			return err
		}
		if _, err := unix.FcntlInt(uintptr(wp[1]), unix.F_SETPIPE_SZ, 4096); err != nil {
			return err
		}
		if err := CheckSignals(); err != nil { // reports due before the switch
			return err
		}
		reportsBefore := len(s.hook.reports())
		if _, err := SetWakeupFD(wp[1], warn); err != nil {
			return err
		}
		if err := s.verifiedTransfer(128<<20, Read, "wrapped Read"); err != nil {
			return err
		}
		if err := CheckSignals(); err != nil { // a report still due belongs to this half
			return err
		}
		s.full[half] += len(s.hook.reports()) - reportsBefore
		if _, err := SetWakeupFD(-1, true); err != nil {
			return err
		}
		unix.Close(wp[0])
		unix.Close(wp[1])
	}
	return nil
}

// wakeupTransfer moves 64 MiB through Wakeup.Read.
func (s *soakRun) wakeupTransfer() error {
	wk, err := OpenWakeup()
	if err != nil {
		return err
	}
	defer wk.Close()
	return s.verifiedTransfer(64<<20, wk.Read, "Wakeup.Read")
}

// verifiedTransfer moves n bytes through read and compares their hashes.
func (s *soakRun) verifiedTransfer(n int64, read func(int, []byte) (int, error), what string) error {
	sent, got, err := transfer(n, read)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if sent != got {
		return fmt.Errorf("%s: received bytes hash %x, sent %x", what, got[:8], sent[:8])
	}
	s.bytesVerified += n
	return nil
}

// timeouts waits 50 ms in each timed call, recording how late it ended;
// none may end early under the storm.
func (s *soakRun) timeouts() error {
	const want = 50 * time.Millisecond
	var ep [2]int
	unix.Pipe2(ep[:], unix.O_CLOEXEC)
	defer unix.Close(ep[0])
	defer unix.Close(ep[1])
	waits := map[string]func() error{
		"Sleep": func() error { return Sleep(want) },
		"Poll": func() error {
			_, err := Poll([]unix.PollFd{{Fd: int32(ep[0]), Events: unix.POLLIN}}, want)
			return err
		},
		// Select that returns 0 leaves no fd looking ready, even after
		// EINTR with the deadline passed (bpo-35310).
		"Select": func() error {
			var set unix.FdSet
			set.Set(ep[0])
			n, err := Select(ep[0]+1, &set, nil, nil, want)
			if err == nil && (n != 0 || set.IsSet(ep[0])) {
				return fmt.Errorf("returned %d with the never-ready fd still in the set", n)
			}
			return err
		},
		// Signal 60, which nobody sends: while sigtimedwait sleeps the
		// kernel unblocks the waited signals, so a signal that is sent
		// (SIGWINCH here) would be taken, correctly ending the wait.
		"Sigtimedwait": func() error {
			info, ok, err := Sigtimedwait([]unix.Signal{60}, want)
			if ok {
				return fmt.Errorf("took %+v", info)
			}
			return err
		},
	}
	for name, w := range waits {
		t0 := time.Now()
		if err := w(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		el := time.Since(t0)
		if el < want {
			s.early = append(s.early, fmt.Sprintf("%s ended after %v", name, el))
		}
		s.lateness = append(s.lateness, el-want)
	}
	return nil
}

// nesting raises 22 owned signals, pending at once, and unblocks them
// together.
func (s *soakRun) nesting() error {
	if err := raisePendingThenUnblock(s.nest...); err != nil {
		return err
	}
	return CheckSignals()
}

// checkSignals: no handler run without a C-level delivery, none off the
// main thread, and each nested signal once per cycle.
func (s *soakRun) checkSignals(t *testing.T) {
	for _, sig := range stormSignals {
		dv := int64(Deliveries(sig) - s.d0[sig])
		r := s.runs[sig].Load()
		if r > dv {
			t.Errorf("%v: %d handler runs for %d C-level deliveries", sig, r, dv)
		}
		s.delivered += dv
		s.handled += r
	}
	if s.offMain.Load() != 0 {
		t.Errorf("%d handler runs off the main thread", s.offMain.Load())
	}
	for _, sig := range s.nest {
		if s.runs[sig].Load() != int64(s.cycles) {
			t.Errorf("nested signal %d ran %d times in %d cycles", sig, s.runs[sig].Load(), s.cycles)
		}
	}
}

// checkTimeouts: no timed call ended early.
func (s *soakRun) checkTimeouts(t *testing.T) {
	if len(s.early) > 0 {
		t.Errorf("timeouts ended early: %v", s.early)
	}
}

// checkReports: the full pipe reported with warn=true only, the dead
// socket reported (EPIPE), nothing else, and no SIGPIPE raised.
func (s *soakRun) checkReports(t *testing.T) {
	if s.full[0] == 0 {
		t.Error("the full one-page wakeup pipe with warn=true was never reported")
	}
	if s.full[1] != 0 {
		t.Errorf("warn=false reported %d times", s.full[1])
	}
	epipe := 0
	for _, r := range s.hook.reports() {
		switch {
		case errors.Is(r, unix.EPIPE):
			epipe++
		case !errors.Is(r, unix.EAGAIN):
			t.Errorf("unexpected unraisable report: %v", r)
		}
	}
	if epipe == 0 {
		t.Error("the dead-socket wakeup fd was never reported (EPIPE)")
	}
	select {
	case <-s.sigpipe:
		t.Error("a wakeup write raised SIGPIPE (send without MSG_NOSIGNAL?)")
	default:
	}
}

// checkRuntime: os/signal's SIGWINCH registration survived each cycle's
// Ignore + Release, and the runtime kept collecting, ticking and spinning.
func (s *soakRun) checkRuntime(t *testing.T) {
	winchTimer := time.NewTimer(5 * time.Second)
	defer winchTimer.Stop()
	unix.Kill(unix.Getpid(), unix.SIGWINCH)
	select {
	case <-s.winch:
	case <-winchTimer.C:
		t.Error("os/signal.Notify for SIGWINCH stopped working after Ignore + Release")
	}
	var gcAfter runtime.MemStats
	runtime.ReadMemStats(&gcAfter)
	s.gcCycles = gcAfter.NumGC - s.gcBefore.NumGC
	if s.gcCycles == 0 || s.ticks.Load() == 0 || s.spins.Load() == 0 || s.winches.Load() == 0 {
		t.Errorf("the runtime stalled under the storm: GC cycles %d, ticks %d, spins %d, os/signal SIGWINCH %d",
			s.gcCycles, s.ticks.Load(), s.spins.Load(), s.winches.Load())
	}
}

// waitForExit waits for cmd, killing it after limit.
func waitForExit(cmd *exec.Cmd, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		cmd.Process.Kill()
		return errors.New("did not exit in time")
	}
}

// raiseMany raises sig n times on the calling (main) thread: n wakeup
// writes whether or not the storm is still running.
func raiseMany(sig unix.Signal, n int) error {
	for i := 0; i < n; i++ {
		if err := raise(sig); err != nil {
			return err
		}
	}
	return nil
}

// stormOutOfOrderWakeups closes two Wakeups out of order, the first one's
// write-end number taken by a socket in between, raises 100 signals (the
// storm adds more), and checks that none reached the socket and the wakeup fd is -1 again.
func stormOutOfOrderWakeups() error {
	w1, err := OpenWakeup()
	if err != nil {
		return err
	}
	w2, err := OpenWakeup()
	if err != nil {
		w1.Close()
		return err
	}
	num := w1.w
	if err := w1.Close(); err != nil {
		w2.Close()
		return err
	}
	sock, peer, err := socketOn(num)
	if err != nil {
		w2.Close()
		return err
	}
	defer unix.Close(sock)
	defer unix.Close(peer)
	if err := w2.Close(); err != nil {
		return err
	}
	if err := raiseMany(usr1, 100); err != nil {
		return err
	}
	if got := drain(peer); len(got) != 0 {
		return fmt.Errorf("%d signal bytes reached an unrelated socket", len(got))
	}
	if fd := currentWakeupFD(); fd != -1 {
		return fmt.Errorf("after the out-of-order Closes the wakeup fd is %d, want -1", fd)
	}
	return nil
}

// stormDeadSocketWakeup installs a socket whose peer is gone as the wakeup
// fd for 100 raised signals and whatever the storm sends: each write fails with EPIPE (reported at the next
// check), and none raises SIGPIPE.
func stormDeadSocketWakeup() error {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(pair[0])
	unix.Close(pair[1])
	if _, err := SetWakeupFD(pair[0], true); err != nil {
		return err
	}
	err = raiseMany(usr1, 100)
	if _, err := SetWakeupFD(-1, true); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	return CheckSignals()
}
