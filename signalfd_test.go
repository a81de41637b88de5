//go:build linux && cgo

package pysignal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// signalfd, the third cure (docs/race-windows.md), needs the signal blocked
// on every thread. A Go program cannot block it on the runtime's threads
// once they run, but every thread the runtime starts takes the mask the
// program started with, less the signals the runtime will not have blocked.
// So a signalfd works for SIGUSR1 when the program is started with it
// blocked, and never for SIGINT: the runtime unblocks it everywhere.

func init() {
	childScenarios["signalfd-inherited"] = childSignalfdInherited
}

// threadsBlocking counts the process's threads, and those that block sig,
// from /proc/self/task/*/status.
func threadsBlocking(sig unix.Signal) (threads, blocking int, err error) {
	paths, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		return 0, 0, err
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread is gone
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
				mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				if err != nil {
					return 0, 0, err
				}
				threads++
				if mask&(1<<(sig-1)) != 0 {
					blocking++
				}
			}
		}
	}
	return threads, blocking, nil
}

// childSignalfdInherited: started with SIGUSR1 and SIGINT blocked. It
// starts threads, owns SIGUSR1 (so that a delivery on any thread would be
// counted), then kills itself with SIGUSR1 20 times and reads each from a
// signalfd on the main thread.
func childSignalfdInherited() int {
	hold := make(chan struct{})
	defer close(hold)
	ready := make(chan struct{})
	for i := 0; i < 4; i++ { // four more threads, started from the runtime's mask
		go func() {
			runtime.LockOSThread()
			ready <- struct{}{}
			<-hold
		}()
		<-ready
	}
	var sfd int
	var err error
	Call(func() {
		if _, err = Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return nil })); err != nil {
			return
		}
		var set unix.Sigset_t
		set.Val[0] = 1 << (unix.SIGUSR1 - 1)
		sfd, err = unix.Signalfd(-1, &set, unix.SFD_CLOEXEC)
	})
	if err != nil {
		fmt.Println(err)
		return 3
	}
	threads, usr1, err := threadsBlocking(unix.SIGUSR1)
	if err != nil {
		fmt.Println(err)
		return 3
	}
	_, sigint, _ := threadsBlocking(unix.SIGINT)
	got := 0
	for i := 0; i < 20; i++ {
		unix.Kill(unix.Getpid(), unix.SIGUSR1)
		Call(func() {
			fds := []unix.PollFd{{Fd: int32(sfd), Events: unix.POLLIN}}
			if n, _ := unix.Poll(fds, 1000); n == 1 {
				var info unix.SignalfdSiginfo
				if n, _ := unix.Read(sfd, (*[unsafe.Sizeof(info)]byte)(unsafe.Pointer(&info))[:]); n == int(unsafe.Sizeof(info)) {
					got++
				}
			}
		})
	}
	fmt.Printf("threads %d usr1 %d int %d signalfd %d deliveries %d\n", threads, usr1, sigint, got, Deliveries(unix.SIGUSR1))
	return 0
}

func TestSignalfdWorksOnlyWithTheMaskTheProgramStartedWith(t *testing.T) {
	cmd := childCommand("PYSIGNAL_TEST_CHILD=signalfd-inherited")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	// The child inherits the mask of the thread that forks it.
	runtime.LockOSThread()
	var set, old unix.Sigset_t
	set.Val[0] = 1<<(unix.SIGUSR1-1) | 1<<(unix.SIGINT-1)
	must(t, unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old))
	err := cmd.Start()
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	runtime.UnlockOSThread()
	must(t, err)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	var threads, usr1, sigint, got, delivered int
	if _, err := fmt.Sscanf(out.String(), "threads %d usr1 %d int %d signalfd %d deliveries %d",
		&threads, &usr1, &sigint, &got, &delivered); err != nil {
		t.Fatalf("child said %q: %v", out.String(), err)
	}
	if qemu != "" && sigint != 0 {
		// /proc shows qemu-user's host threads' masks, which its own
		// critical sections and helper threads block at times: 1 or 2 of
		// them read as blocking SIGINT from run to run. The Go runtime's
		// unblocking cannot be read there.
		t.Logf("under %s %d threads read as blocking SIGINT (qemu's masks, not the guest's)", qemu, sigint)
		sigint = 0
	}
	if threads < 5 || usr1 != threads || sigint != 0 {
		t.Errorf("%d threads, %d block SIGUSR1, %d block SIGINT; want at least 5, all, none", threads, usr1, sigint)
	}
	if got != 20 || delivered != 0 {
		t.Errorf("the signalfd read %d of 20 kills, %d went to the C handler; want 20 and 0", got, delivered)
	}
}
