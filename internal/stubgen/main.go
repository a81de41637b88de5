// Command stubgen writes the stubs that give pysignal the same API where it
// cannot work (not Linux, or cgo off), so that a program importing it builds
// everywhere. `go generate` in the repository root runs it:
//
//	go run ./internal/stubgen [-dir .]
//
// It reads the package's files that only a Linux cgo build compiles (the real
// API) and writes, for every exported function, method and type declared
// there and not written by hand in unsupported_base.go:
//
//   - unsupported.go (!linux || !cgo): a stub whose error result is an *Error
//     for the function wrapping errors.ErrUnsupported (unsupported_base.go's
//     unsupported), and whose other results are zero values, except -1 for an
//     int that is a file descriptor or thread id (a result named fd or nfd, or
//     the int result of a function named *Fd, *FD, *ID or Accept*), which no
//     file or thread has;
//   - unsupported_linux.go (!cgo): the same for the functions whose signature
//     uses a type that darwin or freebsd lacks (unix.EpollEvent, …);
//   - unsupported_calls_test.go and unsupported_calls_linux_test.go: a call of
//     each stub returning an error, for TestUnsupported.
//
// Its test fails when the files on disk differ from what it would write.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", ".", "the package directory")
	flag.Parse()
	files, err := generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stubgen:", err)
		os.Exit(1)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*dir, f.name), f.src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "stubgen:", err)
			os.Exit(1)
		}
	}
}
