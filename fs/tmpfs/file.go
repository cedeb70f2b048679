package tmpfs

import (
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

const pageSize = 4096

// fileData is a regular file's contents: its page cache, which holds the
// only copy of the data (pages allocated on first write, so a file may be
// sparse) and which every mapping of the file maps, so read(2), write(2)
// and MAP_SHARED mappings all see each other (see mm.PageCache). The
// cache has its own lock, taken after FS.mu.
type fileData struct {
	mm.PageCache
}

func (d *fileData) truncate(size int64) { d.Truncate(size) }

// regularFile is an open regular file.
type regularFile struct {
	n      *inode
	append bool

	mu  sync.Mutex // guards pos
	pos int64
}

var (
	_ vfs.Allocator = (*regularFile)(nil)
	_ mm.CachedFile = (*regularFile)(nil)
)

// PageCache implements mm.CachedFile: mappings of the file map its pages.
func (f *regularFile) PageCache() *mm.PageCache { return &f.n.data.PageCache }

func (f *regularFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.ReadAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

// ReadAt is pread(2): a short count at end of file.
func (f *regularFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, kerr.EINVAL
	}
	n := f.n
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	n.touchAtimeLocked()
	return n.data.ReadAt(p, off), nil
}

// Write writes at the position, or at the end with O_APPEND, which is
// atomic with respect to other writers (see open(2), O_APPEND).
func (f *regularFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.write(p, f.pos, f.append)
	f.pos = n
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteAt is pwrite(2); as on Linux, O_APPEND makes it append anyway.
func (f *regularFile) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, kerr.EINVAL
	}
	if _, err := f.write(p, off, f.append); err != nil {
		return 0, err
	}
	return len(p), nil
}

// write stores p and returns the offset after it.
func (f *regularFile) write(p []byte, off int64, appending bool) (int64, error) {
	n := f.n
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if appending {
		off = n.data.Size()
	}
	if len(p) == 0 {
		return off, nil
	}
	if off+int64(len(p)) > MaxFileSize {
		return off, kerr.EFBIG
	}
	n.data.WriteAt(p, off)
	now := n.fs.Now()
	n.mtime, n.ctime = now, now
	// Writing drops set-user-ID and set-group-ID, as a non-root writer's
	// write(2) does on Linux (we do it for everyone: simpler, and safe).
	if n.mode&0o4000 != 0 || n.mode&0o2010 == 0o2010 {
		n.mode &^= 0o4000
		if n.mode&0o010 != 0 {
			n.mode &^= 0o2000
		}
	}
	return off + int64(len(p)), nil
}

// Seek is lseek(2), with SEEK_DATA (3) and SEEK_HOLE (4) over the page
// map.
func (f *regularFile) Seek(off int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.n
	n.fs.mu.Lock()
	size := n.data.Size()
	var pos int64
	switch whence {
	case 0:
		pos = off
	case 1:
		pos = f.pos + off
	case 2:
		pos = size + off
	case 3, 4:
		if off < 0 || off >= size {
			n.fs.mu.Unlock()
			return 0, kerr.ENXIO
		}
		pos = off
		for pos < size && n.data.HasPage(pos) != (whence == 3) {
			pos = (pos/pageSize + 1) * pageSize
		}
		if pos >= size {
			if whence == 3 {
				n.fs.mu.Unlock()
				return 0, kerr.ENXIO
			}
			pos = size
		}
	default:
		n.fs.mu.Unlock()
		return 0, kerr.EINVAL
	}
	n.fs.mu.Unlock()
	if pos < 0 {
		return 0, kerr.EINVAL
	}
	f.pos = pos
	return pos, nil
}

func (f *regularFile) Stat() (fs.Stat, error) { return f.n.Getattr() }
func (f *regularFile) Close() error           { return nil }

// Allocate implements vfs.Allocator (fallocate(2)).
func (f *regularFile) Allocate(mode vfs.AllocMode, off, length int64) error {
	if off < 0 || length <= 0 {
		return kerr.EINVAL
	}
	if mode&vfs.AllocPunchHole != 0 && mode&vfs.AllocKeepSize == 0 {
		return kerr.EOPNOTSUPP
	}
	end := off + length
	if end > MaxFileSize || end < 0 {
		return kerr.EFBIG
	}
	n := f.n
	if mode&vfs.AllocZeroRange != 0 && !n.fs.ZeroRange {
		return kerr.EOPNOTSUPP // shmem_fallocate knows only KEEP_SIZE and PUNCH_HOLE
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	switch {
	case mode&vfs.AllocPunchHole != 0:
		n.data.Zero(off, end)
	case mode&vfs.AllocZeroRange != 0:
		n.data.Zero(off, end)
		fallthrough
	default:
		n.data.Allocate(off, end, mode&vfs.AllocKeepSize != 0)
	}
	now := n.fs.Now()
	if mode&(vfs.AllocPunchHole|vfs.AllocZeroRange) != 0 || mode&vfs.AllocKeepSize == 0 {
		n.mtime = now
	}
	n.ctime = now
	return nil
}
