//go:build linux && cgo

package pysignal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"golang.org/x/sys/unix"
)

// fileFromPipe returns the read and write ends of a new pipe as Files.
func fileFromPipe(t *testing.T, flags int) (r, w *File) {
	t.Helper()
	var p [2]int
	must(t, unix.Pipe2(p[:], flags|unix.O_CLOEXEC))
	r, w = NewFile(uintptr(p[0]), "pipe-r"), NewFile(uintptr(p[1]), "pipe-w")
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// TestFileIOTestReader: File.Read obeys io.Reader's contract, checked by
// testing/iotest, on a pipe holding known content.
func TestFileIOTestReader(t *testing.T) {
	content := bytes.Repeat([]byte("pysignal File\n"), 1000) // 14000 bytes: more than a pipe's atomic write
	f, err := os.CreateTemp(t.TempDir(), "file")
	must(t, err)
	_, err = f.Write(content)
	must(t, err)
	must(t, f.Close())
	fd, err := unix.Open(f.Name(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(t, err)
	pf := NewFile(uintptr(fd), f.Name())
	defer pf.Close()
	if err := iotest.TestReader(pf, content); err != nil {
		t.Fatal(err)
	}
}

// TestFileEOFAndEmpty: a closed pipe gives 0, io.EOF (not 0, nil); an empty
// p gives 0, nil; data written through Write comes back through Read.
func TestFileEOFAndEmpty(t *testing.T) {
	r, w := fileFromPipe(t, 0)
	n, err := fmt.Fprintf(w, "hello %d\n", 42)
	if n != 9 || err != nil {
		t.Fatalf("Fprintf: %d, %v", n, err)
	}
	must(t, w.Close())
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	got, err := io.ReadAll(r)
	if string(got) != "hello 42\n" || err != nil {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if n, err := r.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("Read at end = %d, %v; want 0, io.EOF (unwrapped)", n, err)
	}
}

// TestFileClosed: after Close every method fails with an *os.PathError
// wrapping os.ErrClosed, Fd is ^0, and the descriptor is really closed.
func TestFileClosed(t *testing.T) {
	r, w := fileFromPipe(t, 0)
	fd := int(r.Fd())
	must(t, r.Close())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fcntl(F_GETFD) on the closed File's fd: %v, want EBADF", err)
	}
	if r.Fd() != ^uintptr(0) {
		t.Fatalf("Fd after Close = %d", r.Fd())
	}
	for name, call := range map[string]func() error{
		"read":  func() error { _, err := r.Read(make([]byte, 1)); return err },
		"close": r.Close,
	} {
		err := call()
		var pe *os.PathError
		if !errors.As(err, &pe) || pe.Op != name || pe.Path != "pipe-r" || !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Close: %v; want *os.PathError{%s pipe-r file already closed}", name, err, name)
		}
	}
	_ = w
}

// TestFileCloseWhileReading: Close during a blocked Read does not close the
// descriptor under it; the read finishes, then the descriptor is closed.
func TestFileCloseWhileReading(t *testing.T) {
	r, w := fileFromPipe(t, 0)
	fd := int(r.Fd())
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		buf := make([]byte, 8)
		n, err := r.Read(buf)
		if err == nil && string(buf[:n]) != "x" {
			err = fmt.Errorf("read %q", buf[:n])
		}
		done <- err
	}()
	<-started
	// Wait until the goroutine counts as in progress.
	if !waitFor(func() bool { return r.state.Load() == 2 }) {
		t.Fatal("the Read never started")
	}
	must(t, r.Close())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the descriptor was closed under a Read in progress: %v", err)
	}
	_, err := w.Write([]byte("x"))
	must(t, err)
	must(t, <-done)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("after the last Read: fcntl: %v, want EBADF", err)
	}
}

// TestFileShortWrites: Write loops over short writes until all of p is
// written: a non-blocking pipe takes 64 KiB at a time (then EAGAIN: Write
// waits in Poll); a reader drains it.
func TestFileShortWrites(t *testing.T) {
	r, w := fileFromPipe(t, unix.O_NONBLOCK)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64*1024) // 1 MiB, 16 pipe buffers
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	n, err := w.Write(data)
	if n != len(data) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	must(t, w.Close())
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("the reader got %d bytes, not the %d written", len(b), len(data))
	}
}

