package main

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"
)

// TestAnalyzer: testdata/src/a holds each mistake the analyzer must find
// (os.Stdin read through bufio and directly, time.Sleep, net I/O with no
// deadline or context, an *os.File read), in functions run by MainContext
// and Main and the functions they call, and the code it must leave alone
// (exec's Stdin, a function nothing runs, a guarded connection). The
// golden file is the code after the suggested fixes.
func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), Analyzer, "a")
}
