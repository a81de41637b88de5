//go:build !linux || !cgo

package main

import (
	"fmt"
	"os"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// Where pysignal cannot work, pysig says why: the package's own error.
func main() {
	_, err := pysignal.Signal(unix.SIGINT, pysignal.DefaultIntHandler)
	fmt.Fprintf(os.Stderr, "pysig: %v\n", err)
	os.Exit(1)
}
