// Command pysignalvet finds blocking standard-library calls that signals do
// not interrupt inside the functions a pysignal program runs with
// pysignal.MainContext or pysignal.Main (or on the main thread with
// pysignal.Call or CallErr): there Ctrl-C should end a blocked
// read with KeyboardInterrupt, but the os, time and net packages retry EINTR
// themselves and keep waiting.
//
// It reports, in those functions and the functions of the same package they
// call:
//
//   - reads of os.Stdin (os.Stdin.Read, bufio.NewScanner(os.Stdin),
//     io.ReadAll(os.Stdin), ...), with a fix: pysignal.Stdin;
//   - reads of any other *os.File (use pysignal.NewFile);
//   - time.Sleep, with a fix: pysignal.Sleep;
//   - net.Conn reads and writes and net.Listener accepts in a function that
//     sets no deadline and does not tie the connection to a context.
//
// Run it alone, or as go vet's tool:
//
//	go run github.com/pysignal/pysignal/cmd/pysignalvet ./...
//	go build -o pysignalvet github.com/pysignal/pysignal/cmd/pysignalvet
//	go vet -vettool=$(pwd)/pysignalvet ./...
//
// With -fix it applies the suggested fixes.
package main

import "golang.org/x/tools/go/analysis/singlechecker"

func main() { singlechecker.Main(Analyzer) }
