// Command pysig shows and studies pysignal's CPython-style signal handling.
//
//	pysig demo    the short tour: Ctrl-C (or a SIGINT the demo sends itself)
//	              interrupts a blocking read with KeyboardInterrupt; the
//	              wakeup-fd bytes and handler order of signals that arrive
//	              together; the race window shown once each way.
//	pysig race    measures the race window: the naive loop against the
//	              wakeup-fd loop, with real signals; race -all maps every
//	              wrapper's race window with sigtest.
//	pysig trace   the PEP 475 loop's phases as a live timeline.
//	pysig bench   pysignal against os/signal, CPython and the C floor, and
//	              what importing pysignal costs a program's main goroutine
//	              (-json, -csv, -benchstat; -check fails on a missed goal).
//	pysig version the module version and build information.
//
// Exit status: 0 on success and for -h, 1 when a command fails (or, with
// bench -check, a goal is missed), 2 for a usage error, reported before any
// work starts (bad flags, stray arguments, unwritable output paths).
package main
