package pysignal

import (
	"io"
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A File is an open file descriptor whose reads and writes signals
// interrupt: an io.Reader and io.Writer for bufio, io.Copy and fmt.Fprintf
// whose every system call runs in PEP 475's loop (Read and Write below). It
// is what CPython's sys.stdin and open() give a script: Ctrl-C during a read
// raises KeyboardInterrupt there, where os.File, which retries EINTR inside
// the standard library, keeps waiting.
//
//	sc := bufio.NewScanner(pysignal.Stdin)
//	for sc.Scan() { // Ctrl-C: Scan returns false, sc.Err() is KeyboardInterrupt
//		...
//	}
//	return sc.Err() // nil at end of input (^D on a terminal)
//
// Its methods follow os.File's contracts. Read returns 0 ≤ n ≤ len(p) and
// io.EOF at end of input; Write writes all of p or returns the error that
// stopped it, with the count of bytes written before it. Errors are
// *os.PathError values naming the operation and the file
// ("read /dev/stdin: KeyboardInterrupt", "write /dev/stdout: broken pipe");
// errors.Is sees through them to the errno (unix.EPIPE), to a handler's
// error (ErrKeyboardInterrupt), and to os.ErrClosed after Close.
//
// A File does not buffer: wrap it in bufio for line or small reads and
// writes. Its methods may be called from any goroutine; under MainContext a
// handler's error comes out of the File call fn's goroutine is in, as out
// of any wrapped call (see MainContext for where else it goes), even when
// the system call completed before the interruption reached it, or a
// signal came with its bytes: a File call on fn's goroutine that finds a
// signal pending waits for the main thread to run its handler (at most a
// second), as CPython runs it at the next bytecode, before the program
// acts on the bytes. Read then returns the bytes it read with the error
// (io.Reader allows n > 0 with an error; at end of input the error instead
// of io.EOF), Write the count it wrote. So the error does not wait for the
// next call, which is often a deferred Flush that would lose its buffer to
// it. On
// a descriptor in non-blocking mode, a call that would block waits in Poll,
// in the same loop, instead of returning EAGAIN.
//
// Writing to a pipe whose reader has gone returns EPIPE, as CPython's
// BrokenPipeError: unlike os.Stdout and os.Stderr, whose EPIPE makes the
// Go runtime kill the process with SIGPIPE, a File leaves that to the
// program (CPython ignores SIGPIPE at start-up for the same reason).
//
// io.Copy into a File from another File moves the bytes in the kernel
// (ReadFrom: splice or sendfile, each in the PEP 475 loop). File has no
// WriteTo: io.Copy asks the source for it first, and it would only serve a
// destination that is a File, which ReadFrom serves already. In a build
// without Linux or cgo every call returns the error of the wrapper it uses
// (errors.ErrUnsupported).
type File struct {
	fd   int
	name string
	// state is 1 once Close was called, plus 2 for each call in progress:
	// the descriptor is closed by whichever of Close and the last call
	// ends last, so that no call ever uses a number the kernel has already
	// given to another file (os.File does the same).
	state atomic.Uint64
}

const fileClosed = 1

// The standard descriptors as Files. They share the descriptors with
// os.Stdin, os.Stdout and os.Stderr: closing one closes the other's too.
var (
	Stdin  = NewFile(0, "/dev/stdin")
	Stdout = NewFile(1, "/dev/stdout")
	Stderr = NewFile(2, "/dev/stderr")
)

// NewFile returns a File for the open descriptor fd, named name in its
// errors, as os.NewFile does; the File owns fd from then on (Close closes
// it). It returns nil if fd cannot be a descriptor (above the kernel's
// 32-bit int), as os.NewFile does for a negative one. The descriptor is used
// as it is: blocking or not, close-on-exec or not.
func NewFile(fd uintptr, name string) *File {
	if fd > 1<<31-1 {
		return nil
	}
	return &File{fd: int(fd), name: name}
}

// Name returns the name given to NewFile.
func (f *File) Name() string { return f.name }

// Fd returns the descriptor, or ^uintptr(0) once Close was called (as
// os.File's Fd does).
func (f *File) Fd() uintptr {
	if f == nil || f.state.Load()&fileClosed != 0 {
		return ^uintptr(0)
	}
	return uintptr(f.fd)
}

// maxRW is the most one read(2) or write(2) is asked for, as in os.File
// (Linux transfers at most 0x7ffff000 bytes per call anyway).
const maxRW = 1 << 30

// Read reads up to len(p) bytes with the package's Read (CPython's os.read:
// EINTR runs the handlers, a handler's error ends the call, anything else
// retries). It returns 0, io.EOF at end of input (a closed pipe, the end of
// a file, ^D at the start of a terminal line), and 0, nil for an empty p
// without a system call. An error comes back as *os.PathError with Op
// "read", n = 0, except a handler's error raised in fn's goroutine under
// MainContext while the read got bytes: n and the error (see File).
func (f *File) Read(p []byte) (n int, err error) {
	if err := f.incref("read"); err != nil {
		return 0, err
	}
	defer f.decref()
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) > maxRW {
		p = p[:maxRW]
	}
	for {
		n, err := Read(f.fd, p)
		if err == nil {
			if err := raisedAfterCall(); err != nil {
				return n, f.wrap("read", err) // raised during the read: after its bytes
			}
		}
		switch {
		case err == nil && n == 0:
			return 0, io.EOF
		case err == nil:
			return n, nil
		case err == unix.EAGAIN:
			if err = f.wait(unix.POLLIN); err == nil {
				continue
			}
		}
		return 0, f.wrap("read", err)
	}
}