// TestFileShortWriteBySignal: a signal ends a blocking write(2) early with
// a short count, not EINTR. Write runs the handlers before writing the rest:
// a handler that returns nil lets it finish; one that fails stops it, with
// the count written so far and the handler's error.
func TestFileShortWriteBySignal(t *testing.T) {
	errStop := errors.New("stop")
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint("fail=", fail), func(t *testing.T) {
			ran := make(chan struct{}, 1)
			own(t, unix.SIGUSR1, HandlerFunc(func(unix.Signal) error {
				ran <- struct{}{}
				if fail {
					return errStop
				}
				return nil
			}))
			r, w := fileFromPipe(t, 0)
			data := bytes.Repeat([]byte("x"), 1<<20)
			var writes []int
			defer SetTraceHook(func(ev TraceEvent) {
				if ev.Call == "write" && ev.Phase == PhaseExit {
					writes = append(writes, ev.Result)
				}
			})()
			got := make(chan int, 1)
			go func() {
				if err := waitBlockedIn(MainThreadID(), "pipe_write"); err != nil {
					t.Error(err)
				}
				unix.Tgkill(unix.Getpid(), MainThreadID(), unix.SIGUSR1)
				<-ran
				if fail {
					r.Close()
					got <- 0
					return
				}
				b, _ := io.ReadAll(r)
				got <- len(b)
			}()
			var n int
			err := CallErr(func() (err error) {
				n, err = w.Write(data)
				if !fail {
					w.Close()
				}
				return err
			})
			read := <-got
			if len(writes) == 0 || writes[0] <= 0 || writes[0] >= len(data) {
				t.Fatalf("write(2) results %v: the signal did not end the first write early", writes)
			}
			if fail {
				if len(writes) != 1 || n != writes[0] || !errors.Is(err, errStop) || err.Error() != "write pipe-w: stop" {
					t.Fatalf("Write = %d, %v; want %d, write pipe-w: stop", n, err, writes[0])
				}
				return
			}
			if n != len(data) || err != nil || read != len(data) {
				t.Fatalf("Write = %d, %v, reader got %d; want %d, nil", n, err, read, len(data))
			}
		})
	}
}

// TestFileEPIPE: writing to a pipe with no reader returns EPIPE named with
// its operation and file, and the process lives on.
func TestFileEPIPE(t *testing.T) {
	r, w := fileFromPipe(t, 0)
	must(t, r.Close())
	n, err := w.Write([]byte("lost"))
	if n != 0 || !errors.Is(err, unix.EPIPE) || err.Error() != "write pipe-w: broken pipe" {
		t.Fatalf("Write = %d, %v; want 0, write pipe-w: broken pipe (EPIPE)", n, err)
	}
}

// TestFileScannerInterrupted: a bufio.Scanner reading a File on the main
// thread, blocked on an empty pipe, returns the handler's error from Scan
// when a signal arrives (not "Read returned impossible count"), after the
// lines read before it.
func TestFileScannerInterrupted(t *testing.T) {
	errStop := errors.New("stop")
	own(t, unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return errStop }))
	r, w := fileFromPipe(t, 0)
	_, err := w.Write([]byte("one\ntwo\n"))
	must(t, err)
	var lines []string
	err = CallErr(func() error {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if len(lines) == 2 {
				// The next Scan blocks in read(2): interrupt it from
				// another thread once the main thread sleeps there.
				go func() {
					waitBlockedIn(MainThreadID(), "pipe_read")
					unix.Tgkill(unix.Getpid(), MainThreadID(), unix.SIGUSR1)
				}()
			}
		}
		return sc.Err()
	})
	var pe *os.PathError
	if !errors.Is(err, errStop) || !errors.As(err, &pe) || pe.Op != "read" || strings.Contains(err.Error(), "impossible") {
		t.Fatalf("Scan ended with %v; want read pipe-r: stop", err)
	}
	if strings.Join(lines, ",") != "one,two" {
		t.Fatalf("lines before the signal: %q", lines)
	}
}

// TestFileReadNonblocking: on a descriptor in non-blocking mode Read does
// not return EAGAIN: it waits in Poll until data comes, then reads it.
func TestFileReadNonblocking(t *testing.T) {
	r, w := fileFromPipe(t, unix.O_NONBLOCK)
	var polls atomic.Int32
	defer SetTraceHook(func(ev TraceEvent) {
		if ev.Call == "poll" && ev.Phase == PhaseEnter {
			polls.Add(1)
		}
	})()
	go func() {
		// Write once the reader has entered poll(2).
		waitFor(func() bool { return polls.Load() > 0 })
		w.Write([]byte("late"))
	}()
	buf := make([]byte, 8)
	n, err := r.Read(buf)
	if string(buf[:n]) != "late" || err != nil || polls.Load() == 0 {
		t.Fatalf("Read = %q, %v after %d polls; want \"late\", nil after a poll", buf[:n], err, polls.Load())
	}
}
