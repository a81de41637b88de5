package pysignal

import (
	"io"
	"strconv"
)

// A ShortWrite is the cause of the error that a count-less send (Sendto,
// Sendmsg: x/sys/unix's signatures, which have no count) returns when the
// kernel sent only part of the buffer: a blocking stream socket whose send
// is interrupted by a signal after some bytes went, or a MSG_DONTWAIT send
// that filled the buffer. The bytes p[:N] were sent and the rest were not.
// CPython's socket.send returns the count instead; so do Send, SendtoN and
// SendmsgN, which a caller that can resume should use.
//
// It wraps io.ErrShortWrite: errors.Is(err, io.ErrShortWrite) finds it, and
// errors.As gives the count.
type ShortWrite struct {
	N   int // bytes sent
	Len int // bytes asked for
}

func (e *ShortWrite) Error() string {
	return "short write: " + strconv.Itoa(e.N) + " of " + strconv.Itoa(e.Len) + " bytes sent"
}

// Unwrap returns io.ErrShortWrite.
func (e *ShortWrite) Unwrap() error { return io.ErrShortWrite }
