//go:build linux && cgo

package pysignal

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
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

// mainThreadChildren are child scenarios that run on the main thread in
// place of the test binary's Main: each calls Main, MainContext or Exit
// itself, and never returns normally when it exits through Exit.
var mainThreadChildren = map[string]func(){
	"exit-nil":            func() { Exit(nil) },
	"exit-code-3":         func() { Exit(ExitCode(3)) },
	"exit-wrapped-code-4": func() { Exit(fmt.Errorf("giving up: %w", ExitCode(4))) },
	"exit-other":          func() { Exit(errors.New("boom: it broke")) },
	"exit-keyboard-interrupt": func() {
		Exit(ErrKeyboardInterrupt)
	},
	// os/signal wants SIGINT: the runtime's handler must not get the
	// signal Exit raises, or it would feed the channel instead of dying.
	"exit-keyboard-interrupt-notify": func() {
		signal.Notify(make(chan os.Signal, 1), os.Interrupt)
		Exit(ErrKeyboardInterrupt)
	},
	// The package owns SIGINT (DefaultIntHandler) and the main thread
	// blocks it: Exit must still die by it.
	"exit-keyboard-interrupt-owned-blocked": func() {
		if _, err := Signal(unix.SIGINT, DefaultIntHandler); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(5)
		}
		unix.PthreadSigmask(unix.SIG_BLOCK, sigset(unix.SIGINT), nil)
		Exit(fmt.Errorf("reading: %w", ErrKeyboardInterrupt))
	},
	// Main's fn calls Goexit: Main must say so, not wait forever.
	"main-fn-goexit": func() {
		Main(func() int { runtime.Goexit(); return 0 })
	},
	// A handler run by the idle loop calls Goexit, then fn makes a Call:
	// the program must end with a message, not hang in Call.
	"main-handler-goexit": func() {
		Main(func() int {
			Call(func() {
				Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { runtime.Goexit(); return nil }))
			})
			unix.Kill(unix.Getpid(), unix.SIGUSR1)
			for i := 0; i < 1000; i++ {
				Call(func() {})
			}
			return 0
		})
	},
	// A function run by Call calls Goexit on the main thread: Main says
	// so (or the Call's caller does, first), and nothing waits.
	"main-call-goexit": func() {
		Main(func() int {
			Call(func() { runtime.Goexit() })
			return 0
		})
	},
	// A handler panics in the idle loop; the panic is recovered around
	// Main; Main must then work again (exit status 7 comes from the second
	// Main's fn).
	"main-recovered-panic": func() {
		func() {
			defer func() { fmt.Fprintln(os.Stderr, "recovered:", recover()) }()
			Main(func() int {
				Call(func() {
					Signal(unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { panic("handler panic") }))
				})
				unix.Kill(unix.Getpid(), unix.SIGUSR1)
				select {} // the first Main ends by the panic, not by fn
			})
		}()
		Signal(unix.SIGUSR1, Default)
		os.Exit(Main(func() int {
			var tid int
			Call(func() { tid = unix.Gettid() })
			if tid != MainThreadID() {
				return 6
			}
			return 7
		}))
	},
	// Ctrl-C while Main's main thread is idle, with no unraisable hook:
	// the process ends by SIGINT, as CPython's uncaught KeyboardInterrupt.
	"main-idle-keyboard-interrupt": func() {
		os.Exit(Main(func() int {
			var err error
			Call(func() { _, err = Signal(unix.SIGINT, DefaultIntHandler) })
			if err != nil {
				return 3
			}
			fmt.Println("ready")
			time.Sleep(20 * time.Second) // the parent's SIGINT ends the process
			return 4
		}))
	},
}
