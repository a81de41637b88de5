/* startup.h - what startup.c records (see there). */
#ifndef PYSIGNAL_STARTUP_H
#define PYSIGNAL_STARTUP_H

#define PYSIG_STARTED_NSIG 65

enum {
	PYSIG_STARTED_UNKNOWN = 0,
	PYSIG_STARTED_DFL = 1,
	PYSIG_STARTED_IGN = 2,
	PYSIG_STARTED_HANDLER = 3 /* installed before the Go runtime by other C code */
};

extern unsigned char pysig_started[PYSIG_STARTED_NSIG];
extern int pysig_started_recorded;

#endif
