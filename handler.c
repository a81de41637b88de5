/*
 * handler.c - the async-signal-safe core of pysignal.
 *
 * Three sections:
 *   1. Signal context: pysig_handler and what it calls.  Only atomics and
 *      async-signal-safe system calls are used here: write(2) and send(2)
 *      for the wakeup fd, gettid(2) and rt_tgsigqueueinfo(2) (through
 *      syscall(2)) to nudge the thread the main goroutine blocks on;
 *      `make asyncsafe` checks the object file against an allowlist, so a
 *      stray library call in this section fails the build.
 *   2. Installation: sigaction wrappers called from Go through cgo, never
 *      from a signal handler.
 *   3. Threads: the process id, recorded once, and RaiseSignal's
 *      tgkill(2) to the calling thread; called from Go, never from a
 *      signal handler.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gettid, tgkill */
#endif
#include "handler.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t pysig_pending;
int32_t pysig_tripped_64;
uint64_t pysig_deliveries[PYSIG_NSIG];
struct pysig_info pysig_info[PYSIG_NSIG];
int32_t pysig_wakeup_fd = -1;
int32_t pysig_wakeup_writers;
int32_t pysig_wakeup_warn = 1;
int32_t pysig_wakeup_errs[PYSIG_WAKEUP_QUEUE];
uint32_t pysig_wakeup_head;
uint32_t pysig_wakeup_tail;
uint32_t pysig_wakeup_dropped;
int32_t pysig_wakeup_dropped_errno;
int32_t pysig_idle_fd = -1;
int32_t pysig_idle_waiting;
int32_t pysig_nudge_sig;
int32_t pysig_main_call_tid;
int32_t pysig_nudge_failed;

/* Section 3's process ids, read by the handler (set once, before any
 * handler is installed). */
static int process_id;
static int process_uid;

#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* ---- 1. Signal context ------------------------------------------------ */

/* One atomic OR marks sig tripped and the process as having a signal
 * pending (see handler.h).  It is also the full barrier that orders the
 * trip before notify()'s load of pysig_idle_waiting, against Main, which
 * sets that flag and then loads the pending word. */
static void trip(int sig)
{
	uint64_t bit = PYSIG_PENDING_MORE;
	if (sig < 64)
		bit = 1ull << sig;
	else
		__atomic_store_n(&pysig_tripped_64, 1, __ATOMIC_RELAXED); /* ordered by the OR */
	__atomic_fetch_or(&pysig_pending, bit, __ATOMIC_SEQ_CST);
}

/* Writes one byte to the wakeup fd as pysig_wakeup_fd encodes it: a socket
 * with send(MSG_NOSIGNAL), so that a peer that is gone gives EPIPE and no
 * SIGPIPE (CPython uses write(2) and livelocks when SIGPIPE has a handler);
 * anything else with write(2).  Retries EINTR; returns write's result. */
