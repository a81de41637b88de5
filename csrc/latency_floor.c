/*
 * latency_floor.c - the physical limit for pysignal's latency benchmarks:
 * the same two scenarios in plain C, with the smallest possible handler.
 *
 *   same-thread:  tgkill to the calling thread -> a handler notes the time.
 *   cross-thread: a sender thread does kill(getpid()) and notes the time; the
 *                 handler (on whichever thread the kernel picks) writes one
 *                 byte to a pipe; the main thread, blocked in poll() on the
 *                 pipe, wakes and notes the time.  The sender then blocks
 *                 until the main thread answers, as the senders of the Go,
 *                 os/signal and CPython variants do (a spinning sender keeps
 *                 its CPU awake and makes every wake-up much cheaper on a VM).
 *
 * Usage: latency_floor N   prints one JSON object with latencies in ns:
 *   {"same_thread":[...], "cross_thread":[...]}
 * Built by the Makefile (build/latency_floor); run by `pysig bench`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static volatile int64_t handled_at;
static int wake_w = -1;

static void handler(int sig)
{
	int saved = errno;
	(void)sig;
	handled_at = now_ns();
	if (wake_w >= 0) {
		unsigned char b = (unsigned char)sig;
		(void)!write(wake_w, &b, 1);
	}
	errno = saved;
}

static atomic_int_fast64_t sent_at;
static int back[2]; /* main -> sender: "received", so the sender blocks as
                     * the Go, os/signal and CPython senders do */
static int samples;

static void *sender(void *arg)
{
	char c;
	(void)arg;
	for (int i = 0; i < samples; i++) {
		struct timespec gap = {0, 200000}; /* pace: each sample independent */
		nanosleep(&gap, NULL);
		atomic_store(&sent_at, now_ns());
		kill(getpid(), SIGUSR1);
		while (read(back[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

static void print_array(const char *name, const int64_t *v, int n, int last)
{
	printf("\"%s\":[", name);
	for (int i = 0; i < n; i++)
		printf("%s%lld", i ? "," : "", (long long)v[i]);
	printf("]%s", last ? "" : ",");
}

int main(int argc, char **argv)
{
	samples = argc > 1 ? atoi(argv[1]) : 10000;
	if (samples < 1) {
		fprintf(stderr, "usage: latency_floor N (N >= 1)\n");
		return 2;
	}
	int64_t *same = malloc(sizeof *same * samples), *cross = malloc(sizeof *cross * samples);
	struct sigaction sa = {0};
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK; /* as pysignal: no SA_RESTART, full mask */
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < samples; i++) {
		int64_t t0 = now_ns();
		syscall(SYS_tgkill, pid, tid, SIGUSR1);
		same[i] = handled_at - t0;
	}

	int p[2];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0 || pipe2(back, O_CLOEXEC) != 0)
		return 1;
	wake_w = p[1];
	pthread_t th;
	pthread_create(&th, NULL, sender, NULL);
	for (int i = 0; i < samples; i++) {
		struct pollfd pfd = {p[0], POLLIN, 0};
		unsigned char buf[64];
		while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
			;
		while (read(p[0], buf, sizeof buf) > 0)
			;
		cross[i] = now_ns() - atomic_load(&sent_at);
		(void)!write(back[1], "r", 1);
	}
	pthread_join(th, NULL);
	printf("{");
	print_array("same_thread", same, samples, 0);
	print_array("cross_thread", cross, samples, 1);
	printf("}\n");
	return 0;
}
