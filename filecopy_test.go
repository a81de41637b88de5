//go:build linux && cgo

package pysignal

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// copyEnd is one end of a copy: a File over a regular file or a pipe, and
// how to feed it (a source) or collect what reached it (a destination).
type copyEnd struct {
	f       *File
	collect func() []byte // a destination's bytes, once the copy is done
}

func regularSource(t *testing.T, content []byte) copyEnd {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src")
	must(t, os.WriteFile(path, content, 0o600))
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(t, err)
	f := NewFile(uintptr(fd), path)
	t.Cleanup(func() { f.Close() })
	return copyEnd{f: f}
}

func regularDestination(t *testing.T) copyEnd {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dst")
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	must(t, err)
	f := NewFile(uintptr(fd), path)
	t.Cleanup(func() { f.Close() })
	return copyEnd{f: f, collect: func() []byte {
		b, err := os.ReadFile(path)
		must(t, err)
		return b
	}}
}

// pipeSource is a pipe's read end, fed content by a goroutine that then
// closes the write end. The goroutines that feed and drain use raw system
// calls, so that the trace shows only the copy's.
func pipeSource(t *testing.T, content []byte) copyEnd {
	t.Helper()
	r, w := fileFromPipe(t, 0)
	done := make(chan struct{})
	t.Cleanup(func() { r.Close(); <-done }) // the feeder ends (EPIPE) before its number can be reused
	go func() {
		defer close(done)
		for b := content; len(b) > 0; {
			n, err := unix.Write(w.fd, b)
			if err != nil {
				break
			}
			b = b[n:]
		}
		w.Close()
	}()
	return copyEnd{f: r}
}

// pipeDestination is a pipe's write end, drained by a goroutine.
func pipeDestination(t *testing.T) copyEnd {
	t.Helper()
	r, w := fileFromPipe(t, 0)
	var got []byte
	var wg sync.WaitGroup
	wg.Add(1)
	t.Cleanup(func() { w.Close(); wg.Wait() }) // the drainer ends (EOF) before its number can be reused
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := unix.Read(r.fd, buf)
			if n <= 0 || err != nil {
				return
			}
			got = append(got, buf[:n]...)
		}
	}()
	return copyEnd{f: w, collect: func() []byte {
		w.Close()
		wg.Wait()
		return got
	}}
}

// calls records the wrapped calls made while it is installed.
func calls(t *testing.T) func() []string {
	var mu sync.Mutex
	var seen []string
	restore := SetTraceHook(func(ev TraceEvent) {
		if ev.Phase == PhaseEnter {
			mu.Lock()
			if !slices.Contains(seen, ev.Call) {
				seen = append(seen, ev.Call)
			}
			mu.Unlock()
		}
	})
	t.Cleanup(restore)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// TestFileReadFromInTheKernel: io.Copy between two Files moves the bytes
// with splice(2) when an end is a pipe and sendfile(2) between regular
// files, never through read(2) and write(2); every byte arrives, in order;
// an io.LimitedReader over the source copies its N and is left at 0.
func TestFileReadFromInTheKernel(t *testing.T) {
	content := make([]byte, 1<<20+123) // more than a pipe holds, not a round size
	for i := range content {
		content[i] = byte(rand.IntN(256))
	}
	sources := map[string]func(*testing.T, []byte) copyEnd{"file": regularSource, "pipe": pipeSource}
	dests := map[string]func(*testing.T) copyEnd{"file": regularDestination, "pipe": pipeDestination}
	for sname, source := range sources {
		for dname, dest := range dests {
			for _, limit := range []int64{-1, 300_001} {
				name := sname + " to " + dname
				if limit >= 0 {
					name += ", limited"
				}
				t.Run(name, func(t *testing.T) {
					src, dst := source(t, content), dest(t)
					seen := calls(t)
					want := content
					var r io.Reader = src.f
					lr := &io.LimitedReader{R: src.f, N: limit}
					if limit >= 0 {
						r, want = lr, content[:limit]
					}
					n, err := io.Copy(dst.f, r)
					made := seen()
					if err != nil || n != int64(len(want)) {
						t.Fatalf("io.Copy = %d, %v; want %d, nil", n, err, len(want))
					}
					if got := dst.collect(); !bytes.Equal(got, want) {
						t.Fatalf("the destination holds %d bytes, not the %d copied in order", len(got), len(want))
					}
					kernel := "sendfile"
					if sname == "pipe" || dname == "pipe" {
						kernel = "splice"
					}
					if !slices.Contains(made, kernel) || slices.Contains(made, "read") || slices.Contains(made, "write") {
						t.Fatalf("wrapped calls %v; want %s, and neither read nor write", made, kernel)
					}
					if limit >= 0 && lr.N != 0 {
						t.Fatalf("the LimitedReader has N = %d left, want 0", lr.N)
					}
				})
			}
		}
	}
}

// TestFileReadFromFallsBack: where the kernel cannot move the bytes (a
// socket as sendfile's source), a non-blocking end, or a source that is not
// a File, ReadFrom copies through a buffer, and every byte still arrives.
func TestFileReadFromFallsBack(t *testing.T) {
	content := bytes.Repeat([]byte("fallback\n"), 5000)
	socketSource := func(t *testing.T, content []byte) copyEnd {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		must(t, err)
		r, w := NewFile(uintptr(fds[0]), "sock-r"), NewFile(uintptr(fds[1]), "sock-w")
		t.Cleanup(func() { r.Close(); w.Close() })
		go func() {
			w.Write(content)
			w.Close()
		}()
		return copyEnd{f: r}
	}
	nonblockingSource := func(t *testing.T, content []byte) copyEnd {
		src := pipeSource(t, content)
		must(t, unix.SetNonblock(src.f.fd, true))
		return src
	}
	for _, c := range []struct {
		name   string
		source func(*testing.T, []byte) copyEnd
		plain  bool // the source is given as a plain io.Reader
	}{
		{"socket to file", socketSource, false},
		{"non-blocking pipe to file", nonblockingSource, false},
		{"bytes.Reader to file", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := regularDestination(t)
			seen := calls(t)
			var r io.Reader = bytes.NewReader(content)
			if !c.plain {
				r = c.source(t, content).f
			}
			n, err := io.Copy(dst.f, r)
			if err != nil || n != int64(len(content)) {
				t.Fatalf("io.Copy = %d, %v; want %d, nil", n, err, len(content))
			}
			if got := dst.collect(); !bytes.Equal(got, content) {
				t.Fatalf("the destination holds %d bytes, want the %d copied", len(got), len(content))
			}
			if made := seen(); !slices.Contains(made, "write") {
				t.Fatalf("wrapped calls %v; want the buffered copy's write", made)
			}
		})
	}
}

