package a

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/pysignal/pysignal"
)

func main() { pysignal.MainContext(run) }

func run(ctx context.Context) error {
	cmd := exec.Command("cat")
	cmd.Stdin = os.Stdin             // the child reads it, not this program
	sc := bufio.NewScanner(os.Stdin) // want `os.Stdin reads are not interrupted by signals`
	for sc.Scan() {
		time.Sleep(time.Second) // want `time.Sleep is not interrupted by signals`
	}
	helper()
	return sc.Err()
}

func helper() {
	b := make([]byte, 1)
	os.Stdin.Read(b) // want `os.Stdin reads are not interrupted by signals.*pysignal.MainContext`
}

// notRun is run by neither MainContext nor Main: nothing to report.
func notRun() {
	bufio.NewScanner(os.Stdin)
	time.Sleep(1)
}

func serve(ln net.Listener) {
	c, _ := ln.Accept() // want `net.Listener Accept is not interrupted`
	c.Read(nil)         // want `net.Conn Read is not interrupted`
	io.Copy(c, c)       // want `net.Conn Write is not interrupted` `net.Conn Read is not interrupted`
}

func serveWithDeadline(ctx context.Context, ln net.Listener) {
	context.AfterFunc(ctx, func() { ln.Close() })
	c, _ := ln.Accept()
	c.SetDeadline(time.Now().Add(time.Second))
	c.Read(nil)
}

func files(f *os.File) {
	io.ReadAll(f) // want `\(\*os.File\).Read is not interrupted by signals`
	f.Fd()
}

func init() {
	pysignal.Main(func() int {
		serve(nil)
		serveWithDeadline(context.Background(), nil)
		files(nil)
		go func() {
			time.Sleep(time.Millisecond) // want `time.Sleep is not interrupted by signals.*pysignal.Main\)`
		}()
		return 0
	})
}

// onMainThread is called by nobody: what CallErr runs is checked anyway.
func onMainThread() error {
	return pysignal.CallErr(func() error {
		time.Sleep(time.Millisecond) // want `time.Sleep is not interrupted by signals.*pysignal.CallErr\)`
		return nil
	})
}
