//go:build !linux

package pysignal

import "os"

// writeReport writes b to standard error (see report_linux.go).
func writeReport(b []byte) { os.Stderr.Write(b) }