// TestFileReadFromInterrupted: a copy blocked in splice(2) on an empty pipe,
// on the main thread, ends with the handler's error when a signal arrives,
// as *os.PathError "write", with the bytes moved before it counted.
func TestFileReadFromInterrupted(t *testing.T) {
	errStop := errors.New("stop")
	own(t, unix.SIGUSR1, HandlerFunc(func(unix.Signal) error { return errStop }))
	r, w := fileFromPipe(t, 0)
	dst := regularDestination(t)
	_, err := w.Write([]byte("before"))
	must(t, err)
	var n int64
	err = CallErr(func() error {
		go func() {
			waitBlockedIn(MainThreadID(), "pipe")
			unix.Tgkill(unix.Getpid(), MainThreadID(), unix.SIGUSR1)
		}()
		var err error
		n, err = io.Copy(dst.f, r)
		return err
	})
	var pe *os.PathError
	if !errors.Is(err, errStop) || !errors.As(err, &pe) || pe.Op != "write" || n != 6 {
		t.Fatalf("io.Copy = %d, %v; want 6, write %s: stop", n, err, dst.f.Name())
	}
	if got := string(dst.collect()); got != "before" {
		t.Fatalf("the destination holds %q, want \"before\"", got)
	}
}

// BenchmarkFileCopy: io.Copy of a 4 MiB file into another, both in the
// test's temporary directory, through ReadFrom's sendfile(2) ("kernel") and
// through io.Copy's buffer with Read and Write ("buffered"), each in its own
// loop; compare their MB/s.
func BenchmarkFileCopy(b *testing.B) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	dir := b.TempDir()
	srcPath, dstPath := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(srcPath, content, 0o600); err != nil {
		b.Fatal(err)
	}
	open := func(name string, flags int) *File {
		fd, err := unix.Open(name, flags|unix.O_CLOEXEC, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		return NewFile(uintptr(fd), name)
	}
	src, dst := open(srcPath, unix.O_RDONLY), open(dstPath, unix.O_WRONLY|unix.O_CREAT)
	defer src.Close()
	defer dst.Close()
	for _, c := range []struct {
		name string
		dst  io.Writer
	}{{"kernel", dst}, {"buffered", onlyWriter{dst}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				for _, fd := range []int{src.fd, dst.fd} {
					if _, err := unix.Seek(fd, 0, io.SeekStart); err != nil {
						b.Fatal(err)
					}
				}
				if n, err := io.Copy(c.dst, src); err != nil || n != int64(len(content)) {
					b.Fatalf("io.Copy = %d, %v", n, err)
				}
			}
		})
	}
}
