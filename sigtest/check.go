package sigtest

// TB is the part of testing.TB that Check needs; *testing.T and *testing.B
// have it. Taking an interface keeps the testing package out of sigtest, so
// programs can use Explore without it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Check explores fn like Explore and fails the test, with the report's
// table, if Explore fails or any point is late. It returns the report (nil
// if Explore failed and t.Fatalf returned). Call it from the test's
// goroutine, never from inside a pysignal.Call:
//
//	func TestReadIsPrompt(t *testing.T) {
//		sigtest.Check(t, func() error { return readRequest(conn) }, sigtest.Options{})
//	}
func Check(t TB, fn func() error, opts Options) *Report {
	t.Helper()
	rep, err := Explore(fn, opts)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	if late := rep.Late(); len(late) > 0 {
		t.Fatalf("a signal at %d of %d points ran its handler late:\n%v", len(late), len(rep.Results), rep)
	}
	return rep
}
