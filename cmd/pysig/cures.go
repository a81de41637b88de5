//go:build linux && cgo

package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// pysig race -cures: the race (a signal after the last check, before the
// call blocks) and its three textbook cures, side by side, each waiting for
// a pipe's byte that a peer writes late:
//
//	naive     pysignal.Read: the PEP 475 loop alone
//	wakeup    the wakeup fd in the poll set (Wakeup.Read)
//	ppoll     SIGUSR1 blocked outside the wait, unblocked by Ppoll's mask
//	signalfd  SIGUSR1 blocked on the main thread, read as data from a
//	          signalfd in the poll set, then handed to the handlers
//
// Three measurements: sigtest.Explore (a signal sent to the main thread at
// each trace point), kill(2) of the process while the main thread waits (a
// process-directed signal, which the kernel may give to any thread that
// does not block it), and the cost per signal: the delay from tgkill to the
// handler while the main thread waits in each loop.

// A cure is one way to wait for the byte.
type cure struct {
	name, desc string
	wait       func(e *raceEnv, r int) error
}

var cureSig = unix.SIGUSR1

var cures = []cure{
	{"naive", "pysignal.Read (the PEP 475 loop alone)", func(e *raceEnv, r int) error {
		_, err := pysignal.Read(r, make([]byte, 1))
		return err
	}},
	{"wakeup", "wakeup fd + poll (Wakeup.Read)", func(e *raceEnv, r int) error {
		_, err := e.wk.Read(r, make([]byte, 1))
		return err
	}},
	{"ppoll", "blocked outside, Ppoll's mask unblocks it", ppollWait},
	{"signalfd", "blocked on the main thread, read from a signalfd", signalfdWait},
}

// ppollWait: SIGUSR1 blocked on the main thread except inside ppoll.
func ppollWait(e *raceEnv, r int) error {
	old, err := pysignal.PthreadSigmask(pysignal.SigBlock, []unix.Signal{cureSig})
	if err != nil {
		return err
	}
	defer pysignal.PthreadSigmask(pysignal.SigSetmask, old) // a signal still pending runs its handler here
	if _, err := pysignal.Ppoll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1, old); err != nil {
		return err
	}
	_, err = unix.Read(r, make([]byte, 1))
	return err
}

// signalfdWait: SIGUSR1 blocked on the main thread and read from a
// signalfd; each signal read is handed to the package's handlers with
// SetInterruptEx, and CheckSignals runs them.
func signalfdWait(e *raceEnv, r int) error {
	old, err := pysignal.PthreadSigmask(pysignal.SigBlock, []unix.Signal{cureSig})
	if err != nil {
		return err
	}
	defer pysignal.PthreadSigmask(pysignal.SigSetmask, old)
	var set unix.Sigset_t
	set.Val[(cureSig-1)/64] |= 1 << ((uint(cureSig) - 1) % 64)
	sfd, err := unix.Signalfd(-1, &set, unix.SFD_NONBLOCK|unix.SFD_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(sfd)
	for {
		fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}, {Fd: int32(sfd), Events: unix.POLLIN}}
		if _, err := pysignal.Poll(fds, -1); err != nil {
			return err
		}
		if fds[1].Revents != 0 {
			var info unix.SignalfdSiginfo
			buf := (*[unsafe.Sizeof(info)]byte)(unsafe.Pointer(&info))[:]
			for {
				if _, err := unix.Read(sfd, buf); err != nil {
					break // EAGAIN: all read
				}
				if err := pysignal.SetInterruptEx(unix.Signal(info.Signo)); err != nil {
					return err
				}
			}
			if err := pysignal.CheckSignals(); err != nil {
				return err
			}
		}
		if fds[0].Revents != 0 {
			_, err := unix.Read(r, make([]byte, 1))
			return err
		}
	}
}

// cureRow is one cure's results.
type cureRow struct {
	c          cure
	rep        *sigtest.Report
	killLate   int // kill trials whose handler ran only after the peer's write
	killTrials int
	cost       [][]time.Duration // per round: sender to handler, one per signal
	lost       int               // signals whose handler did not run within a second
}

type curesConfig struct {
	peer, bound time.Duration
	kills       int // kill(2) trials per cure
	signals     int // signals per cure for the cost
}

// inWakeup runs f with a fresh Wakeup for the wakeup cure only: the others
// must not pay for the C handler's write to a wakeup fd.
func inWakeup(e *raceEnv, c cure, f func(e *raceEnv) error) error {
	if c.name != "wakeup" {
		return f(e)
	}
	return withWakeup(e, f)
}

// runCure runs wait for one byte on a fresh pipe.
func runCure(e *raceEnv, c cure) error {
	return inWakeup(e, c, func(e *raceEnv) error {
		return lateByte(e, func(r int) error { return c.wait(e, r) })
	})
}

// withHandler installs h for cureSig on the main thread while f runs.
func withHandler(h pysignal.Handler, f func() error) error {
	var old pysignal.Handler
	var err error
	pysignal.Call(func() { old, err = pysignal.Signal(cureSig, h) })
	if err != nil {
		return err
	}
	defer pysignal.Call(func() { restore(cureSig, old) })
	return f()
}

