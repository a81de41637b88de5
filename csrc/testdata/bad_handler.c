/*
 * bad_handler.c - a deliberately wrong signal handler.
 *
 * It exists only to prove that `make asyncsafe` can fail: the checker must
 * refuse this object, because the handler reaches printf (not
 * async-signal-safe) through a helper.  Never link it into anything.
 */
#include <stdio.h>

static void __attribute__((noinline)) report(int sig)
{
	printf("got signal %d\n", sig);
}

void pysig_handler(int sig)
{
	report(sig);
}
