package host

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// File is an open host file beneath a Root (read-only) or a Bind
// (writable when opened for writing). Its position is
// the host descriptor's own offset, so the open file description that
// holds the File (shared by dup and fork) shares it too.
//
// A regular File is an mm.CachedFile: its mappings share the host
// inode's page cache (pagecache.go), which read(2) and write(2) here keep
// coherent with the host file.
type File struct {
	fd       int
	writable bool // opened for writing: Write and WriteAt reach the host
	append   bool // O_APPEND
	regular  bool // a regular file, which has a page cache when mapped
	key      fileKey
	// closed makes Close idempotent-safe: a second Close is EBADF, not a
	// close of whatever host descriptor reused the number.
	closed atomic.Bool
}

var (
	_ fs.File       = (*File)(nil)
	_ mm.CachedFile = (*File)(nil)
)

// PageCache implements mm.CachedFile: the inode's cache, nil (a private
// copy per mapping) if the file is no regular file or cannot be opened
// again for the cache.
func (f *File) PageCache() *mm.PageCache {
	if !f.regular || f.closed.Load() {
		return nil
	}
	st, err := fstat(f.fd)
	if err != nil {
		return nil
	}
	c, err := cacheFor(f, st)
	if err != nil {
		return nil
	}
	return c
}

// syncMapped writes back the stores of shared mappings into [off,
// off+n) before a read, so read(2) sees them as it would on Linux, where
// both go through one page cache.
func (f *File) syncMapped(off int64, n int) {
	if !f.regular {
		return
	}
	if e := mappedCache(f.key); e != nil {
		if off < 0 {
			cur, err := unix.Seek(f.fd, 0, unix.SEEK_CUR)
			if err != nil {
				return
			}
			off = cur
		}
		e.cache.Writeback(off, off+int64(n))
	}
}

// updateMapped copies what a write of p just stored at off (at the
// position before it if off < 0) into the cached pages mappings see.
func (f *File) updateMapped(p []byte, off int64) {
	if !f.regular || len(p) == 0 {
		return
	}
	e := mappedCache(f.key)
	if e == nil {
		return
	}
	if off < 0 || f.append {
		// The write ended at the new position (or, appending, at
		// the new end of file).
		var end int64
		if f.append {
			st, err := fstat(f.fd)
			if err != nil {
				return
			}
			end = st.Size
		} else if cur, err := unix.Seek(f.fd, 0, unix.SEEK_CUR); err == nil {
			end = cur
		} else {
			return
		}
		off = end - int64(len(p))
	}
	e.cache.Update(p, off)
	e.b.changed()
}

// Read reads at the current position; a directory gives EISDIR, as
// read(2) does.
func (f *File) Read(p []byte) (int, error) {
	if f.closed.Load() {
		return 0, kerr.EBADF
	}
	f.syncMapped(-1, len(p))
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
	f.syncMapped(off, len(p))
	return preadFull(f.fd, p, off)
}

// preadFull is pread(2) until p is full or the file ends.
func preadFull(fd int, p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) {
		n, err := unix.Pread(fd, p[total:], off+int64(total))
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
		f.updateMapped(p[:n], -1)
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
	n, err := pwrite(f.fd, p, off)
	if err == nil {
		f.updateMapped(p[:n], off)
	}
	return n, err
}

// pwrite is pwrite(2) with EINTR retried and the error translated.
func pwrite(fd int, p []byte, off int64) (int, error) {
	for {
		n, err := unix.Pwrite(fd, p, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, FromErrno(err)
		}
		return n, nil
	}
}

// Sync is fsync(2): the stores of shared mappings are written back, then
// the host file is synced if runos may write it.
func (f *File) Sync() error {
	if f.closed.Load() {
		return kerr.EBADF
	}
	if !f.regular {
		return nil
	}
	if e := mappedCache(f.key); e != nil {
		if err := e.cache.Writeback(0, 1<<63-1); err != nil {
			return err
		}
	}
	if !f.writable {
		return nil
	}
	return retry(func() error { return unix.Fsync(f.fd) })
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
