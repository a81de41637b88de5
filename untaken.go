package pysignal

import (
	"sync/atomic"
	"time"
)

// untakenLimit is SetUntakenLimit's value, in nanoseconds.
var untakenLimit atomic.Int64

func init() { untakenLimit.Store(int64(500 * time.Millisecond)) }

// SetUntakenLimit sets how long an error raised in MainContext's fn may go
// untaken before the process ends through Exit with it: the case where
// fn's goroutine is blocked where the package cannot interrupt it (an
// os.File read, a channel) and nothing waits on ctx, which CPython does not
// have (its main thread takes the exception at its next bytecode). The
// default is 500 ms; d <= 0 waits forever (a second Ctrl-C still ends the
// process). It returns a function that puts the previous limit back:
//
//	defer pysignal.SetUntakenLimit(5 * time.Second)()
//
// Beyond CPython.
func SetUntakenLimit(d time.Duration) (restore func()) {
	old := untakenLimit.Swap(int64(d))
	return func() { untakenLimit.Store(old) }
}
