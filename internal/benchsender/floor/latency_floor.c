/*
 * latency_floor.c - the physical limit for pysignal's latency benchmarks:
 * the same scenarios in plain C, with the smallest possible handler, and the
 * same end point as the others: the handler has run AND control is back in
 * the measuring loop.
 *
 *   same-thread:  t0; tgkill to the calling thread (the handler runs as the
 *                 system call returns); t1.  The handler sets a flag, which
 *                 the loop checks.
 *   cross-thread: the shared sender thread (internal/benchsender/sender.c,
 *                 also used by the pysignal, os/signal and CPython variants)
 *                 notes the time and kill()s the process; the handler writes
 *                 one byte to a pipe; the main thread, blocked in poll() on
 *                 the pipe, returns, drains it, and notes the time.
 *   cross-thread-idle: the same with 20 ms between signals, so the receiver
 *                 has been idle long (a real Ctrl-C).
 *
 * Usage: latency_floor N IDLE_N   prints one JSON object, latencies in ns:
 *   {"same_thread":[...], "cross_thread":[...], "cross_thread_idle":[...]}
 * Built by the Makefile (build/latency_floor); run by `pysig bench`.
 */
#define _GNU_SOURCE
#include "../sender.c"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

static volatile sig_atomic_t handled;
static int wake_w = -1;

static void handler(int sig)
{
	int saved = errno;
	handled = 1;
	if (wake_w >= 0) {
		unsigned char b = (unsigned char)sig;
		(void)!write(wake_w, &b, 1);
	}
	errno = saved;
}

static void print_array(const char *name, const int64_t *v, int n, int last)
{
	printf("\"%s\":[", name);
	for (int i = 0; i < n; i++)
		printf("%s%lld", i ? "," : "", (long long)v[i]);
	printf("]%s", last ? "" : ",");
}

/* n cross-thread samples, pace_ns apart, into out. */
static int cross(int64_t *out, int n, long pace_ns, int r)
{
	if (bench_start(n, SIGUSR1, pace_ns) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct pollfd pfd = {r, POLLIN, 0};
		unsigned char buf[64];
		int ready;
		while ((ready = poll(&pfd, 1, 10000)) < 0 && errno == EINTR)
			;
		if (ready == 0) {
			fprintf(stderr, "latency_floor: no signal within 10 s\n");
			exit(1);
		}
		while (read(r, buf, sizeof buf) > 0)
			;
		out[i] = bench_now() - __atomic_load_n(&bench_sent_at, __ATOMIC_SEQ_CST);
		bench_ack();
	}
	bench_stop();
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	int idle_n = argc > 2 ? atoi(argv[2]) : 0;
	if (n < 1 || idle_n < 0) {
		fprintf(stderr, "usage: latency_floor N [IDLE_N] (N >= 1)\n");
		return 2;
	}
	int64_t *same = malloc(sizeof *same * n), *crossv = malloc(sizeof *crossv * n);
	int64_t *idle = malloc(sizeof *idle * (idle_n + 1));
	struct sigaction sa = {0};
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK; /* as pysignal: no SA_RESTART, full mask */
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < n; i++) {
		handled = 0;
		int64_t t0 = bench_now();
		syscall(SYS_tgkill, pid, tid, SIGUSR1);
		int64_t t1 = bench_now();
		if (!handled) {
			fprintf(stderr, "latency_floor: the handler did not run\n");
			return 1;
		}
		same[i] = t1 - t0;
	}

	int p[2];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		return 1;
	wake_w = p[1];
	if (cross(crossv, n, 200000, p[0]) != 0 || (idle_n > 0 && cross(idle, idle_n, 20000000, p[0]) != 0)) {
		perror("latency_floor: sender");
		return 1;
	}
	printf("{");
	print_array("same_thread", same, n, 0);
	print_array("cross_thread", crossv, n, 0);
	print_array("cross_thread_idle", idle, idle_n, 1);
	printf("}\n");
	return 0;
}
