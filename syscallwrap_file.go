//go:build linux && cgo

package pysignal

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// The rest of CPython's PEP 475 calls (docs/design.md, "Which calls are
// wrapped"): each is its x/sys/unix twin in the loop. Most of them wait only
// on a network or FUSE file system, where a signal can interrupt them;
// sendfile and splice also wait on pipes and sockets.

// Sendfile is unix.Sendfile in the PEP 475 loop: CPython's os.sendfile.
// Like sendfile(2) it may copy less than count (a signal after some bytes
// went, a pipe or socket with room for part of it): the count says how
// much. With offset nil it reads from infd's file offset, else from
// *offset, which it advances.
func Sendfile(outfd int, infd int, offset *int64, count int) (written int, err error) {
	if err := narrow(outfd, infd); err != nil {
		return 0, err
	}
	return retry("sendfile", func() (int, error) { return unix.Sendfile(outfd, infd, offset, count) })
}

// Splice is unix.Splice in the PEP 475 loop: CPython's os.splice. One of
// rfd and wfd must be a pipe. It may move less than len: the count says how
// much.
func Splice(rfd int, roff *int64, wfd int, woff *int64, len int, flags int) (n int64, err error) {
	if err := narrow(rfd, wfd, flags); err != nil {
		return 0, err
	}
	r, err := retry("splice", func() (int, error) {
		n, err := unix.Splice(rfd, roff, wfd, woff, len, flags)
		return int(n), err
	})
	return int64(r), err
}

// CopyFileRange is unix.CopyFileRange in the PEP 475 loop: CPython's
// os.copy_file_range. It may copy less than len.
func CopyFileRange(rfd int, roff *int64, wfd int, woff *int64, len int, flags int) (n int, err error) {
	if err := narrow(rfd, wfd, flags); err != nil {
		return 0, err
	}
	return retry("copy_file_range", func() (int, error) { return unix.CopyFileRange(rfd, roff, wfd, woff, len, flags) })
}

// Preadv is unix.Preadv in the PEP 475 loop: CPython's os.preadv.
func Preadv(fd int, iovs [][]byte, offset int64) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("preadv", func() (int, error) { return unix.Preadv(fd, iovs, offset) })
}

// Pwritev is unix.Pwritev in the PEP 475 loop: CPython's os.pwritev. Like
// pwritev(2) it may write less than asked.
func Pwritev(fd int, iovs [][]byte, offset int64) (n int, err error) {
	if err := narrow(fd); err != nil {
		return 0, err
	}
	return retry("pwritev", func() (int, error) { return unix.Pwritev(fd, iovs, offset) })
}

// Preadv2 is unix.Preadv2 in the PEP 475 loop: CPython's os.preadv with
// flags (RWF_NOWAIT, RWF_HIPRI).
func Preadv2(fd int, iovs [][]byte, offset int64, flags int) (n int, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, err
	}
	return retry("preadv2", func() (int, error) { return unix.Preadv2(fd, iovs, offset, flags) })
}

// Pwritev2 is unix.Pwritev2 in the PEP 475 loop: CPython's os.pwritev with
// flags (RWF_DSYNC, RWF_SYNC, RWF_APPEND).
func Pwritev2(fd int, iovs [][]byte, offset int64, flags int) (n int, err error) {
	if err := narrow(fd, flags); err != nil {
		return 0, err
	}
	return retry("pwritev2", func() (int, error) { return unix.Pwritev2(fd, iovs, offset, flags) })
}

// Fallocate is unix.Fallocate in the PEP 475 loop: CPython's
// os.posix_fallocate, which is Fallocate with mode 0. glibc's
// posix_fallocate writes zeros itself where the file system lacks
// fallocate(2); Fallocate returns the kernel's EOPNOTSUPP instead.
func Fallocate(fd int, mode uint32, off int64, len int64) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fallocate", func() (int, error) { return result(unix.Fallocate(fd, mode, off, len)) })
	return err
}

// Fadvise is unix.Fadvise in the PEP 475 loop: CPython's os.posix_fadvise.
func Fadvise(fd int, offset int64, length int64, advice int) error {
	if err := narrow(fd, advice); err != nil {
		return err
	}
	_, err := retry("fadvise64", func() (int, error) { return result(unix.Fadvise(fd, offset, length, advice)) })
	return err
}

// Fdatasync is unix.Fdatasync in the PEP 475 loop: CPython's os.fdatasync.
func Fdatasync(fd int) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fdatasync", func() (int, error) { return result(unix.Fdatasync(fd)) })
	return err
}

