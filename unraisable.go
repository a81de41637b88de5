package pysignal

import (
	"fmt"
	"sync/atomic"
)

// An UnraisableError is an error that happened where nobody could receive
// it, handed to the unraisable hook: CPython's sys.unraisablehook argument.
type UnraisableError struct {
	// Msg says what was being done, as CPython's err_msg does, e.g.
	// "Exception ignored when trying to write to the signal wakeup fd".
	Msg string
	// Err is the error itself (an *Error with Op "write" for a failed
	// wakeup write, ErrIgnoredSignal wrapped, or a handler's error).
	Err error
}

func (e *UnraisableError) Error() string { return e.Msg + ": " + e.Err.Error() }

// Unwrap returns Err, so errors.Is sees through an UnraisableError.
func (e *UnraisableError) Unwrap() error { return e.Err }

// An UnraisableHook receives deferred errors: CPython's sys.unraisablehook.
// It runs on the main thread, inside CheckSignals or Main's idle loop (or
// inside Signal, GetSignal or Release, for ErrHandlerReplaced).
type UnraisableHook func(*UnraisableError)

var unraisableHook atomic.Pointer[UnraisableHook]

// SetUnraisableHook installs h (nil: the default, which writes
// "pysignal: <Msg>: <Err>" to standard error, and survives a standard error
// that is a broken pipe, as CPython does) and returns a function that
// puts back the hook it replaced: defer SetUnraisableHook(h)() scopes a hook.
// Reports go to the hook for: each failed wakeup-fd write (at the next
// CheckSignals), a signal ignored due to a race, a handler of the package's
// replaced by code outside it (ErrHandlerReplaced, once, from the Signal,
// GetSignal or Release on the main thread that notices), and a handler
// error in Main's idle loop, but that one only while the program has a hook
// of its own installed: with the default, it ends the process through
// Exit. Safe to call from any goroutine.
func SetUnraisableHook(h UnraisableHook) (restore func()) {
	return setHook(&unraisableHook, h, h == nil)
}

// defaultUnraisableHook writes the report to standard error with a write
// that a broken pipe there cannot turn into death by SIGPIPE (writeReport).
func defaultUnraisableHook(e *UnraisableError) {
	writeReport([]byte(fmt.Sprintf("pysignal: %v\n", e)))
}

func reportUnraisable(e *UnraisableError) {
	if p := unraisableHook.Load(); p != nil {
		(*p)(e)
		return
	}
	defaultUnraisableHook(e)
}
