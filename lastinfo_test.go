//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() {
	childScenarios["sigqueue-parent"] = childSigqueueParent
}

// queuedInfo is the siginfo glibc's sigqueue(3) builds: SI_QUEUE, the
// sender's pid and uid, and the value.
func queuedInfo(sig unix.Signal, pid int, uid int, value int64) rawSiginfo {
	info := rawSiginfo{Signo: int32(sig), Code: SIQueue}
	binary.NativeEndian.PutUint32(info.Union[0:], uint32(pid))
	binary.NativeEndian.PutUint32(info.Union[4:], uint32(uid))
	binary.NativeEndian.PutUint64(info.Union[8:], uint64(value))
	return info
}

// childSigqueueParent is sigqueue(getppid(), SIGUSR1, value), as glibc
// does it: one rt_sigqueueinfo with the child's own pid and uid.
func childSigqueueParent() int {
	value, err := strconv.ParseInt(os.Getenv("PYSIGNAL_SIGQUEUE_VALUE"), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	info := queuedInfo(unix.SIGUSR1, unix.Getpid(), unix.Getuid(), value)
	if _, _, e := unix.RawSyscall(unix.SYS_RT_SIGQUEUEINFO, uintptr(unix.Getppid()), uintptr(unix.SIGUSR1), uintptr(unsafe.Pointer(&info))); e != 0 {
		fmt.Fprintln(os.Stderr, "rt_sigqueueinfo:", e)
		return 4
	}
	return 0
}

// queueToThread is sigqueue to one thread (rt_tgsigqueueinfo): to the
// calling thread, the handler runs before it returns.
func queueToThread(tid int, info *rawSiginfo) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_TGSIGQUEUEINFO, uintptr(unix.Getpid()), uintptr(tid),
		uintptr(info.Signo), uintptr(unsafe.Pointer(info)), 0, 0); e != 0 {
		return e
	}
	return nil
}

// infoRun is one run of a HandlerInfoFunc.
type infoRun struct {
	info SigInfo
	n    uint64
}

func infoRecorder() (Handler, chan infoRun) {
	runs := make(chan infoRun, 4096)
	return HandlerInfoFunc(func(info SigInfo, n uint64) error {
		runs <- infoRun{info, n}
		return nil
	}), runs
}

