package host

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// File is an open host file beneath a Root (read-only) or a Bind
// (writable when opened for writing). Its position is
// the host descriptor's own offset, so the open file description that
// holds the File (shared by dup and fork) shares it too.
//
// File satisfies mm.Mappable through ReadAt. As pread(2) does, ReadAt
// returns a short count at end of file; a mapping's reader zero-fills the
// rest of the page.
type File struct {
	fd       int
	writable bool // opened for writing: Write and WriteAt reach the host
	// closed makes Close idempotent-safe: a second Close is EBADF, not a
	// close of whatever host descriptor reused the number.
	closed atomic.Bool
}

var _ fs.File = (*File)(nil)

// Read reads at the current position; a directory gives EISDIR, as
// read(2) does.
func (f *File) Read(p []byte) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	for {
		n, err := unix.Read(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, FromErrno(err)
		}
		return n, nil
	}
}

// ReadAt is pread(2). It keeps reading after a short read until p is full
// or the file ends, so a page-sized read from a mapping gets whole pages.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	if off < 0 {
		return 0, kerr.EINVAL
	}
	total := 0
	for total < len(p) {
		n, err := unix.Pread(f.fd, p[total:], off+int64(total))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, FromErrno(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, nil
}

// Write writes at the current position (or at the end, with O_APPEND).
// A file opened read-only gives EBADF, as write(2) does.
func (f *File) Write(p []byte) (int, error) {
	if f.closed.Load() || !f.writable {
		return 0, kerr.EBADF
	}
	for {
		n, err := unix.Write(f.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, FromErrno(err)
		}
		return n, nil
	}
}

// WriteAt is pwrite(2); as on Linux, O_APPEND makes it append anyway.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.closed.Load() || !f.writable {
		return 0, kerr.EBADF
	}
	if off < 0 {
		return 0, kerr.EINVAL
	}
	for {
		n, err := unix.Pwrite(f.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, FromErrno(err)
		}
		return n, nil
	}
}

// Seek is lseek(2) on the host descriptor, so SEEK_DATA/SEEK_HOLE (3, 4)
// work too.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	n, err := unix.Seek(f.fd, off, whence)
	if err != nil {
		return 0, FromErrno(err)
	}
	return n, nil
}

// Stat is fstat(2) on the host descriptor.
func (f *File) Stat() (fs.Stat, error) {
	if f.closed.Load() {
		return fs.Stat{}, kerr.EBADF
	}
	return fstat(f.fd)
}

// Close closes the host descriptor. As close(2) advises, it is not
// retried on EINTR: the descriptor is gone either way on Linux.
func (f *File) Close() error {
	if f.closed.Swap(true) {
		return kerr.EBADF
	}
	return FromErrno(unix.Close(f.fd))
}