// Write writes all of p with the package's Write, one write(2) after
// another (each in the PEP 475 loop), as io.Writer requires: it returns
// len(p), nil, or the count written before the error that stopped it, as an
// *os.PathError with Op "write". A signal may also end a write(2) early with
// a short count instead of EINTR; Write then runs CheckSignals before it
// writes the rest, as CPython's buffered writer does. Either way a handler's
// error ends it there: a KeyboardInterrupt in the middle of a long write
// leaves the rest unwritten.
func (f *File) Write(p []byte) (n int, err error) {
	if err := f.incref("write"); err != nil {
		return 0, err
	}
	defer f.decref()
	for n < len(p) {
		chunk := p[n:]
		if len(chunk) > maxRW {
			chunk = chunk[:maxRW]
		}
		m, err := Write(f.fd, chunk)
		if m > 0 {
			n += m
		}
		if err == nil {
			if err := raisedAfterCall(); err != nil {
				return n, f.wrap("write", err) // raised during the write: after its bytes
			}
		}
		switch {
		case err == nil && m == 0:
			return n, f.wrap("write", io.ErrShortWrite)
		case err == nil && m < len(chunk):
			// A signal can end a write(2) early with success: run the
			// handlers before blocking again, as CPython's buffered
			// writer does after a partial write.
			if err = CheckSignals(); err == nil {
				continue
			}
		case err == nil:
			continue
		case err == unix.EAGAIN:
			if err = f.wait(unix.POLLOUT); err == nil {
				continue
			}
		}
		return n, f.wrap("write", err)
	}
	return n, nil
}

// Close closes the descriptor with the package's Close (not retried on
// EINTR: PEP 475 leaves close alone). Calls in progress keep the descriptor
// until they return; the descriptor is closed when the last of them does.
// A second Close returns an error wrapping os.ErrClosed, as do the other
// methods once Close was called.
func (f *File) Close() error {
	if f == nil {
		return os.ErrInvalid
	}
	for {
		s := f.state.Load()
		if s&fileClosed != 0 {
			return f.wrap("close", os.ErrClosed)
		}
		if f.state.CompareAndSwap(s, s|fileClosed) {
			if s != 0 {
				return nil // the last call in progress closes it
			}
			if err := Close(f.fd); err != nil {
				return f.wrap("close", err)
			}
			return nil
		}
	}
}

// incref counts a call in progress, or refuses it once Close was called.
func (f *File) incref(op string) error {
	if f == nil {
		return os.ErrInvalid
	}
	for {
		s := f.state.Load()
		if s&fileClosed != 0 {
			return f.wrap(op, os.ErrClosed)
		}
		if f.state.CompareAndSwap(s, s+2) {
			return nil
		}
	}
}

// decref ends a call; the last one after Close closes the descriptor.
func (f *File) decref() {
	if f.state.Add(^uint64(1)) == fileClosed { // minus 2
		Close(f.fd) // nobody is left to report an error to, as in os.File
	}
}

// wait blocks in Poll until the non-blocking descriptor is ready for events.
func (f *File) wait(events int16) error {
	_, err := Poll([]unix.PollFd{{Fd: int32(f.fd), Events: events}}, -1)
	return err
}

func (f *File) wrap(op string, err error) error {
	return &os.PathError{Op: op, Path: f.name, Err: err}
}
