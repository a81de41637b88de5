//go:build linux && cgo

package pysignal

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWaitidResult: the typed result carries CPython's os.waitid fields: a
// running child with WNOHANG gives Pid 0 (CPython: None); the same child
// killed by SIGTERM gives its pid, SIGCHLD, CLDKilled and status 15.
func TestWaitidResult(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	must(t, cmd.Start())
	pid := cmd.Process.Pid
	defer cmd.Process.Kill()
	res, err := Waitid(unix.P_PID, pid, unix.WEXITED|unix.WNOHANG, nil)
	if err != nil || res != (WaitidResult{}) {
		t.Fatalf("WNOHANG on a running child: %+v, %v; want the zero result", res, err)
	}
	must(t, unix.Kill(pid, unix.SIGTERM))
	var ru unix.Rusage
	res, err = Waitid(unix.P_PID, pid, unix.WEXITED, &ru)
	want := WaitidResult{Pid: pid, UID: unix.Getuid(), Signo: unix.SIGCHLD, Status: int(unix.SIGTERM), Code: CLDKilled}
	if err != nil || res != want {
		t.Fatalf("Waitid = %+v, %v; want %+v", res, err, want)
	}
}
