//go:build linux && cgo

package sigtest_test

import (
	"fmt"
	"time"

	"github.com/pysignal/pysignal"
	"github.com/pysignal/pysignal/sigtest"
	"golang.org/x/sys/unix"
)

// Explore a function that waits for a slow peer, once with the naive
// wrapped read and once through a Wakeup. (In a test, sigtest.Check(t, fn,
// opts) fails the test with the table instead.)
func ExampleExplore() {
	// waitForPeer reads one byte that a peer writes 150 ms later.
	waitForPeer := func(read func(fd int, p []byte) (int, error)) func() error {
		return func() error {
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				return err
			}
			defer unix.Close(p[0])
			defer unix.Close(p[1])
			go func() {
				time.Sleep(150 * time.Millisecond)
				unix.Write(p[1], []byte("x"))
			}()
			_, err := read(p[0], make([]byte, 1))
			return err
		}
	}
	opts := sigtest.Options{Bound: 50 * time.Millisecond}

	rep, err := sigtest.Explore(waitForPeer(pysignal.Read), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pysignal.Read:")
	for _, r := range rep.Results {
		fmt.Printf("  %v late: %v\n", r.Point, r.Late)
	}

	var wk *pysignal.Wakeup
	pysignal.Call(func() { wk, err = pysignal.OpenWakeup() }) // on the main thread
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pysignal.Call(func() { wk.Close() })
	if rep, err = sigtest.Explore(waitForPeer(wk.Read), opts); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("(*Wakeup).Read:")
	for _, r := range rep.Results {
		fmt.Printf("  %v late: %v\n", r.Point, r.Late)
	}
	// Output:
	// pysignal.Read:
	//   point 0 (read: syscall enter) late: true
	//   point 1 (read: syscall exit) late: false
	// (*Wakeup).Read:
	//   point 0 (poll: syscall enter) late: false
	//   point 1 (poll: syscall exit) late: false
}
