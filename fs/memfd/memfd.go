// Package memfd implements the anonymous memory file of memfd_create(2):
// a regular file with no name in any directory, living only in memory
// while a descriptor or mapping holds it, and its seals (the "File
// sealing" section of memfd_create(2), fcntl(2) F_ADD_SEALS).
//
// The bytes live in an mm.PageCache, which every mapping of the memfd
// maps, so MAP_SHARED mappings (in any process) and read(2)/write(2) see
// each other, as on Linux. F_SEAL_WRITE is refused (EBUSY) while a
// shared mapping that may write exists; mmap refuses new ones once the
// seal is set.
package memfd

import (
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// Seals, as fcntl(2) numbers them (F_SEAL_*).
const (
	SealSeal   = 0x1
	SealShrink = 0x2
	SealGrow   = 0x4
	SealWrite  = 0x8
	// SealFutureWrite forbids writes and new writable shared mappings
	// from now on; mappings made before keep working.
	SealFutureWrite = 0x10
	// SealExec freezes the execute bits; runos only records it.
	SealExec = 0x20
	allSeals = SealSeal | SealShrink | SealGrow | SealWrite | SealFutureWrite | SealExec
)

// dev is the device number memfds report (Linux puts them on an internal
// tmpfs mount; the number only has to differ from other filesystems').
const dev = 0x1b

var (
	inoMu   sync.Mutex
	nextIno uint64 = 1
)

// maxSize bounds a memfd, as the sandbox's memory does.
const maxSize = 1 << 34

// File is one memfd. The file position lives here: a memfd has a single
// open file description (it cannot be reopened by path here).
//
// Lock order: File.mu, then the page cache's (see mm.PageCache).
type File struct {
	Name string

	mu    sync.Mutex
	data  mm.PageCache
	pos   int64
	seals int
	ino   uint64
	times fs.Timespec
	// mode, uid and gid are what fchmod(2) and fchown(2) set: a memfd
	// starts as 0777, owned by root here.
	mode     uint32
	uid, gid uint32
	ctime    fs.Timespec
}

// New returns an empty memfd; allowSealing is MFD_ALLOW_SEALING (without
// it the file starts with F_SEAL_SEAL, so no seal can ever be added).
func New(name string, allowSealing bool) *File {
	inoMu.Lock()
	ino := nextIno
	nextIno++
	inoMu.Unlock()
	t := now()
	f := &File{Name: name, ino: ino, times: t, ctime: t, mode: 0o777}
	if !allowSealing {
		f.seals = SealSeal
	}
	return f
}

func now() fs.Timespec {
	t := time.Now()
	return fs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// Seals returns the seals set (F_GET_SEALS).
func (f *File) Seals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seals
}

// AddSeals adds seals (F_ADD_SEALS): EPERM once F_SEAL_SEAL is set,
// EINVAL for unknown bits, and EBUSY for F_SEAL_WRITE while a shared
// mapping that may write exists (see memfd_create(2)).
func (f *File) AddSeals(s int) error {
	if s&^allSeals != 0 {
		return kerr.EINVAL
	}
	if f.Seals()&SealSeal != 0 {
		return kerr.EPERM
	}
	// The mappings are looked at without f.mu, which comes before the
	// mm's locks. mmap asks Seals before it maps, so a mapping made
	// between that and this check is missed (Linux's
	// mapping_deny_writable closes that window).
	if s&SealWrite != 0 && f.data.MappedWritable() {
		return kerr.EBUSY
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seals&SealSeal != 0 {
		return kerr.EPERM
	}
	f.seals |= s
	return nil
}

// Allocate implements fallocate(2) as on tmpfs (vfs.Allocator): it
// reserves pages (growing the size unless KEEP_SIZE) or punches a hole.
// F_SEAL_WRITE forbids punching, F_SEAL_GROW reaching past the end.
func (f *File) Allocate(mode vfs.AllocMode, off, length int64) error {
	if off < 0 || length <= 0 {
		return kerr.EINVAL
	}
	if mode&vfs.AllocZeroRange != 0 {
		return kerr.EOPNOTSUPP // shmem has no FALLOC_FL_ZERO_RANGE
	}
	if mode&vfs.AllocPunchHole != 0 && mode&vfs.AllocKeepSize == 0 {
		return kerr.EOPNOTSUPP
	}
	end := off + length
	if end > maxSize || end < 0 {
		return kerr.EFBIG
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if mode&vfs.AllocPunchHole != 0 {
		if f.seals&(SealWrite|SealFutureWrite) != 0 {
			return kerr.EPERM
		}
		f.data.Zero(off, end)
		f.times = now()
		return nil
	}
	if f.seals&SealGrow != 0 && end > f.data.Size() {
		return kerr.EPERM
	}
	f.data.Allocate(off, end, mode&vfs.AllocKeepSize != 0)
	f.ctime = now()
	if mode&vfs.AllocKeepSize == 0 {
		f.times = f.ctime
	}
	return nil
}

// Setattr implements vfs.AttrFile: fchmod(2) and fchown(2) on a memfd.
// Only the mode and owner change here; ftruncate is Truncate.
func (f *File) Setattr(a *vfs.SetAttr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.Mask&vfs.AttrMode != 0 {
		f.mode = a.Mode & 0o7777
	}
	if a.Mask&vfs.AttrUID != 0 {
		f.uid = a.UID
	}
	if a.Mask&vfs.AttrGID != 0 {
		f.gid = a.GID
	}
	f.ctime = now()
	return nil
}

var _ mm.CachedFile = (*File)(nil)

// PageCache implements mm.CachedFile: mappings of the memfd map its pages.
func (f *File) PageCache() *mm.PageCache { return &f.data }

func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, kerr.EINVAL
	}
	return f.data.ReadAt(p, off), nil
}

func (f *File) Read(p []byte) (int, error) {
	f.mu.Lock()
	off := f.pos
	f.mu.Unlock()
	n, err := f.ReadAt(p, off)
	f.mu.Lock()
	f.pos = off + int64(n)
	f.mu.Unlock()
	return n, err
}

// writeLocked writes p at off, honouring F_SEAL_WRITE and F_SEAL_GROW
// (EPERM, as fcntl(2) says for writes the seals forbid).
func (f *File) writeLocked(p []byte, off int64) (int, error) {
	if f.seals&(SealWrite|SealFutureWrite) != 0 {
		return 0, kerr.EPERM
	}
	end := off + int64(len(p))
	if end > f.data.Size() {
		if f.seals&SealGrow != 0 {
			return 0, kerr.EPERM
		}
		if end > maxSize {
			return 0, kerr.EFBIG
		}
	}
	f.data.WriteAt(p, off)
	f.times = now()
	return len(p), nil
}

func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, kerr.EINVAL
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writeLocked(p, off)
}

