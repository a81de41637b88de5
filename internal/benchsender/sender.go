//go:build linux && cgo

// Package benchsender holds the senders of `pysig bench`: the cross-thread
// latency sender (sender.h), seen from Go, whose C code the C floor and the
// CPython script use too, and the throughput scenario's sender child
// (flood.go), which pysig and the os/signal program both start, so every
// implementation is measured against the same sender.
package benchsender

/*
#cgo CFLAGS: -O2 -Wall
#include "sender.h"
*/
import "C"

import (
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var sentAt = (*int64)(unsafe.Pointer(&C.bench_sent_at))

// Start starts the sender thread: n samples of sig, pace apart.
func Start(n int, sig unix.Signal, pace time.Duration) error {
	if e := C.bench_start(C.int(n), C.int(sig), C.long(pace)); e != 0 {
		return syscall.Errno(e)
	}
	return nil
}

// SentAt is the CLOCK_REALTIME time (ns) of the current sample's kill,
// read without a cgo call; compare it with time.Now().UnixNano().
func SentAt() int64 { return atomic.LoadInt64(sentAt) }

// Ack lets the sender go on to the next sample.
func Ack() { C.bench_ack() }

// Stop ends the sender and waits for its thread.
func Stop() { C.bench_stop() }
