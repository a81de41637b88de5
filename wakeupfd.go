//go:build linux && cgo

package pysignal

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The wakeup fd as the package installed it.
//
// A number is not a file: once an fd is closed the kernel hands its number
// to the next open, socket or accept. So the package keeps, next to the
// number, the identity of the file it was given (st_dev, st_ino, fixed at
// SetWakeupFD), and puts back a number it kept (Wakeup.Close) only while the
// number still names that file. And after replacing the wakeup fd it waits
// until no C handler is still writing to the old one, so that the caller
// may close it at once.
//
// What cannot be prevented: a program that closes the fd while it is the
// wakeup fd gets the signal bytes written to whatever reuses the number
// (CPython too). Checking in the handler would cost a system call per
// signal and would still race with the close.

// A fileID is what makes an open file the same file: (st_dev, st_ino). Both
// ends of a pipe share one.
type fileID struct{ dev, ino uint64 }

// identify returns fd's identity, and whether it is a socket.
func identify(fd int) (id fileID, socket bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fileID{}, false, err
	}
	return fileID{st.Dev, st.Ino}, st.Mode&unix.S_IFMT == unix.S_IFSOCK, nil
}

// installedID is the identity of the wakeup fd SetWakeupFD installed last.
// Only the main thread reads or writes it.
var installedID fileID

// currentWakeupFD decodes the wakeup fd as the C handler sees it (handler.h:
// a socket s is stored as -2-s). -1 means none.
func currentWakeupFD() int {
	v := int(atomic.LoadInt32(cWakeupFD))
	if v < -1 {
		return -2 - v
	}
	return v
}

// installWakeupFD makes fd (-1: none) the wakeup fd, written with send(2)
// if it is a socket, and returns the previous one. It returns only when no
// handler is still writing to the previous fd.
func installWakeupFD(fd int, warn bool, id fileID, socket bool) (old int) {
	w := int32(0)
	if warn {
		w = 1
	}
	atomic.StoreInt32(cWakeupWarn, w)
	v := int32(fd)
	if socket {
		v = int32(-2 - fd)
	}
	old = int(atomic.SwapInt32(cWakeupFD, v))
	if old < -1 {
		old = -2 - old
	}
	installedID = id
	// A handler counts itself before it loads the fd: once the count is
	// zero, every handler still to come loads the new one. Handlers are a
	// few system calls long; this waits for at most those in flight.
	for atomic.LoadInt32(cWakeupWriters) != 0 {
		runtime.Gosched()
	}
	return old
}

// The stack of open Wakeups. Each installs its pipe as the wakeup fd and
// keeps what it replaced; its Close puts that back, and one closed out of
// order, whose pipe is no longer installed, hands it down to the Wakeup
// opened over it instead.

// wakeupTarget is a wakeup fd as installed: its number, and the identity of
// the file it named then.
type wakeupTarget struct {
	fd     int
	id     fileID
	socket bool
	warn   bool
}

// openWakeups are the Wakeups not yet closed, oldest first (main thread only).
var openWakeups []*Wakeup

// pushWakeup makes wk's pipe the wakeup fd and puts wk on the stack, with
// what it replaces as wk.prev.
func pushWakeup(wk *Wakeup) {
	wk.prev = wakeupTarget{fd: currentWakeupFD(), id: installedID,
		socket: atomic.LoadInt32(cWakeupFD) < -1, warn: atomic.LoadInt32(cWakeupWarn) != 0}
	installWakeupFD(wk.w, false, wk.id, false)
	openWakeups = append(openWakeups, wk)
}

// popWakeup takes wk off the stack. If the wakeup fd is still wk's pipe it
// puts back wk.prev (restore); otherwise a Wakeup opened over wk that would
// put back wk's pipe puts back wk.prev instead.
func popWakeup(wk *Wakeup) error {
	openWakeups = slices.DeleteFunc(openWakeups, func(o *Wakeup) bool { return o == wk })
	if currentWakeupFD() == wk.w && installedID == wk.id {
		return wk.prev.restore()
	}
	for _, o := range openWakeups {
		if o.prev.fd == wk.w && o.prev.id == wk.id {
			o.prev = wk.prev
		}
	}
	return nil
}

// restore installs t again if its fd still names the same file, and
// otherwise disables the wakeup fd and returns ErrWakeupFDReplaced.
func (t wakeupTarget) restore() error {
	if t.fd == -1 {
		installWakeupFD(-1, true, fileID{}, false)
		return nil
	}
	if id, socket, err := identify(t.fd); err != nil || id != t.id || socket != t.socket {
		installWakeupFD(-1, true, fileID{}, false)
		return fmt.Errorf("%w: fd %d (disabled instead)", ErrWakeupFDReplaced, t.fd)
	}
	installWakeupFD(t.fd, t.warn, t.id, t.socket)
	return nil
}
