//go:build linux && cgo

package pysignal

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Issue 12, fault 4 (CPython bpo-35310): Select interrupted by a signal
// whose handler outlasts the deadline returns 0 with every set cleared, as
// after a kernel timeout. select(2) leaves the sets alone when it fails with
// EINTR, so without clearing them every fd the caller asked about would
// look ready. CPython 3.10–3.13 return three empty lists here (checked by
// running them).
func TestSelectAfterEINTRPastTheDeadlineClearsTheSets(t *testing.T) {
	const timeout = time.Second
	var end time.Time
	rec := HandlerFunc(func(unix.Signal) error {
		time.Sleep(time.Until(end) + 20*time.Millisecond) // outlast the deadline
		return nil
	})
	own(t, usr1, rec)
	r, _ := pipe(t, 0)                   // never readable
	_, fullW := pipe(t, unix.O_NONBLOCK) // never writable
	for {
		if _, err := unix.Write(fullW, make([]byte, 65536)); err != nil {
			break
		}
	}
	eintr := countEINTR(t, "select")
	interrupted(t, func() (int, error) {
		before := eintr.count()
		sent := make(chan error, 1)
		var n int
		var rs, ws, es unix.FdSet
		err := onMain(func() (err error) {
			rs.Set(r)
			ws.Set(fullW)
			es.Set(r)
			go func() {
				// select(2) sleeps in poll_schedule_timeout, as poll(2) does.
				if err := waitBlockedIn(MainThreadID(), "poll_schedule_timeout"); err != nil {
					sent <- err
					return
				}
				sent <- unix.Tgkill(unix.Getpid(), MainThreadID(), usr1)
			}()
			end = time.Now().Add(timeout)
			n, err = Select(max(r, fullW)+1, &rs, &ws, &es, timeout)
			return err
		})
		if err := <-sent; err != nil {
			return 0, err
		}
		if err != nil {
			return 0, err
		}
		var empty unix.FdSet
		if n != 0 || rs != empty || ws != empty || es != empty {
			t.Errorf("Select = %d with sets r %v w %v e %v still set; want 0 and all sets cleared",
				n, rs.IsSet(r), ws.IsSet(fullW), es.IsSet(r))
		}
		return eintr.count() - before, nil
	})
}