static ssize_t wakeup_write(int32_t fd, unsigned char byte)
{
	ssize_t n;
	do {
		if (fd >= 0)
			n = write(fd, &byte, 1);
		else
			n = send(PYSIG_WAKEUP_SOCKET(fd), &byte, 1, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* Queues err for the next CheckSignals to report (see handler.h), then
 * makes sure that check takes the slow path, even if a check ran between
 * trip() and here. */
static void queue_wakeup_error(int32_t err)
{
	uint32_t head = LOAD(&pysig_wakeup_head);
	for (;;) {
		if (head - LOAD(&pysig_wakeup_tail) >= PYSIG_WAKEUP_QUEUE) {
			STORE(&pysig_wakeup_dropped_errno, err);
			__atomic_fetch_add(&pysig_wakeup_dropped, 1, __ATOMIC_SEQ_CST);
			break;
		}
		/* On failure head is reloaded and the test above is redone. */
		if (__atomic_compare_exchange_n(&pysig_wakeup_head, &head, head + 1, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			STORE(&pysig_wakeup_errs[head % PYSIG_WAKEUP_QUEUE], err);
			break;
		}
	}
	__atomic_fetch_or(&pysig_pending, PYSIG_PENDING_MORE, __ATOMIC_SEQ_CST);
}

/* Writes the signal number to the wakeup fd.  Counted in
 * pysig_wakeup_writers from before its load of the fd until after the
 * write, so that Go can wait until no handler still writes to an fd it has
 * replaced. */
static void write_wakeup(int sig)
{
	__atomic_fetch_add(&pysig_wakeup_writers, 1, __ATOMIC_SEQ_CST);
	int32_t fd = LOAD(&pysig_wakeup_fd);
	if (fd != -1) {
		ssize_t n = wakeup_write(fd, (unsigned char)sig);
		if (n < 0) {
			int err = errno;
			/* A pipe whose reader is gone raises SIGPIPE on every
			 * write: with a SIGPIPE handler that is a livelock.  Stop
			 * writing to it (unless Go replaced it meanwhile). */
			if (err == EPIPE && fd >= 0)
				__atomic_compare_exchange_n(&pysig_wakeup_fd, &fd, -1, 0,
							    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			int full = err == EAGAIN || err == EWOULDBLOCK;
			if (!full || LOAD(&pysig_wakeup_warn))
				queue_wakeup_error(err);
		}
	}
	__atomic_fetch_sub(&pysig_wakeup_writers, 1, __ATOMIC_SEQ_CST);
}

/* After trip() (bpo-30038: a byte written before the flags could wake a
 * reader that then finds nothing pending): writes to the wakeup fd if there
 * is one, then pokes Main's idle eventfd if Main is waiting on it.  The
 * first load of the fd spares the counter's two locked instructions when
 * there is none; a handler that saw no fd writes to none. */
static void notify(int sig)
{
	if (LOAD(&pysig_wakeup_fd) != -1)
		write_wakeup(sig);
	if (LOAD(&pysig_idle_waiting)) {
		uint64_t one = 1;
		int efd = LOAD(&pysig_idle_fd);
		if (efd >= 0)
			(void)!write(efd, &one, sizeof one);
	}
}

/* 1 while a nudge sent by nudge_main has not yet been delivered: the nudge
 * is a real-time signal, which the kernel queues, so without it a storm
 * handled on other threads would queue one per signal.  Go clears it too as
 * the main goroutine enters a wrapped call, so that a nudge lost with its
 * thread cannot stop the next ones. */
int32_t pysig_nudge_in_flight;

/* Bit sig - 1 is set while sig's handler has SA_RESTART
 * (pysig_siginterrupt(sig, 0)): a signal the program asked to restart
 * calls must not interrupt the main thread's call through a nudge either,
 * since the nudge's own handler has no SA_RESTART. */
static uint64_t restart_mask;

/* Sends the nudge signal to thread tid, marked as a nudge (see
 * is_nudge): SI_QUEUE from this process with PYSIG_NUDGE_MAGIC as its value.
 * glibc has no wrapper for rt_tgsigqueueinfo(2). */
static long send_nudge(int tid, int nudge)
{
	siginfo_t si;
	__builtin_memset(&si, 0, sizeof si);
	si.si_signo = nudge;
	si.si_code = SI_QUEUE;
	si.si_pid = process_id;
	si.si_uid = process_uid;
	si.si_value.sival_int = PYSIG_NUDGE_MAGIC;
	return syscall(SYS_rt_tgsigqueueinfo, process_id, tid, nudge, &si);
}

/* A signal taken by another thread interrupts the main goroutine's wrapped
 * call too (see pysig_nudge_sig and pysig_main_call_tid).  The check after
 * EINTR comes after the nudge's delivery cleared nudge_in_flight, so a trip
 * that found a nudge in flight and sent none is seen by that check. */
static void nudge_main(int sig)
{
	int nudge = LOAD(&pysig_nudge_sig);
	int tid = LOAD(&pysig_main_call_tid);
	if (nudge > 0 && tid > 0 && !(LOAD(&restart_mask) >> (sig - 1) & 1) && gettid() != tid &&
	    __atomic_exchange_n(&pysig_nudge_in_flight, 1, __ATOMIC_SEQ_CST) == 0 &&
	    send_nudge(tid, nudge) != 0) {
		/* Not sent: EAGAIN (the queue of real-time signals is full) or
		 * ESRCH (Go named a thread that has gone).  A later trip must
		 * try again, and Go forgets the thread ids it keeps. */
		STORE(&pysig_nudge_in_flight, 0);
		STORE(&pysig_nudge_failed, 1);
	}
}

/* A delivery of the nudge signal that nudge_main sent, rather than one a
 * program or another process sent. */
static int is_nudge(int sig, const siginfo_t *si)
{
	return si != NULL && sig == LOAD(&pysig_nudge_sig) && si->si_code == SI_QUEUE &&
	       si->si_pid == process_id && si->si_value.sival_int == PYSIG_NUDGE_MAGIC;
}

void pysig_nudge(int sig)
{
	(void)sig;
	STORE(&pysig_nudge_in_flight, 0);
}


/* Copies si into sig's record (see handler.h): claim
 * the record (seq even to odd), write, publish (seq + 2).  A record another
 * thread is writing is left to it. */
static void record(int sig, const siginfo_t *si)
{
	struct pysig_info *r = &pysig_info[sig];
	uint64_t seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	do {
		if (seq & 1)
			return; /* an overlapping delivery is writing it */
	} while (!__atomic_compare_exchange_n(&r->seq, &seq, seq + 1, 0,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	/* The odd seq is visible before any field changes. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint64_t w0, w1;
	const char *u = (const char *)&si->si_pid; /* the union's first byte */
	__builtin_memcpy(&w0, u, sizeof w0);
	__builtin_memcpy(&w1, u + sizeof w0, sizeof w1);
	__atomic_store_n(&r->code, si->si_code, __ATOMIC_RELAXED);
	__atomic_store_n(&r->err, si->si_errno, __ATOMIC_RELAXED);
	__atomic_store_n(&r->word0, w0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->word1, w1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->seq, seq + 2, __ATOMIC_RELEASE);
}

/* The delivery is recorded before the trip, so that the Go handler the
 * trip lets run finds it (handler.h), and counted after it, so that a
 * delivery Go has seen counted has tripped. */
void pysig_handler(int sig, siginfo_t *si, void *context)
{
	(void)context;
	int saved_errno = errno;
	if (is_nudge(sig, si)) {
		/* The program handles the nudge signal itself (Signal(SIGRTMAX,
		 * h)): a nudge is not a delivery; its effect is the EINTR. */
		STORE(&pysig_nudge_in_flight, 0);
	} else if (sig > 0 && sig < PYSIG_NSIG) {
		if (si != NULL)
			record(sig, si);
		trip(sig);
		__atomic_fetch_add(&pysig_deliveries[sig], 1, __ATOMIC_RELAXED);
		notify(sig);
		nudge_main(sig);
	}
	errno = saved_errno;
}

void pysig_trip_signal(int sig)
{
	if (sig > 0 && sig < PYSIG_NSIG) {
		trip(sig);
		notify(sig);
		nudge_main(sig);
	}
}

/* ---- 2. Installation (never called in signal context) ------------------ */

/* The disposition each signal had before pysig_set first replaced it. */
static struct sigaction saved[PYSIG_NSIG];
static int have_saved[PYSIG_NSIG];

static int valid(int sig)
{
	return sig > 0 && sig < PYSIG_NSIG;
}

int pysig_set(int sig, int kind)
{
	struct sigaction sa, old;

	if (!valid(sig))
		return EINVAL;
	memset(&sa, 0, sizeof sa);
	switch (kind) {
	case PYSIG_DFL:
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		break;
	case PYSIG_IGN:
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		break;
	case PYSIG_OURS:
		sa.sa_sigaction = pysig_handler;
		/* Block every signal while the handler runs, so handler frames
		 * never nest on Go's 32 KiB signal stack.  A full set is a
		 * superset of the owned signals and needs no update when more
		 * are owned later; glibc leaves out its own 32 and 33. */
		sigfillset(&sa.sa_mask);
		/* SA_ONSTACK: the Go runtime requires it.  No SA_RESTART, as
		 * CPython: blocking calls fail with EINTR.  SA_SIGINFO (beyond
		 * CPython): the handler records who sent the signal. */
		sa.sa_flags = SA_ONSTACK | SA_SIGINFO;
		break;
	default:
		return EINVAL;
	}
	if (sigaction(sig, &sa, &old) != 0)
		return errno;
	__atomic_fetch_and(&restart_mask, ~(1ull << (sig - 1)), __ATOMIC_SEQ_CST);
	if (!have_saved[sig]) {
		saved[sig] = old;
		have_saved[sig] = 1;
	}
	return 0;
}

int pysig_set_nudge(int sig)
{
	struct sigaction sa, old;

	if (!valid(sig))
		return EINVAL;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pysig_nudge;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_ONSTACK;
	if (sigaction(sig, &sa, &old) != 0)
		return errno;
	if (!have_saved[sig]) { /* what Release gives back */
		saved[sig] = old;
		have_saved[sig] = 1;
	}
	return 0;
}

int pysig_disposition(int sig)
{
	struct sigaction cur;

	if (!valid(sig))
		return -EINVAL;
	if (sigaction(sig, NULL, &cur) != 0)
		return -errno;
	/* sa_handler and sa_sigaction share storage: SIG_DFL and SIG_IGN
	 * read the same whatever SA_SIGINFO says. */
	if (cur.sa_handler == SIG_DFL)
		return PYSIG_DFL;
	if (cur.sa_handler == SIG_IGN)
		return PYSIG_IGN;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == pysig_handler)
		return PYSIG_OURS;
	return PYSIG_OTHER;
}

int pysig_foreign(int sig)
{
	struct sigaction cur, rt;

	if (!valid(sig))
		return 0;
	if (sigaction(sig, NULL, &cur) != 0 || sigaction(SIGURG, NULL, &rt) != 0)
		return 0;
	/* sa_handler and sa_sigaction share storage. */
	if (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN ||
	    cur.sa_sigaction == pysig_handler || cur.sa_handler == pysig_nudge)
		return 0;
	/* The Go runtime installs one handler for every signal it handles,
	 * SIGURG (goroutine preemption) among them. */
	return cur.sa_handler != rt.sa_handler;
}

int pysig_siginterrupt(int sig, int flag)
{
	struct sigaction cur;

	if (!valid(sig))
		return EINVAL;
	if (sigaction(sig, NULL, &cur) != 0)
		return errno;
	if (flag)
		cur.sa_flags &= ~SA_RESTART;
	else
		cur.sa_flags |= SA_RESTART;
	if (sigaction(sig, &cur, NULL) != 0)
		return errno;
	if (flag)
		__atomic_fetch_and(&restart_mask, ~(1ull << (sig - 1)), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or(&restart_mask, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
	return 0;
}

int pysig_flags(int sig, int *flags)
{
	struct sigaction cur;

	if (!valid(sig))
		return EINVAL;
	if (sigaction(sig, NULL, &cur) != 0)
		return errno;
	*flags = cur.sa_flags;
	return 0;
}

int pysig_restore(int sig)
{
	if (!valid(sig))
		return EINVAL;
	if (!have_saved[sig])
		return 0;
	if (sigaction(sig, &saved[sig], NULL) != 0)
		return errno;
	have_saved[sig] = 0;
	return 0;
}

void pysig_forget(int sig)
{
	if (valid(sig))
		have_saved[sig] = 0;
}

int pysig_saved(int sig)
{
	return valid(sig) && have_saved[sig];
}

/* ---- 3. Threads (never called in signal context) ----------------------- */

static __thread int thread_tid;

int pysig_gettid(void)
{
	if (thread_tid == 0)
		thread_tid = (int)syscall(SYS_gettid);
	return thread_tid;
}

void pysig_set_process(void)
{
	process_id = getpid();
	process_uid = (int)getuid();
}

int pysig_raise(int sig)
{
	if (syscall(SYS_tgkill, process_id, pysig_gettid(), sig) != 0)
		return errno;
	return 0;
}
