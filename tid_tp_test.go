//go:build linux && cgo && (amd64 || arm64)

package pysignal

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pysignal/pysignal/internal/threadptr"
	"golang.org/x/sys/unix"
)

func init() {
	// The main goroutine's cached thread id is stale (a thread that has
	// gone): the first nudge fails, and the one after it must not.
	mainThreadChildren["plain-stale-tid"] = func() {
		p := failingUSR1AndPipe()
		runtime.LockOSThread() // one thread, whose cache entry is poisoned
		me := unix.Gettid()
		tp := threadptr.Get()
		tids[(tp*0x9E3779B97F4A7C15)>>60].tp = tp
		tids[(tp*0x9E3779B97F4A7C15)>>60].tid = 0x3fffffff // no such thread
		send := func(thenWrite bool) {
			runtime.LockOSThread() // this thread takes SIGUSR1
			if waitBlockedIn(me, "pipe_read") != nil || atomic.LoadInt32(cMainCallTID) == 0 {
				fmt.Println("the main goroutine never blocked")
				os.Exit(3)
			}
			unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGUSR1)
			if thenWrite {
				time.Sleep(50 * time.Millisecond)
				unix.Write(p[1], []byte{1})
			}
		}
		go send(true)
		n, err := Read(p[0], make([]byte, 1))
		fmt.Println("first read:", n, err, "then", CheckSignals())
		go send(false)
		watchdog := time.AfterFunc(5*time.Second, func() {
			fmt.Println("the second read was not interrupted")
			os.Exit(3)
		})
		_, err = Read(p[0], make([]byte, 1))
		watchdog.Stop()
		fmt.Println("second read:", err)
	}
}

func TestStaleThreadIDIsForgotten(t *testing.T) {
	skipUnderQEMU(t, noSIGRTMAX)
	var said []string
	got := finish(t, childCommand("PYSIGNAL_TEST_CHILD=plain-stale-tid"),
		func(line string, _ *os.Process, _ *os.File) error { said = append(said, line); return nil })
	want := []string{"first read: 1 <nil> then " + errFromUSR1.Error(), "second read: " + errFromUSR1.Error()}
	if got.String() != "exit status 0" || fmt.Sprint(said) != fmt.Sprint(want) {
		t.Errorf("child said %q, ended with %v (stderr %q); want %q", said, got, got.stderr, want)
	}
}
