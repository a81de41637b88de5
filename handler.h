/*
 * handler.h - the C half of pysignal: the async-signal-safe "trip" handler
 * and the state it shares with Go.
 *
 * This mirrors the signal_handler/trip_signal pair of CPython's
 * Modules/signalmodule.c.  The handler only sets flags, counts, and writes
 * one byte to an optional wakeup fd.  Go reads every variable below with
 * atomic loads through pointers taken once at start-up, so the fast path of
 * CheckSignals makes no cgo call.
 *
 * Every shared variable is a naturally aligned 32- or 64-bit integer and is
 * accessed with __atomic builtins on the C side (sequentially consistent,
 * except the relaxed delivery counters and the stores a later sequentially
 * consistent write publishes) and sync/atomic on the Go side.
 */
#ifndef PYSIGNAL_HANDLER_H
#define PYSIGNAL_HANDLER_H

#include <signal.h>
#include <stdint.h>

/* Linux signal numbers are 1..64; glibc's NSIG is 65. */
#define PYSIG_NSIG 65

/* The pending word: CPython's per-signal Handlers[sig].tripped flags and
 * its global is_tripped, packed so that the handler sets both with one
 * atomic OR and CheckSignals' fast path is one load of a non-zero word.
 * Bit sig is signal sig for 1..63.  Bit 0 (PYSIG_PENDING_MORE) says "look
 * further": signal 64, whose own flag is pysig_tripped_64 (set before the
 * bit), or a failed wakeup write queued in the ring below.  The handler
 * only ORs bits in; Go, on the main thread only, takes them out.  A check
 * starts by swapping the word for 0 into a Go-side stash (CPython's clear
 * of is_tripped: the flags now live in the stash), so a check nested in a
 * handler finds the word non-zero only if a signal arrived since (or a
 * nested handler failed).  Each signal's bit is cleared just before its
 * handler runs, as CPython clears one tripped flag, so a signal that
 * arrives again before its turn coalesces, and one that arrives after it
 * runs at the next check.  What a check leaves (a handler error, a panic)
 * is ORed back into the word.
 * Details: checksignals.go, docs/design.md "The shape". */
extern uint64_t pysig_pending;
extern int32_t pysig_tripped_64;
#define PYSIG_PENDING_MORE 1ull

/* How many times the C handler ran for each signal (beyond CPython). */
extern uint64_t pysig_deliveries[PYSIG_NSIG];

/* The siginfo of each signal's latest recorded delivery (beyond CPython:
 * who sent it).  The handler runs with SA_SIGINFO and, before it trips the
 * signal, copies what the kernel gave it here: si_code, si_errno, the first
 * 16 bytes of the kernel's union (pid and uid, or band; then sigval, status
 * or fd).
 *
 * seq is a sequence lock that several writers may contend for, since
 * several threads can take the same signal at once: a handler claims the
 * record by a compare-and-swap of seq from even to odd, writes the fields,
 * and publishes them by storing seq + 2 (release).  A handler that finds
 * seq odd leaves the record to the write in progress (their deliveries
 * overlap; either may count as the latest) and is still counted in
 * pysig_deliveries.  The reader (Go, any thread) loads seq, the fields,
 * seq again, and retries until both are the same even value, so it never
 * sees a torn record.  seq 0: nothing recorded yet.  Because the record is
 * written before the trip, a handler that runs because sig tripped reads a
 * record at least as new as the delivery that tripped it. */
struct pysig_info {
	uint64_t seq;
	int32_t code;  /* si_code, as the kernel gave it (SI_TKILL unfolded) */
	int32_t err;   /* si_errno */
	uint64_t word0; /* bytes 0..7 of the union: si_pid | si_uid << 32, or si_band */
	uint64_t word1; /* bytes 8..15: si_value, si_status, or si_fd */
};
extern struct pysig_info pysig_info[PYSIG_NSIG];

/* The wakeup fd (CPython: wakeup.fd, -1 when unset) and its
 * warn_on_full_buffer flag.  One word says both which fd and how to write
 * it, so the handler never pairs an fd with another fd's kind: a value
 * >= 0 is written with write(2); a socket s is stored as -2 - s and written
 * with send(2, MSG_NOSIGNAL).  The handler sets it to -1 itself after EPIPE
 * from a pipe. */
extern int32_t pysig_wakeup_fd;
extern int32_t pysig_wakeup_warn;
#define PYSIG_WAKEUP_SOCKET(v) (-2 - (v)) /* encodes and decodes */

/* How many handlers are between loading pysig_wakeup_fd and finishing
 * their write to it.  After replacing the fd, Go waits for 0 before it
 * lets the old fd be closed. */
extern int32_t pysig_wakeup_writers;

/* The failed wakeup writes that must be reported, one entry per failure
 * (CPython's queue of pending calls, one per failure): a ring of errno
 * values.  The handler reserves the slot head % PYSIG_WAKEUP_QUEUE (a
 * compare-and-swap on head, refused while the ring is full), stores errno
 * there, then sets PYSIG_PENDING_MORE.  Go, on the main thread only, takes
 * the slot at tail: a slot still 0 is reserved but not yet written, and is
 * taken at a later check.  Go zeroes a slot before it advances tail past
 * it.  Failures that find the ring full are counted in
 * pysig_wakeup_dropped and reported together, with the last one's errno. */
