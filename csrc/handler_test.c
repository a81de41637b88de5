/*
 * handler_test.c - the C core (handler.c) tested on its own, with no Go in
 * the process.  Built and run by `make ctest` under AddressSanitizer and
 * UBSan.  Every signal is raised synchronously (raise(3) on this thread, or
 * a sigprocmask unblock), so nothing here waits and nothing can hang.
 *
 * Output: one "ok - ..." or "not ok - ..." line per check; exit status 1 if
 * any check failed.
 */
#include "handler.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			printf("ok - ");                                       \
		} else {                                                       \
			printf("not ok - ");                                   \
			failures++;                                            \
		}                                                              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

/* take_wakeup_error takes the oldest queued wakeup-write errno, as Go
 * does, or returns 0 when none is queued. */
static int take_wakeup_error(void)
{
	uint32_t tail = pysig_wakeup_tail;
	if (tail == pysig_wakeup_head)
		return 0;
	int e = pysig_wakeup_errs[tail % PYSIG_WAKEUP_QUEUE];
	pysig_wakeup_errs[tail % PYSIG_WAKEUP_QUEUE] = 0;
	pysig_wakeup_tail = tail + 1;
	return e;
}

/* tripped reports whether sig's tripped flag is set: its bit of the pending
 * word, or for signal 64 its own flag with bit 0. */
static int tripped(int sig)
{
	uint64_t w = __atomic_load_n(&pysig_pending, __ATOMIC_SEQ_CST);
	if (sig == 64)
		return pysig_tripped_64 == 1 && (w & PYSIG_PENDING_MORE);
	return (w >> sig) & 1;
}

/* reset clears every flag and counter, and the wakeup settings. */
static void reset(void)
{
	for (int i = 0; i < PYSIG_NSIG; i++) {
		__atomic_store_n(&pysig_deliveries[i], 0, __ATOMIC_SEQ_CST);
	}
	memset(pysig_info, 0, sizeof pysig_info);
	__atomic_store_n(&pysig_pending, 0, __ATOMIC_SEQ_CST);
	pysig_tripped_64 = 0;
	pysig_wakeup_fd = -1;
	pysig_wakeup_warn = 1;
	while (take_wakeup_error() != 0)
		;
	pysig_wakeup_dropped = 0;
	pysig_idle_fd = -1;
	pysig_idle_waiting = 0;
}

static void nonblocking_pipe(int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
		perror("pipe2");
		exit(2);
	}
}

/* drain reads what a non-blocking fd holds into buf; returns the count. */
static int drain(int fd, unsigned char *buf, int size)
{
	int n = 0;
	ssize_t r;
	while (n < size && (r = read(fd, buf + n, size - n)) > 0)
		n += (int)r;
	return n;
}

