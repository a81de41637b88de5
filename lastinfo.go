//go:build linux && cgo

package pysignal

import (
	"encoding/binary"
	"runtime"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// infoRecord mirrors the C core's struct pysig_info: the siginfo of one
// signal's latest recorded delivery, under a sequence lock (handler.h).
type infoRecord struct {
	seq          uint64 // even: complete; odd: a handler is writing; 0: nothing yet
	code, errno  int32
	word0, word1 uint64 // the first 16 bytes of the kernel's union
}

// LastSigInfo returns the siginfo of the latest recorded delivery of sig,
// and ok false if none has been recorded since the program started (or sig
// is out of range). Beyond CPython, which drops the siginfo: the C handler
// runs with SA_SIGINFO and records, for every signal it handles, what the
// kernel told it, before it trips the signal. Code follows the sigwait
// family's rules (glibc folds the kernel's SI_TKILL into SIUser).
//
// "Latest" under coalescing: deliveries of sig that arrive before its
// handler runs coalesce into one run, and each overwrites the record, so the
// handler sees the last of them (or one that arrived while it was starting).
// Two deliveries taken at the same moment by two threads overlap: the one
// that finds the other writing leaves the record to it. Deliveries counts
// every one. SetInterruptEx records nothing. It may be called from any
// goroutine; it waits (yielding) while a handler on another thread is
// writing the record, which takes a few stores.
func LastSigInfo(sig unix.Signal) (info SigInfo, ok bool) {
	if sig < 1 || sig >= nsig {
		return SigInfo{}, false
	}
	r := &cInfo[sig]
	for {
		seq := atomic.LoadUint64(&r.seq)
		if seq == 0 {
			return SigInfo{Signo: sig}, false
		}
		if seq&1 != 0 {
			runtime.Gosched() // a handler on another thread is writing it
			continue
		}
		raw := rawSiginfo{Signo: int32(sig), Code: atomic.LoadInt32(&r.code), Errno: atomic.LoadInt32(&r.errno)}
		binary.NativeEndian.PutUint64(raw.Union[0:], atomic.LoadUint64(&r.word0))
		binary.NativeEndian.PutUint64(raw.Union[8:], atomic.LoadUint64(&r.word1))
		if atomic.LoadUint64(&r.seq) == seq {
			return raw.decode(), true
		}
	}
}

// infoSeen is Deliveries(sig) as the previous HandlerInfoFunc run for sig
// read it.
var infoSeen [nsig]atomic.Uint64

// deliverySince is what a HandlerInfoFunc run for sig is given. The C
// handler counts a delivery just after it trips the signal, so a delivery
// taken on another thread at that moment may be counted in the next run.
func deliverySince(sig unix.Signal) (SigInfo, uint64) {
	info, _ := LastSigInfo(sig)
	if sig < 1 || sig >= nsig {
		return info, 0
	}
	now := Deliveries(sig)
	prev := infoSeen[sig].Swap(now)
	if now < prev { // two runs raced (a Handle called off the main thread)
		return info, 0
	}
	return info, now - prev
}