#define PYSIG_WAKEUP_QUEUE 64
extern int32_t pysig_wakeup_errs[PYSIG_WAKEUP_QUEUE];
extern uint32_t pysig_wakeup_head;
extern uint32_t pysig_wakeup_tail;
extern uint32_t pysig_wakeup_dropped;
extern int32_t pysig_wakeup_dropped_errno; /* the last one dropped */

/* Idle notification for pysignal.Main: while pysig_idle_waiting is 1 the
 * handler also adds 1 to the eventfd pysig_idle_fd, so a main thread that
 * sleeps on it wakes up.  This is internal to Main and independent of the
 * user-visible wakeup fd. */
extern int32_t pysig_idle_fd;
extern int32_t pysig_idle_waiting;

/* Interrupting the main goroutine's wrapped call: while pysig_nudge_sig is
 * a signal number (0: off) and pysig_main_call_tid names the thread the main
 * goroutine is in a wrapped call on (0: none), the handler running on any
 * other thread also sends the nudge signal to that thread, so the call fails
 * with EINTR and the handler runs promptly, wherever the kernel delivered
 * the signal, unless the signal's handler restarts calls
 * (pysig_siginterrupt(sig, 0): the program asked for no EINTR).  The nudge
 * is marked (SI_QUEUE, this process, PYSIG_NUDGE_MAGIC): pysig_nudge, the
 * nudge signal's own handler, does nothing but end the call, and
 * pysig_handler, if the program handles the nudge signal itself, drops a
 * marked delivery.  At most one nudge is in flight at a time
 * (pysig_nudge_in_flight, cleared by its delivery). */
#define PYSIG_NUDGE_MAGIC 0x70797367 /* "pysg" */
extern int32_t pysig_nudge_sig;
extern int32_t pysig_main_call_tid;
extern int32_t pysig_nudge_in_flight;
/* Set when a nudge could not be sent; Go clears it (see onmain.go). */
extern int32_t pysig_nudge_failed;

/* The handler installed for every owned signal (SA_SIGINFO). */
void pysig_handler(int sig, siginfo_t *si, void *context);

/* trip_signal without a real signal: PyErr_SetInterruptEx.  Sets the flags
 * and writes the wakeup byte, but does not count a delivery. */
void pysig_trip_signal(int sig);

/* The nudge signal's handler: its only effect is EINTR (and noting that
 * the nudge in flight has arrived). */
void pysig_nudge(int sig);

/* Dispositions as seen by pysig_disposition. */
enum {
	PYSIG_DFL = 0,   /* SIG_DFL */
	PYSIG_IGN = 1,   /* SIG_IGN */
	PYSIG_OURS = 2,  /* pysig_handler */
	PYSIG_OTHER = 3  /* somebody else's handler (the Go runtime's, usually) */
};

/* Installs a disposition (PYSIG_DFL, PYSIG_IGN or PYSIG_OURS).  Our handler
 * gets SA_SIGINFO, SA_ONSTACK, no SA_RESTART, and a full sa_mask.  The first call for a
 * signal saves the disposition it replaced.  Returns 0 or an errno value. */
int pysig_set(int sig, int kind);

/* Installs pysig_nudge for sig: SA_ONSTACK, a full sa_mask, no
 * SA_RESTART.  Returns 0 or an errno value. */
int pysig_set_nudge(int sig);

/* Returns the current disposition of sig (one of the enum above) or a
 * negative errno value. */
int pysig_disposition(int sig);

/* Returns 1 if sig's handler is somebody else's: neither SIG_DFL, SIG_IGN,
 * the package's handlers, nor the Go runtime's (the one SIGURG has). */
int pysig_foreign(int sig);

/* siginterrupt(3) done with sigaction: flag != 0 clears SA_RESTART,
 * flag == 0 sets it.  Returns 0 or an errno value. */
int pysig_siginterrupt(int sig, int flag);

/* Reads the sa_flags of sig's current disposition into *flags.
 * Returns 0 or an errno value. */
int pysig_flags(int sig, int *flags);

/* Puts back the disposition saved by the first pysig_set for sig, and
 * forgets it.  Returns 0 (also when nothing was saved) or an errno value. */
int pysig_restore(int sig);

/* Forgets the disposition saved for sig without touching the kernel: the
 * next pysig_set saves what it then replaces.  pysig_saved says whether
 * one is saved. */
void pysig_forget(int sig);
int pysig_saved(int sig);

/* The calling thread's kernel id, cached in thread-local storage (one
 * gettid system call per thread, ever). */
int pysig_gettid(void);

/* Records the process id and user id the nudge carries (at start-up). */
void pysig_set_process(void);

/* raise(3) as one tgkill to the calling thread.  glibc's raise blocks every
 * signal around its tgkill (three system calls); pysignal needs no such
 * guard because it never forks from a handler.  Returns 0 or errno. */
int pysig_raise(int sig);

#endif