// killTrials: while the main thread waits in c, another thread kills the
// process with SIGUSR1 after 5 ms; the peer writes after e.peer. A trial
// is missed when the handler ran only after the peer's write: the signal
// did not end the wait (a busy machine delays both alike).
func killTrials(e *raceEnv, c cure, n int) (missed int, err error) {
	var ranAt atomic.Int64
	h := pysignal.HandlerFunc(func(unix.Signal) error { ranAt.CompareAndSwap(0, time.Now().UnixNano()); return nil })
	err = withHandler(h, func() error {
		for i := 0; i < n; i++ {
			r, w, closeBoth, err := newPipe(0)
			if err != nil {
				return err
			}
			ranAt.Store(0)
			var wroteAt atomic.Int64
			peerDone := make(chan struct{})
			go func() {
				defer close(peerDone)
				time.Sleep(5 * time.Millisecond)
				unix.Kill(unix.Getpid(), cureSig)
				time.Sleep(e.peer - 5*time.Millisecond)
				wroteAt.Store(time.Now().UnixNano())
				unix.Write(w, []byte("x"))
			}()
			var werr error
			pysignal.Call(func() {
				werr = inWakeup(e, c, func(e *raceEnv) error { return c.wait(e, r) })
				<-peerDone
				pysignal.CheckSignals() // a handler still pending runs now
			})
			closeBoth()
			if werr != nil {
				return werr
			}
			if ran := ranAt.Load(); ran == 0 || ran > wroteAt.Load() {
				missed++
			}
		}
		return nil
	})
	return missed, err
}

// cost: n signals sent with tgkill to the main thread while it waits in c
// (which ends only at the last byte); for each, the delay until the handler
// ran.
func cost(e *raceEnv, c cure, n int) (delays []time.Duration, lost int, err error) {
	ran := make(chan int64, 1)
	h := pysignal.HandlerFunc(func(unix.Signal) error {
		select {
		case ran <- time.Now().UnixNano():
		default:
		}
		return nil
	})
	err = withHandler(h, func() error {
		r, w, closeBoth, err := newPipe(0)
		if err != nil {
			return err
		}
		defer closeBoth()
		done := make(chan error, 1)
		go func() {
			var werr error
			pysignal.Call(func() { werr = inWakeup(e, c, func(e *raceEnv) error { return c.wait(e, r) }) })
			done <- werr
		}()
		pid, tid := unix.Getpid(), pysignal.MainThreadID()
		for i := 0; i < n+1; i++ {
			time.Sleep(200 * time.Microsecond) // the main thread goes back to its wait
			t0 := time.Now().UnixNano()
			if err := unix.Tgkill(pid, tid, cureSig); err != nil {
				return err
			}
			select {
			case at := <-ran:
				if i > 0 { // the first one warms up
					delays = append(delays, time.Duration(at-t0))
				}
			case <-time.After(time.Second):
				lost++
			}
		}
		unix.Write(w, []byte("x"))
		return <-done
	})
	return delays, lost, err
}

// costRounds is how many rounds the cost is measured in.
const costRounds = 5

// runCures measures every cure.
func runCures(cfg curesConfig) ([]cureRow, error) {
	dir, err := os.MkdirTemp("", "pysig-cures-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	e := &raceEnv{peer: cfg.peer, dir: dir}
	opts := sigtest.Options{Signal: cureSig, Bound: cfg.bound}
	var rows []cureRow
	for _, c := range cures {
		fmt.Fprintf(os.Stderr, "\r%-40s", "exploring "+c.name+"...")
		row := cureRow{c: c, killTrials: cfg.kills}
		if row.rep, err = sigtest.Explore(func() error { return runCure(e, c) }, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Fprintf(os.Stderr, "\r%-40s", "kill(2) trials, "+c.name+"...")
		if row.killLate, err = killTrials(e, c, cfg.kills); err != nil {
			return nil, fmt.Errorf("%s, kill trials: %w", c.name, err)
		}
		rows = append(rows, row)
	}
	// The cost in rounds, each running every loop back to back on its
	// share of the signals, so that the machine's drift hits all alike.
	for round := 0; round < costRounds; round++ {
		for i := range rows {
			fmt.Fprintf(os.Stderr, "\r%-40s", fmt.Sprintf("cost, round %d/%d, %s...", round+1, costRounds, rows[i].c.name))
			d, lost, err := cost(e, rows[i].c, max(1, cfg.signals/costRounds))
			if err != nil {
				return nil, fmt.Errorf("%s, cost: %w", rows[i].c.name, err)
			}
			rows[i].cost = append(rows[i].cost, d)
			rows[i].lost += lost
		}
	}
	fmt.Fprintf(os.Stderr, "\r%40s\r", "")
	return rows, nil
}

// curesCmd is "pysig race -cures": race's -peer and -bound apply, -n is the
// number of kill(2) trials and ×100 the signals for the cost.
func curesCmd(fs *flag.FlagSet, peer, bound time.Duration, trials int) int {
	set, bad := setFlags(fs, "cures", "peer", "bound", "n")
	if len(bad) > 0 {
		return usageError(fs, "%s: not for -cures (with -cures: -peer, -bound, -n)", strings.Join(bad, ", "))
	}
	if !set["peer"] {
		peer = 50 * time.Millisecond
	}
	if !set["n"] {
		trials = 20
	}
	if peer <= 0 || bound <= 0 || peer <= bound || trials < 1 {
		return usageError(fs, "-cures: -peer (%v) and -bound (%v) must be positive, -peer longer than -bound; -n positive", peer, bound)
	}
	cfg := curesConfig{peer: peer, bound: bound, kills: trials, signals: 100 * trials}
	rows, err := runCures(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pysig race -cures:", err)
		return 1
	}
	printCures(cfg, rows)
	return 0
}