static void block(const int *sigs, int n, sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* 1. One raise: flags, counter, and the wakeup byte. */
static void test_trip(void)
{
	int p[2];
	unsigned char buf[8];

	reset();
	nonblocking_pipe(p);
	pysig_wakeup_fd = p[1];
	CHECK(pysig_set(SIGUSR1, PYSIG_OURS) == 0, "install the handler for SIGUSR1");
	raise(SIGUSR1);
	CHECK(pysig_pending == 1ull << SIGUSR1, "raise sets SIGUSR1's bit of the pending word, and only it");
	CHECK(pysig_deliveries[SIGUSR1] == 1, "the delivery is counted once");
	int n = drain(p[0], buf, sizeof buf);
	CHECK(n == 1 && buf[0] == SIGUSR1, "the wakeup fd got one byte, the signal number (%d bytes)", n);
	pysig_restore(SIGUSR1);
	close(p[0]);
	close(p[1]);
}

/* 2. Flags and mask of the installed action; restore. */
static void test_install(void)
{
	struct sigaction cur;
	int flags = 0;

	reset();
	int before = pysig_disposition(SIGUSR2);
	pysig_set(SIGUSR2, PYSIG_OURS);
	pysig_flags(SIGUSR2, &flags);
	CHECK((flags & SA_ONSTACK) && !(flags & SA_RESTART), "SA_ONSTACK set, SA_RESTART clear (flags %#x)", flags);
	sigaction(SIGUSR2, NULL, &cur);
	CHECK(sigismember(&cur.sa_mask, SIGUSR1) && sigismember(&cur.sa_mask, SIGRTMIN + 5),
	      "sa_mask blocks other signals while the handler runs");
	CHECK(pysig_disposition(SIGUSR2) == PYSIG_OURS, "disposition reads back as ours");
	CHECK(pysig_restore(SIGUSR2) == 0 && pysig_disposition(SIGUSR2) == before,
	      "restore puts back the disposition found first (%d)", before);
	CHECK(pysig_restore(SIGUSR2) == 0 && pysig_disposition(SIGUSR2) == before, "a second restore changes nothing");
	pysig_set(SIGUSR2, PYSIG_IGN);
	CHECK(pysig_disposition(SIGUSR2) == PYSIG_IGN, "SIG_IGN reads back as ignore");
	pysig_set(SIGUSR2, PYSIG_OURS);
	CHECK(pysig_restore(SIGUSR2) == 0 && pysig_disposition(SIGUSR2) == before,
	      "ignore, then a handler, then restore: the disposition found first (%d)", before);
}

/* 3. siginterrupt toggles SA_RESTART and keeps the handler. */
static void test_siginterrupt(void)
{
	int flags = 0;

	reset();
	pysig_set(SIGUSR1, PYSIG_OURS);
	pysig_siginterrupt(SIGUSR1, 0);
	pysig_flags(SIGUSR1, &flags);
	CHECK(flags & SA_RESTART, "siginterrupt(sig, 0) sets SA_RESTART");
	pysig_siginterrupt(SIGUSR1, 1);
	pysig_flags(SIGUSR1, &flags);
	CHECK(!(flags & SA_RESTART), "siginterrupt(sig, 1) clears SA_RESTART");
	CHECK(pysig_disposition(SIGUSR1) == PYSIG_OURS, "the handler stays installed");
	pysig_restore(SIGUSR1);
}

/* 4. A failing wakeup write leaves errno alone and records the error. */
static void test_errno(void)
{
	int p[2];

	reset();
	nonblocking_pipe(p);
	pysig_wakeup_fd = p[0]; /* the read end: write(2) fails with EBADF */
	pysig_set(SIGUSR1, PYSIG_OURS);
	errno = ENOTTY;
	raise(SIGUSR1);
	int after = errno;
	CHECK(after == ENOTTY, "errno is preserved across the handler (%d)", after);
	int e = take_wakeup_error();
	CHECK(e == EBADF, "the failed write is queued as EBADF (%d)", e);
	CHECK(pysig_pending == ((1ull << SIGUSR1) | PYSIG_PENDING_MORE),
	      "the signal's bit and bit 0 are set, so the error is reported");
	pysig_restore(SIGUSR1);
	close(p[0]);
	close(p[1]);
}

/* 5. A full pipe: silent with warn off, recorded with warn on. */
static void test_full_pipe(void)
{
	int p[2];
	char junk[4096];

	memset(junk, 0, sizeof junk);
	for (int warn = 0; warn <= 1; warn++) {
		reset();
		nonblocking_pipe(p);
		while (write(p[1], junk, sizeof junk) > 0)
			;
		pysig_wakeup_fd = p[1];
		pysig_wakeup_warn = warn;
		pysig_set(SIGUSR1, PYSIG_OURS);
		raise(SIGUSR1);
		int e = take_wakeup_error();
		if (warn)
			CHECK(e == EAGAIN, "full pipe, warn on: EAGAIN queued");
		else
			CHECK(e == 0, "full pipe, warn off: nothing queued");
		CHECK(tripped(SIGUSR1) && pysig_deliveries[SIGUSR1] == 1,
		      "full pipe, warn %d: the signal still trips and counts", warn);
		pysig_restore(SIGUSR1);
		close(p[0]);
		close(p[1]);
	}
}

/* 6. Signals pending together arrive one after another, lowest first. */
static void test_order(void)
{
	int p[2];
	unsigned char buf[8];
	int sigs[] = {SIGUSR1, SIGUSR2, SIGALRM};
	sigset_t old;

	reset();
	nonblocking_pipe(p);
	pysig_wakeup_fd = p[1];
	for (int i = 0; i < 3; i++)
		pysig_set(sigs[i], PYSIG_OURS);
	block(sigs, 3, &old);
	raise(SIGALRM);
	raise(SIGUSR1);
	raise(SIGUSR2);
	sigprocmask(SIG_SETMASK, &old, NULL);
	int n = drain(p[0], buf, sizeof buf);
	CHECK(n == 3 && buf[0] == 10 && buf[1] == 12 && buf[2] == 14,
	      "bytes in delivery order 10 12 14 (got %d: %d %d %d)", n, buf[0], buf[1], buf[2]);
	CHECK(pysig_deliveries[10] == 1 && pysig_deliveries[12] == 1 && pysig_deliveries[14] == 1,
	      "each delivery counted once");
	for (int i = 0; i < 3; i++)
		pysig_restore(sigs[i]);
	close(p[0]);
	close(p[1]);
}

/* 7. 27 signals pending at once on a 32 KiB alternate stack: no nesting,
 * no crash (an empty sa_mask crashes with about 16 nested frames). */
static void test_no_nesting(void)
{
	enum { STACK = 32 * 1024, N = 27 };
	int p[2], sigs[N];
	unsigned char buf[64];
	sigset_t old;
	stack_t ss, oldss;

	reset();
	unsigned char *mem = malloc(STACK);
	memset(mem, 0xA5, STACK);
	ss.ss_sp = mem;
	ss.ss_size = STACK;
	ss.ss_flags = 0;
	sigaltstack(&ss, &oldss);

	nonblocking_pipe(p);
	pysig_wakeup_fd = p[1];
	sigs[0] = SIGUSR1;
	sigs[1] = SIGUSR2;
	for (int i = 2; i < N; i++)
		sigs[i] = SIGRTMIN + (i - 2);
	for (int i = 0; i < N; i++)
		pysig_set(sigs[i], PYSIG_OURS);
	block(sigs, N, &old);
	for (int i = N - 1; i >= 0; i--)
		raise(sigs[i]);
	sigprocmask(SIG_SETMASK, &old, NULL);

	int n = drain(p[0], buf, sizeof buf), ascending = 1, all = 1;
	for (int i = 1; i < n; i++)
		if (buf[i] <= buf[i - 1])
			ascending = 0;
	for (int i = 0; i < N; i++)
		if (!tripped(sigs[i]) || pysig_deliveries[sigs[i]] != 1)
			all = 0;
	CHECK(n == N && ascending, "%d bytes, ascending (got %d)", N, n);
	CHECK(all, "every one of the %d signals tripped and counted once", N);
	int used = STACK;
	while (used > 0 && mem[STACK - used] == 0xA5)
		used--;
	CHECK(used < STACK / 2, "deepest alternate-stack use %d bytes of %d (no nesting)", used, STACK);

	for (int i = 0; i < N; i++)
		pysig_restore(sigs[i]);
	sigaltstack(&oldss, NULL);
	free(mem);
	close(p[0]);
	close(p[1]);
}

/* 8. trip_signal without a signal: flags and byte, no delivery count. */
static void test_trip_signal(void)
{
	int p[2];
	unsigned char buf[8];

	reset();
	nonblocking_pipe(p);
	pysig_wakeup_fd = p[1];
	pysig_trip_signal(SIGUSR2);
	int n = drain(p[0], buf, sizeof buf);
	CHECK(pysig_pending == 1ull << SIGUSR2 && n == 1 && buf[0] == SIGUSR2,
	      "pysig_trip_signal trips and writes the byte");
	CHECK(pysig_deliveries[SIGUSR2] == 0, "pysig_trip_signal is not counted as a delivery");
	pysig_trip_signal(64);
	n = drain(p[0], buf, sizeof buf);
	CHECK(pysig_tripped_64 == 1 && pysig_pending == ((1ull << SIGUSR2) | PYSIG_PENDING_MORE) && n == 1 && buf[0] == 64,
	      "signal 64 sets its own flag and bit 0 of the pending word");
	close(p[0]);
	close(p[1]);
}

/* 9. Main's idle eventfd is poked only while Main waits on it. */
static void test_idle(void)
{
	uint64_t count = 0;

	reset();
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pysig_idle_fd = efd;
	pysig_set(SIGUSR1, PYSIG_OURS);
	raise(SIGUSR1);
	CHECK(read(efd, &count, sizeof count) < 0 && errno == EAGAIN, "not waiting: the eventfd stays empty");
	pysig_idle_waiting = 1;
	raise(SIGUSR1);
	CHECK(read(efd, &count, sizeof count) == sizeof count && count == 1, "waiting: the eventfd counts 1");
	pysig_restore(SIGUSR1);
	close(efd);
}

/* 10. Bad input. */
static void test_invalid(void)
{
	CHECK(pysig_set(0, PYSIG_OURS) == EINVAL && pysig_set(PYSIG_NSIG, PYSIG_OURS) == EINVAL,
	      "signal numbers 0 and 65 are refused");
	CHECK(pysig_set(SIGUSR1, 7) == EINVAL, "an unknown disposition is refused");
	CHECK(pysig_set(SIGKILL, PYSIG_OURS) == EINVAL, "SIGKILL cannot be caught");
	CHECK(pysig_disposition(0) < 0 && pysig_siginterrupt(0, 1) == EINVAL && pysig_restore(99) == EINVAL,
	      "the other entry points refuse bad numbers");
}

/* 11. A wakeup fd whose reader is gone, with the handler on SIGPIPE itself:
 * a socket (encoded -2 - fd) gets send(MSG_NOSIGNAL), so no SIGPIPE and the
 * fd stays; a pipe raises SIGPIPE once and is disabled, so no livelock. */
static void test_epipe(void)
{
	int sv[2], p[2];

	reset();
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
	close(sv[1]);
	pysig_wakeup_fd = PYSIG_WAKEUP_SOCKET(sv[0]);
	pysig_set(SIGPIPE, PYSIG_OURS);
	raise(SIGPIPE);
	CHECK(pysig_deliveries[SIGPIPE] == 1, "socket: one SIGPIPE delivery, none from send (%lu)",
	      (unsigned long)pysig_deliveries[SIGPIPE]);
	int e = take_wakeup_error();
	CHECK(e == EPIPE && pysig_wakeup_fd == PYSIG_WAKEUP_SOCKET(sv[0]),
	      "socket: EPIPE queued (%d), the fd stays installed", e);
	close(sv[0]);

	reset();
	nonblocking_pipe(p);
	close(p[0]);
	pysig_wakeup_fd = p[1];
	raise(SIGPIPE); /* the handler's write raises one more, then stops */
	CHECK(pysig_deliveries[SIGPIPE] == 2, "pipe: two SIGPIPE deliveries, then quiet (%lu)",
	      (unsigned long)pysig_deliveries[SIGPIPE]);
	e = take_wakeup_error();
	CHECK(e == EPIPE && pysig_wakeup_fd == -1 && take_wakeup_error() == 0,
	      "pipe: one EPIPE queued (%d), the fd disabled (%d)", e, pysig_wakeup_fd);
	CHECK(pysig_wakeup_writers == 0, "no writer left counted");
	pysig_restore(SIGPIPE);
	close(p[1]);
}

/* 4b. The report queue: one entry per failed write, in order, until the
 * ring is full; the rest are counted. */
static void test_error_queue(void)
{
	int p[2];

	reset();
	nonblocking_pipe(p);
	pysig_wakeup_fd = p[0]; /* EBADF on every write */
	pysig_set(SIGUSR1, PYSIG_OURS);
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	int n = 0;
	while (take_wakeup_error() == EBADF)
		n++;
	CHECK(n == 3 && pysig_wakeup_dropped == 0, "three failures, three queued reports (%d)", n);
	for (int i = 0; i < PYSIG_WAKEUP_QUEUE + 6; i++)
		raise(SIGUSR1);
	n = 0;
	while (take_wakeup_error() == EBADF)
		n++;
	CHECK(n == PYSIG_WAKEUP_QUEUE && pysig_wakeup_dropped == 6,
	      "a full ring: %d queued, %u counted as dropped", n, pysig_wakeup_dropped);
	raise(SIGUSR1);
	CHECK(take_wakeup_error() == EBADF && take_wakeup_error() == 0, "the ring is usable again after it wrapped");
	pysig_restore(SIGUSR1);
	close(p[0]);
	close(p[1]);
}

/* 12. Who sent it: the record of the latest delivery, written before the
 * trip, left alone by pysig_trip_signal. */
static void test_siginfo(void)
{
	union sigval v = {.sival_ptr = (void *)0x5eed00000042ull};
	uint64_t who = (uint64_t)(uint32_t)getpid() | (uint64_t)getuid() << 32;

	reset();
	CHECK(pysig_set(SIGUSR1, PYSIG_OURS) == 0 && pysig_disposition(SIGUSR1) == PYSIG_OURS,
	      "installed with SA_SIGINFO, still recognised as ours");
	sigqueue(getpid(), SIGUSR1, v); /* to this single-threaded process: this thread */
	struct pysig_info *r = &pysig_info[SIGUSR1];
	CHECK(r->seq == 2 && r->code == SI_QUEUE && r->err == 0, "sigqueue: one complete record, SI_QUEUE (seq %llu, code %d)",
	      (unsigned long long)r->seq, r->code);
	CHECK(r->word0 == who && r->word1 == 0x5eed00000042ull, "sigqueue: the sender's pid and uid, and the value");
	CHECK(tripped(SIGUSR1) && pysig_deliveries[SIGUSR1] == 1, "sigqueue: tripped and counted");
	raise(SIGUSR1);
	CHECK(r->seq == 4 && r->code == SI_TKILL && r->word0 == who && r->word1 == 0,
	      "raise: the latest overwrites it, with the kernel's SI_TKILL (Go folds it), no value");
	pysig_trip_signal(SIGUSR1);
	CHECK(r->seq == 4 && r->code == SI_TKILL, "pysig_trip_signal records nothing");
	r->seq = 5; /* as if another thread were writing it */
	raise(SIGUSR1);
	CHECK(r->seq == 5 && pysig_deliveries[SIGUSR1] == 3, "a record being written is left to its writer; the delivery is counted");
	pysig_restore(SIGUSR1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* a crash still shows how far it got */
	test_trip();
	test_install();
	test_siginterrupt();
	test_errno();
	test_error_queue();
	test_full_pipe();
	test_order();
	test_no_nesting();
	test_trip_signal();
	test_idle();
	test_invalid();
	test_epipe();
	test_siginfo();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("all checks passed\n");
	return 0;
}
