package pysignal

// CallErr runs f on the main thread, as Call does, and returns f's error:
// the form for the calls that must run there (Signal, SetWakeupFD,
// OpenWakeup, a wrapped call that Ctrl-C must interrupt) without capturing
// the error in a closure:
//
//	err := pysignal.CallErr(func() error {
//		_, err := pysignal.Signal(unix.SIGTERM, handler)
//		return err
//	})
//
// CPython has no twin: its code on the main thread is simply the main
// module's. Everything Call says holds: on the main thread f runs at once,
// elsewhere Main or MainContext must be running, a panic in f is re-raised
// in the caller, and f must not call runtime.Goexit.
func CallErr(f func() error) error {
	if f == nil {
		panic("pysignal: CallErr(nil)")
	}
	var err error
	Call(func() { err = f() })
	return err
}