// Fstat is unix.Fstat in the PEP 475 loop: CPython's os.fstat.
func Fstat(fd int, stat *unix.Stat_t) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fstat", func() (int, error) { return result(unix.Fstat(fd, stat)) })
	return err
}

// Fstatfs is unix.Fstatfs in the PEP 475 loop: CPython's os.fstatvfs (glibc
// computes fstatvfs from fstatfs).
func Fstatfs(fd int, buf *unix.Statfs_t) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fstatfs", func() (int, error) { return result(unix.Fstatfs(fd, buf)) })
	return err
}

// Fchdir is unix.Fchdir in the PEP 475 loop: CPython's os.fchdir. The
// working directory is the process's, shared by every goroutine.
func Fchdir(fd int) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fchdir", func() (int, error) { return result(unix.Fchdir(fd)) })
	return err
}

// Fchmod is unix.Fchmod in the PEP 475 loop: CPython's os.fchmod.
func Fchmod(fd int, mode uint32) error {
	if err := narrow(fd); err != nil {
		return err
	}
	_, err := retry("fchmod", func() (int, error) { return result(unix.Fchmod(fd, mode)) })
	return err
}

// Fchown is unix.Fchown in the PEP 475 loop: CPython's os.fchown. -1 leaves
// the owner or group as it is; an id beyond the kernel's 32-bit uid_t gives
// ErrOverflow, as CPython's OverflowError.
func Fchown(fd int, uid int, gid int) error {
	if err := narrow(fd); err != nil {
		return err
	}
	if err := checkID(uid, gid); err != nil {
		return err
	}
	_, err := retry("fchown", func() (int, error) { return result(unix.Fchown(fd, uid, gid)) })
	return err
}

// checkID refuses a uid or gid that uid_t (32 bits, unsigned) cannot hold;
// -1 is "unchanged".
func checkID(ids ...int) error {
	for _, id := range ids {
		if id < -1 || id > 1<<32-1 {
			return fmt.Errorf("%w: id %d does not fit uid_t", ErrOverflow, id)
		}
	}
	return nil
}

// Truncate is unix.Truncate in the PEP 475 loop: CPython's os.truncate.
func Truncate(path string, length int64) error {
	_, err := retry("truncate", func() (int, error) { return result(unix.Truncate(path, length)) })
	return err
}

// Mkfifo is unix.Mkfifo in the PEP 475 loop: CPython's os.mkfifo.
func Mkfifo(path string, mode uint32) error {
	_, err := retry("mknodat", func() (int, error) { return result(unix.Mkfifo(path, mode)) })
	return err
}

// Mkfifoat is unix.Mkfifoat in the PEP 475 loop: CPython's os.mkfifo with
// dir_fd.
func Mkfifoat(dirfd int, path string, mode uint32) error {
	if err := narrow(dirfd); err != nil {
		return err
	}
	_, err := retry("mknodat", func() (int, error) { return result(unix.Mkfifoat(dirfd, path, mode)) })
	return err
}

// Mknod is unix.Mknod in the PEP 475 loop: CPython's os.mknod.
func Mknod(path string, mode uint32, dev int) error {
	_, err := retry("mknodat", func() (int, error) { return result(unix.Mknod(path, mode, dev)) })
	return err
}

// Mknodat is unix.Mknodat in the PEP 475 loop: CPython's os.mknod with
// dir_fd.
func Mknodat(dirfd int, path string, mode uint32, dev int) error {
	if err := narrow(dirfd); err != nil {
		return err
	}
	_, err := retry("mknodat", func() (int, error) { return result(unix.Mknodat(dirfd, path, mode, dev)) })
	return err
}

// Getrandom is unix.Getrandom in the PEP 475 loop: CPython's os.getrandom.
// It waits only until the kernel's entropy pool is ready (or, with
// GRND_RANDOM, for entropy); a signal during a large read may end it
// after part of buf: the count says how much.
func Getrandom(buf []byte, flags int) (n int, err error) {
	if err := narrow(flags); err != nil {
		return 0, err
	}
	return retry("getrandom", func() (int, error) { return unix.Getrandom(buf, flags) })
}

// FcntlInt is unix.FcntlInt in the PEP 475 loop: CPython's fcntl.fcntl
// with an integer argument. FcntlFlock is the one for the locking commands.
func FcntlInt(fd uintptr, cmd, arg int) (int, error) {
	if err := narrow(int(fd), cmd); err != nil {
		return -1, err
	}
	return retry("fcntl", func() (int, error) { return unix.FcntlInt(fd, cmd, arg) })
}
