package pysignal

import (
	"io"

	"golang.org/x/sys/unix"
)

// ReadFrom copies from r into f until r's end or an error, for io.Copy
// (which calls it when f is the destination) and bufio.Writer. When r is a
// *File, or an *io.LimitedReader over one, and both descriptors are in
// blocking mode, the kernel moves the bytes itself, as os.File's ReadFrom
// does: splice(2) when either end is a pipe, else sendfile(2), each call in
// the PEP 475 loop (the package's Splice and Sendfile), with CheckSignals
// between calls as Write runs it after a short write. Otherwise, or when
// the kernel cannot move between these two descriptors (a terminal, a
// socket as the source of sendfile), it copies through a buffer with r's
// Read and f's Write, as io.Copy would.
//
// It returns the count copied and nil at r's end, or the count copied
// before the error that stopped it, as an *os.PathError with Op "write"
// (whichever side failed, as os.File's ReadFrom reports it): a handler's
// error (KeyboardInterrupt) ends the copy there, the rest uncopied. Reading
// from r's file offset, it advances it, as a loop of Reads would.
//
// Beyond CPython's file objects, which have no such method:
// shutil.copyfileobj loops over read and write (shutil.copyfile uses
// sendfile, but between two paths).
func (f *File) ReadFrom(r io.Reader) (n int64, err error) {
	src, limit := r, int64(-1)
	lr, limited := r.(*io.LimitedReader)
	if limited {
		src, limit = lr.R, lr.N
	}
	if sf, ok := src.(*File); ok {
		n, handled, err := f.spliceFrom(sf, limit)
		if limited {
			lr.N -= n
		}
		if handled {
			return n, err
		}
	}
	return io.Copy(onlyWriter{f}, r)
}

// onlyWriter hides File's ReadFrom from io.Copy, which would call it again.
type onlyWriter struct{ io.Writer }

// spliceFrom moves up to limit bytes (all, if limit < 0) from src to f in
// the kernel. handled is false, with nothing moved, where the kernel cannot
// move between the two or a descriptor is non-blocking: the caller copies
// through a buffer then.
func (f *File) spliceFrom(src *File, limit int64) (n int64, handled bool, err error) {
	if limit == 0 {
		return 0, true, nil
	}
	if err := f.incref("write"); err != nil {
		return 0, true, err
	}
	defer f.decref()
	if err := src.incref("read"); err != nil {
		return 0, true, f.wrap("write", err)
	}
	defer src.decref()
	dstPipe, ok1 := blockingKind(f.fd)
	srcPipe, ok2 := blockingKind(src.fd)
	if !ok1 || !ok2 {
		return 0, false, nil
	}
	move := func(chunk int) (int, error) { return Sendfile(f.fd, src.fd, nil, chunk) }
	if dstPipe || srcPipe {
		move = func(chunk int) (int, error) {
			m, err := Splice(src.fd, nil, f.fd, nil, chunk, 0)
			return int(m), err
		}
	}
	for limit < 0 || n < limit {
		chunk := int64(maxRW)
		if limit >= 0 {
			chunk = min(chunk, limit-n)
		}
		m, err := move(int(chunk))
		if m > 0 {
			n += int64(m)
		}
		switch {
		case err != nil && n == 0 && cannotMove(err):
			return 0, false, nil // nothing moved: copy through a buffer
		case err != nil:
			return n, true, f.wrap("write", err)
		case m == 0:
			return n, true, nil // src's end
		}
		if err := CheckSignals(); err != nil { // a signal may have cut the call short
			return n, true, f.wrap("write", err)
		}
	}
	return n, true, nil
}

// blockingKind says whether fd is a pipe, and ok = false where it is in
// non-blocking mode or cannot be asked (the kernel path would need a poll
// on the side that is not ready; the buffered copy has one).
func blockingKind(fd int) (pipe, ok bool) {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || fl&unix.O_NONBLOCK != 0 {
		return false, false
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return false, false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFIFO, true
}

// cannotMove: the errors by which splice(2) and sendfile(2) say that they
// cannot move between these two descriptors, before moving anything.
func cannotMove(err error) bool {
	switch err {
	case unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP, unix.EXDEV, unix.EBADF, unix.ESPIPE:
		return true
	}
	return false
}