func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.writeLocked(p, f.pos)
	f.pos += int64(n)
	return n, err
}

// Truncate sets the size (ftruncate(2)), honouring F_SEAL_SHRINK and
// F_SEAL_GROW.
func (f *File) Truncate(size int64) error {
	if size < 0 {
		return kerr.EINVAL
	}
	if size > maxSize {
		return kerr.EFBIG
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.data.Size()
	if size < cur && f.seals&SealShrink != 0 || size > cur && f.seals&SealGrow != 0 {
		return kerr.EPERM
	}
	// Shrinking unmaps the pages beyond the new end from every mapping
	// (File.mu comes before the mm's locks).
	f.data.Truncate(size)
	f.times = now()
	return nil
}

func (f *File) Seek(off int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var base int64
	switch whence {
	case 0:
	case 1:
		base = f.pos
	case 2:
		base = f.data.Size()
	default:
		return 0, kerr.EINVAL
	}
	if base+off < 0 {
		return 0, kerr.EINVAL
	}
	f.pos = base + off
	return f.pos, nil
}

// Stat reports a regular file, at first with mode 0777 as Linux's memfds.
func (f *File) Stat() (fs.Stat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fs.Stat{
		Dev: dev, Ino: f.ino, Mode: fs.ModeRegular | f.mode, Nlink: 1, UID: f.uid, GID: f.gid,
		Size: f.data.Size(), Blksize: 4096, Blocks: f.data.Pages() * (4096 / 512),
		Atime: f.times, Mtime: f.times, Ctime: later(f.times, f.ctime),
	}, nil
}

func (f *File) Close() error { return nil }

// later is the later of two times: a write changes the ctime too.
func later(a, b fs.Timespec) fs.Timespec {
	if a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec {
		return a
	}
	return b
}
