//go:build linux && cgo

package clib

/*
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t runs[65];

static void clib_handler(int sig)
{
	if (sig > 0 && sig < 65)
		runs[sig]++;
}

// Installs clib_handler for sig (SA_ONSTACK, as Go requires of any
// handler in a Go program).  Returns 0 or -1.
static int clib_install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = clib_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

static int clib_runs(int sig) { return (sig > 0 && sig < 65) ? runs[sig] : 0; }
*/
import "C"

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Install installs the library's handler for sig with sigaction(2).
func Install(sig unix.Signal) error {
	if C.clib_install(C.int(sig)) != 0 {
		return fmt.Errorf("clib: sigaction(%d) failed", int(sig))
	}
	return nil
}

// Runs returns how many times the library's handler ran for sig.
func Runs(sig unix.Signal) int { return int(C.clib_runs(C.int(sig))) }
