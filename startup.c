/*
 * startup.c - the dispositions the process started with.
 *
 * The Go runtime replaces the handler of almost every signal before any Go
 * code runs (its initsig), and keeps an inherited SIG_IGN only for SIGHUP
 * and SIGINT.  CPython keeps every inherited SIG_IGN.  A constructor runs
 * earlier: the system linker links every program that imports pysignal
 * (the default for a package with C files; -buildmode=pie too; the Go
 * linker's -linkmode=internal refuses handler.c's thread-local variable),
 * and libc's start-up runs the constructors before it calls the Go
 * runtime's entry.  Checked on Debian 12 (glibc 2.36, go1.26) for the
 * default and PIE builds: a program started with SIGTERM ignored sees it
 * recorded as SIG_IGN here.  It only reads: importing pysignal changes
 * nothing.  Should it not have run, pysig_started_recorded stays 0 and Go
 * says so (InheritedSignal).
 *
 * Nothing here runs in signal context.
 */
#include <signal.h>
#include <stddef.h>

#include "startup.h"

unsigned char pysig_started[PYSIG_STARTED_NSIG];
int pysig_started_recorded;

static void __attribute__((constructor)) pysig_record_started(void)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < PYSIG_STARTED_NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) != 0)
			continue; /* glibc hides its 32 and 33: unknown */
		if (sa.sa_handler == SIG_IGN)
			pysig_started[sig] = PYSIG_STARTED_IGN;
		else if (sa.sa_handler == SIG_DFL)
			pysig_started[sig] = PYSIG_STARTED_DFL;
		else
			pysig_started[sig] = PYSIG_STARTED_HANDLER;
	}
	pysig_started_recorded = 1;
}
