//go:build linux && cgo

package difffuzz

import (
	"os"
	"strconv"
	"testing"
)

// TestDumpProgram prints the program of DIFFFUZZ_DUMP (a seed), to run by
// hand in either interpreter (interp.py < prog; PYSIGNAL_DIFFFUZZ_SERVE=1 ./difffuzz.test < prog).
func TestDumpProgram(t *testing.T) {
	s := os.Getenv("DIFFFUZZ_DUMP")
	if s == "" {
		t.Skip("DIFFFUZZ_DUMP=seed prints that program")
	}
	seed, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString(genProgram(seed).String())
}
