// Package difffuzz is the differential fuzzer against the real CPython:
// random programs in a small language over the signal module's operations
// (lang_test.go) run in CPython (interp.py) and in Go (interp_test.go), and
// their traces are compared line by line. The first difference is shrunk to
// the smallest program that still shows it and reported with its seed.
// Deliberate differences (docs/design.md, "Deliberate differences") are
// filtered by rules that cite their number (difffuzz_test.go).
//
// make test runs 2,000 programs per CPython found; make fuzz-cpython
// FUZZN=... FUZZTIME=... runs as many as asked.
package difffuzz
