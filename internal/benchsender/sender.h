/*
 * sender.h - the one cross-thread sender of `pysig bench`, shared by every
 * implementation measured: the C floor links it, CPython loads it with
 * ctypes, the pysignal and os/signal programs call it through cgo.
 *
 * The sender is a plain pthread that never runs Go or Python code and
 * blocks every signal, so the kernel delivers each kill to the receiver's
 * main thread.  For each sample it sleeps `pace` ns (nanosleep), stores the
 * CLOCK_REALTIME time in bench_sent_at, sends kill(getpid(), sig), then
 * blocks in read(2) until the receiver calls bench_ack: the receiver's CPU
 * state (idle, woken by the signal) is the same for every implementation.
 */
#ifndef PYSIG_BENCH_SENDER_H
#define PYSIG_BENCH_SENDER_H

#include <stdint.h>

/* CLOCK_REALTIME ns when the current sample's kill was sent: the clock
 * Go's time.Now().UnixNano(), Python's time.time_ns() and C read fastest
 * (vDSO), the same one in each. */
extern int64_t bench_sent_at;

/* Starts the sender thread for n samples of sig, pace_ns apart.  Returns 0
 * or an errno value. */
int bench_start(int n, int sig, long pace_ns);

/* The receiver took its sample: the sender goes on to the next one. */
void bench_ack(void);

/* Ends the sender early if needed and joins it. */
void bench_stop(void);

/* CLOCK_REALTIME now, in ns. */
int64_t bench_now(void);

#endif
