/* sender.c - see sender.h. */
#define _GNU_SOURCE
#include "sender.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

int64_t bench_sent_at;

static int back[2] = {-1, -1}; /* receiver -> sender: "sample taken" */
static int samples, signo;
static long pace;
static pthread_t thread;

int64_t bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *run(void *arg)
{
	char c;
	(void)arg;
	for (int i = 0; i < samples; i++) {
		struct timespec gap = {pace / 1000000000, pace % 1000000000};
		while (nanosleep(&gap, &gap) < 0 && errno == EINTR)
			;
		__atomic_store_n(&bench_sent_at, bench_now(), __ATOMIC_SEQ_CST);
		kill(getpid(), signo);
		ssize_t r;
		while ((r = read(back[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (r != 1)
			break; /* bench_stop closed the pipe */
	}
	return NULL;
}

int bench_start(int n, int sig, long pace_ns)
{
	sigset_t all, old;
	int err;

	samples = n;
	signo = sig;
	pace = pace_ns;
	if (pipe2(back, O_CLOEXEC) != 0)
		return errno;
	/* The thread starts with every signal blocked, so it never receives
	 * the signals it sends. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&thread, NULL, run, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		close(back[0]);
		close(back[1]);
		back[0] = back[1] = -1;
	}
	return err;
}

void bench_ack(void)
{
	while (write(back[1], "r", 1) < 0 && errno == EINTR)
		;
}

void bench_stop(void)
{
	if (back[1] < 0)
		return;
	close(back[1]);
	pthread_join(thread, NULL);
	close(back[0]);
	back[0] = back[1] = -1;
}
