// Package tmpfs is a filesystem kept in memory (see tmpfs(5)): regular
// files (sparse, in pages allocated on first write), directories with
// stable readdir offsets, symlinks, hard links, FIFOs, device nodes that
// open the kernel's own devices (fs/dev), timestamps kept as POSIX says,
// extended attributes and O_TMPFILE. It implements vfs.Inode; the VFS
// does resolution and permission checks.
//
// Locking: one mutex per filesystem (FS.mu) guards every inode's
// metadata and directory entries. A regular file's pages are its
// mm.PageCache (file.go), whose lock is taken after FS.mu. An open
// file's position has its own mutex, taken before FS.mu.
package tmpfs

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// MaxFileSize is the largest file size (s_maxbytes); larger is EFBIG.
const MaxFileSize = 1 << 43

// devCounter hands out anonymous device numbers (major 0), as Linux does
// for tmpfs mounts.
var devCounter atomic.Uint64

// FS is one tmpfs instance.
type FS struct {
	dev     uint64
	mu      sync.Mutex
	nextIno uint64
	root    *inode
	// Now is the clock for timestamps; tests may replace it.
	Now func() fs.Timespec
	// noBtime hides the files' birth time (see Named); guarded by mu.
	noBtime bool
	// ZeroRange makes fallocate(2) accept FALLOC_FL_ZERO_RANGE, which
	// Linux's tmpfs refuses (shmem_fallocate): set it before use for a
	// tmpfs that stands for a disk filesystem (the overlay's upper
	// layer over the host's root).
	ZeroRange bool
}

var _ vfs.FileSystem = (*FS)(nil)

// New makes an empty tmpfs whose root directory has mode (permission
// bits) and owner uid:gid.
func New(mode uint32, uid, gid uint32) *FS {
	f := &FS{dev: 0x20 + devCounter.Add(1), Now: realNow}
	f.root = f.newInode(vfs.CreateAttr{Mode: fs.ModeDir | mode&0o7777, UID: uid, GID: gid})
	f.root.nlink = 2
	f.root.dir.parent = f.root
	return f
}

func realNow() fs.Timespec {
	t := time.Now()
	return fs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// Root implements vfs.FileSystem.
func (f *FS) Root() vfs.Inode { return f.root }

// Name implements vfs.FileSystem.
func (f *FS) Name() string { return "tmpfs" }

// Dev is the filesystem's device number.
func (f *FS) Dev() uint64 { return f.dev }

// inode is every kind of tmpfs file; the fields used depend on the type.
type inode struct {
	fs *FS

	ino                 uint64
	mode                uint32
	uid, gid            uint32
	nlink               uint64
	rdev                uint64
	atime, mtime, ctime fs.Timespec
	btime               fs.Timespec // birth, which statx(2) reports as shmem does
	xattrs              map[string][]byte

	data   fileData   // regular files
	dir    *dirData   // directories
	target string     // symlinks
	fifo   *pipe.FIFO // FIFOs
	// tmpfile marks an O_TMPFILE inode, which linkat may name even
	// though its link count is zero.
	tmpfile bool
}

var _ vfs.Inode = (*inode)(nil)

// newInode makes an inode with link count 1 (0 for the caller to fix
// for directories). Called with f.mu held, or before f is shared.
func (f *FS) newInode(a vfs.CreateAttr) *inode {
	f.nextIno++
	now := f.Now()
	n := &inode{fs: f, ino: f.nextIno, mode: a.Mode, uid: a.UID, gid: a.GID, nlink: 1,
		rdev: a.Rdev, atime: now, mtime: now, ctime: now, btime: now}
	switch a.Mode & fs.ModeTypeMask {
	case fs.ModeDir:
		n.dir = &dirData{entries: map[string]*dirent{}, nextCookie: firstCookie}
	case fs.ModeFIFO:
		n.fifo = pipe.NewFIFO()
	}
	return n
}

func (n *inode) typ() uint32 { return n.mode & fs.ModeTypeMask }

// Getattr implements vfs.Inode.
func (n *inode) Getattr() (fs.Stat, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	return n.statLocked(), nil
}

func (n *inode) statLocked() fs.Stat {
	st := fs.Stat{Dev: n.fs.dev, Ino: n.ino, Mode: n.mode, Nlink: n.nlink, UID: n.uid,
		GID: n.gid, Rdev: n.rdev, Blksize: pageSize, Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime}
	if !n.fs.noBtime {
		st.Btime = n.btime
	}
	switch n.typ() {
	case fs.ModeRegular:
		st.Size = n.data.Size()
		st.Blocks = n.data.Pages() * (pageSize / 512)
	case fs.ModeDir:
		// tmpfs reports a directory's size as a count of its entries.
		st.Size = int64(len(n.dir.entries)+2) * 20
	case fs.ModeSymlink:
		st.Size = int64(len(n.target))
	}
	return st
}

// Setattr implements vfs.Inode: every change updates ctime; a size
// change (even to the same size) updates mtime too, as truncate(2) does
// on Linux.
func (n *inode) Setattr(a *vfs.SetAttr) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	now := n.fs.Now()
	if a.Mask&vfs.AttrSize != 0 {
		switch n.typ() {
		case fs.ModeRegular:
		case fs.ModeDir:
			return kerr.EISDIR
		default:
			return kerr.EINVAL
		}
		if a.Size < 0 {
			return kerr.EINVAL
		}
		if a.Size > MaxFileSize {
			return kerr.EFBIG
		}
		n.data.truncate(a.Size)
		n.mtime = now
	}
	if a.Mask&vfs.AttrMode != 0 {
		n.mode = n.typ() | a.Mode&0o7777
	}
	if a.Mask&vfs.AttrUID != 0 {
		n.uid = a.UID
	}
	if a.Mask&vfs.AttrGID != 0 {
		n.gid = a.GID
	}
	switch {
	case a.Mask&vfs.AttrAtimeNow != 0:
		n.atime = now
	case a.Mask&vfs.AttrAtime != 0:
		n.atime = a.Atime
	}
	switch {
	case a.Mask&vfs.AttrMtimeNow != 0:
		n.mtime = now
	case a.Mask&vfs.AttrMtime != 0:
		n.mtime = a.Mtime
	}
	n.ctime = now
	return nil
}

// Readlink implements vfs.Inode.
func (n *inode) Readlink() (string, error) {
	if n.typ() != fs.ModeSymlink {
		return "", kerr.EINVAL
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	n.touchAtimeLocked()
	return n.target, nil
}

// touchAtimeLocked updates atime the way Linux's default relatime does:
// only if it is not newer than mtime or ctime, or is a day old (see
// mount(8), relatime). That keeps "was it read since it changed" true.
func (n *inode) touchAtimeLocked() {
	now := n.fs.Now()
	if !after(n.atime, n.mtime) || !after(n.atime, n.ctime) || now.Sec-n.atime.Sec >= 24*3600 {
		n.atime = now
	}
}

func after(a, b fs.Timespec) bool {
	return a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec
}

// Open implements vfs.Inode.
func (n *inode) Open(flags fs.OpenFlags) (fs.File, error) {
	switch n.typ() {
	case fs.ModeRegular:
		return &regularFile{n: n, append: flags.Append}, nil
	case fs.ModeDir:
		return &dirFile{n: n}, nil
	case fs.ModeFIFO:
		return n.openFIFO(flags)
	case fs.ModeChar:
		return n.openDevice()
	case fs.ModeSymlink:
		return nil, kerr.ELOOP
	default:
		return nil, kerr.ENXIO // block devices and sockets: nothing behind them
	}
}
