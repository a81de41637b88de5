//go:build linux && cgo

package pysignal

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// runChild runs a scenario in a child process (see startChild). It runs as
// Main's fn; it prints "ready" once the parent may send its signal.
func runChild(name string) int {
	switch name {
	case "keyboard-interrupt":
		return childKeyboardInterrupt()
	case "untouched":
		h, err := GetSignal(unix.SIGINT)
		fmt.Printf("GetSignal(SIGINT) = %v\n", h)
		if err != nil {
			return 3
		}
		fmt.Println("ready")
		time.Sleep(20 * time.Second) // the parent's SIGINT ends this
		return 4
	case "hold-lock-until-killed":
		return childHoldLockUntilKilled()
	}
	if f, ok := childScenarios[name]; ok {
		return f()
	}
	fmt.Fprintln(os.Stderr, "unknown child scenario", name)
	return 2
}

// childScenarios lets other test files add child scenarios.
var childScenarios = map[string]func() int{}

// childKeyboardInterrupt: the main thread waits in poll on the wakeup fd
// (race-free: the signal may land on any thread); KeyboardInterrupt ends the
// wait; then, as CPython does for an uncaught KeyboardInterrupt, the process
// kills itself with SIGINT under the default disposition.
func childKeyboardInterrupt() int {
	code := 0
	Call(func() {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			code = 3
			return
		}
		if _, err := Signal(unix.SIGINT, DefaultIntHandler); err != nil {
			code = 3
			return
		}
		if _, err := SetWakeupFD(p[1], true); err != nil {
			code = 3
			return
		}
		fmt.Println("ready")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			fds := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
			unix.Poll(fds, 1000)
			drain(p[0])
			if err := CheckSignals(); err != nil {
				fmt.Println(err)
				Signal(unix.SIGINT, Default)
				RaiseSignal(unix.SIGINT) // does not return
			}
		}
		code = 5
	})
	return code
}

// childHoldLockUntilKilled takes a POSIX write lock on the file named by
// PYSIGNAL_LOCK_PATH, says "ready", and keeps the lock until the parent kills
// it (a POSIX record lock belongs to a process: only another process can hold
// one against the test).
func childHoldLockUntilKilled() int {
	fd, err := unix.Open(os.Getenv("PYSIGNAL_LOCK_PATH"), unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	fmt.Println("ready")
	time.Sleep(30 * time.Second) // the parent kills it long before
	return 5
}
