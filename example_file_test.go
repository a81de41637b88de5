//go:build linux && cgo

package pysignal_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/pysignal/pysignal"
	"golang.org/x/sys/unix"
)

// A File is an io.Reader and io.Writer: fmt writes to it, bufio reads it.
// Here over a pipe; pysignal.Stdin and pysignal.Stdout are the same kind.
func ExampleNewFile() {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		panic(err)
	}
	r, w := pysignal.NewFile(uintptr(p[0]), "pipe-r"), pysignal.NewFile(uintptr(p[1]), "pipe-w")
	defer r.Close()
	fmt.Fprintf(w, "apple pie\nbanana\npineapple\n")
	w.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "apple") {
			fmt.Println(sc.Text())
		}
	}
	fmt.Println("end:", sc.Err()) // nil: io.EOF ends Scan without an error
	_, err := w.Write([]byte("x"))
	fmt.Println(err)
	// Output:
	// apple pie
	// pineapple
	// end: <nil>
	// write pipe-w: file already closed
}
