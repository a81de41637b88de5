// Package sigtest explores the race windows of a function's wrapped system
// calls: for every point where the function crosses one of pysignal's
// wrappers, it lands a real signal on the main thread exactly there and
// measures how late the signal's handler runs.
//
// A signal that arrives after the last CheckSignals but before a call blocks
// only trips its flag; the call blocks anyway and the handler waits until it
// returns (docs/race-windows.md). Explore finds such points in the caller's
// own code, systematically rather than by chance:
//
//	report, err := sigtest.Explore(func() error {
//		_, err := pysignal.Read(fd, buf) // blocks until a peer writes
//		return err
//	}, sigtest.Options{})
//	// report.Late(): the read's "syscall enter" point, if the peer is slow
//
// Explore runs the function once to enumerate its points (the steps the
// trace hook reports: see pysignal.TracePhase), then once per point,
// sending the signal with tgkill to the main thread from the trace hook at
// that step. The hook runs on the main thread, so the signal's C handler has
// run before the hook returns: a point at PhaseEnter is the race window
// itself; PhaseExit, PhaseCheck and PhaseRetry are the steps after a call
// returned (PhaseCheck and PhaseRetry, after the check of an EINTR, are in
// the window of the retried call).
//
// Check wraps Explore for tests; it needs only the Helper and Fatalf methods
// of testing.TB (the TB interface), so the package does not import testing,
// and Explore works in programs too: "pysig race -all" maps every wrapper
// with it. docs/race-windows.md shows the map and how to use the package.
//
// CPython has no counterpart: its test_eintr sends SIGALRM on an interval
// timer and checks that calls are retried, not where a signal that lands
// just before a call leaves its handler waiting.
package sigtest