// Issue 24.2: a child sends SIGUSR1 with sigqueue and a value; the handler
// sees the child's pid, its uid, SI_QUEUE and the value.
func TestHandlerInfoFuncSeesTheSigqueueSender(t *testing.T) {
	h, runs := infoRecorder()
	own(t, usr1, h)
	const value = 0x5eed_0000_0042
	cmd := childCommand("PYSIGNAL_TEST_CHILD=sigqueue-parent", "PYSIGNAL_SIGQUEUE_VALUE="+strconv.Itoa(value))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	select {
	case r := <-runs:
		want := SigInfo{Signo: usr1, Code: SIQueue, Pid: int32(cmd.Process.Pid), UID: uint32(unix.Getuid()),
			Band: int64(cmd.Process.Pid) | int64(unix.Getuid())<<32, Value: value, FD: int32(value & 0xffffffff), Status: int32(value & 0xffffffff)}
		if r.info != want || r.n != 1 {
			t.Errorf("handler got %+v, n=%d\nwant %+v, n=1", r.info, r.n, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not run within 5 s")
	}
}

// Deliveries that coalesce into one run: the run sees the latest and counts
// them all. A tgkill (RaiseSignal) reads as SI_USER, as the sigwait family
// reports it; a run that SetInterruptEx caused counts nothing and sees the
// record as it was.
func TestHandlerInfoFuncCoalescesToTheLatest(t *testing.T) {
	h, runs := infoRecorder()
	own(t, usr1, h)
	pid, uid := unix.Getpid(), unix.Getuid()
	var got []infoRun
	take := func() error {
		for {
			select {
			case r := <-runs:
				got = append(got, r)
			default:
				return nil
			}
		}
	}
	must(t, onMain(func() error {
		for v := int64(1); v <= 3; v++ { // no check in between: they coalesce
			info := queuedInfo(usr1, pid, uid, v)
			if err := queueToThread(unix.Gettid(), &info); err != nil {
				return err
			}
		}
		if err := CheckSignals(); err != nil {
			return err
		}
		if err := RaiseSignal(usr1); err != nil { // runs the handler itself
			return err
		}
		if err := SetInterruptEx(usr1); err != nil {
			return err
		}
		if err := CheckSignals(); err != nil {
			return err
		}
		return take()
	}))
	queued := SigInfo{Signo: usr1, Code: SIQueue, Pid: int32(pid), UID: uint32(uid), Band: int64(pid) | int64(uid)<<32, Value: 3, FD: 3, Status: 3}
	raised := SigInfo{Signo: usr1, Code: SIUser, Pid: int32(pid), UID: uint32(uid), Band: int64(pid) | int64(uid)<<32}
	want := []infoRun{{queued, 3}, {raised, 1}, {raised, 0}}
	if qemu != "" && len(got) == len(want) {
		// Seen under qemu-user only: after a tgkill, the union's
		// second word reads as the previous (queued) delivery's.
		for i := 1; i < len(got); i++ {
			want[i].info.Status, want[i].info.Value, want[i].info.FD = got[i].info.Status, got[i].info.Value, got[i].info.FD
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d runs %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d: %+v\nwant    %+v", i, got[i], want[i])
		}
	}
}

// Several threads take the same signal at once, each with its own record
// (pid == uid == value); every record read, by the handler on the main
// thread and by a reader on another goroutine, is one of them whole.
func TestLastSigInfoIsNeverTorn(t *testing.T) {
	var torn []SigInfo
	var mu sync.Mutex
	pid, uid := int32(unix.Getpid()), uint32(unix.Getuid())
	whole := func(info SigInfo) bool {
		if info.Code == SIUser { // an earlier test's raise, not yet overwritten
			// (under qemu-user its union's second word reads as the
			// delivery before it: TestHandlerInfoFuncCoalescesToTheLatest)
			return info.Pid == pid && info.UID == uid && (info.Value == 0 || qemu != "")
		}
		return info.Code == SIQueue && int64(info.Pid) == info.Value && int64(info.UID) == info.Value
	}
	note := func(info SigInfo) {
		mu.Lock()
		if len(torn) < 5 {
			torn = append(torn, info)
		}
		mu.Unlock()
	}
	runs := 0
	own(t, usr1, HandlerInfoFunc(func(info SigInfo, n uint64) error {
		runs++
		if !whole(info) {
			note(info)
		}
		return nil
	}))
	const senders, each = 4, 2000
	before := Deliveries(usr1)
	done := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() { // reads while they write
		defer readers.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if info, ok := LastSigInfo(usr1); ok && !whole(info) {
				note(info)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := 0; i < each; i++ {
				v := int64(1000 + s*each + i)
				info := queuedInfo(usr1, int(v), int(v), v)
				if err := queueToThread(unix.Gettid(), &info); err != nil {
					errs <- err
					return
				}
			}
		}(s)
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	must(t, onMain(CheckSignals))
	if got := Deliveries(usr1) - before; got != senders*each {
		t.Errorf("Deliveries counted %d, want %d", got, senders*each)
	}
	if runs == 0 {
		t.Error("the handler never ran")
	}
	if len(torn) > 0 {
		t.Errorf("torn records: %+v", torn)
	}
}

func TestLastSigInfoOutOfRange(t *testing.T) {
	for _, sig := range []unix.Signal{0, -1, nsig} {
		if info, ok := LastSigInfo(sig); ok || info != (SigInfo{Signo: sig}) && info != (SigInfo{}) {
			t.Errorf("LastSigInfo(%d) = %+v, %v; want nothing", sig, info, ok)
		}
	}
}
