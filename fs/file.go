// Package fs is the kernel's file layer: the File interface every kind of
// open file implements, open file descriptions (shared by dup and fork,
// carrying the offset and status flags), and the neutral Stat record.
// Filesystems live in sub-packages (fs/host: host passthrough beneath a root).
//
// Nothing here knows a personality's struct layouts or flag numbers: a
// personality decodes its ABI into the types below.
package fs

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/kernel/kerr"
)

// File is an open file as a filesystem implements it. Methods return
// kerr errors; io.EOF is never returned (a zero-length read is end of file).
type File interface {
	// Read reads at the file's current position (for files with one) or
	// from the stream.
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	// ReadAt/WriteAt are pread/pwrite; ESPIPE for streams.
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	// Seek as lseek(2): whence 0 SET, 1 CUR, 2 END.
	Seek(off int64, whence int) (int64, error)
	Stat() (Stat, error)
	Close() error
}

// Terminal is implemented by files that are terminals (ENOTTY otherwise).
type Terminal interface {
	// TermiosBytes returns the raw termios of the host terminal, if any.
	IsTerminal() bool
	// WindowSize returns rows, columns.
	WindowSize() (rows, cols uint16, err error)
}

// File types, as in the S_IFMT bits of st_mode (POSIX values).
const (
	ModeTypeMask = 0o170000
	ModeSocket   = 0o140000
	ModeSymlink  = 0o120000
	ModeRegular  = 0o100000
	ModeBlock    = 0o060000
	ModeDir      = 0o040000
	ModeChar     = 0o020000
	ModeFIFO     = 0o010000
)

// Timespec is a point in time.
type Timespec struct{ Sec, Nsec int64 }

// Stat is what fstat reports, independent of any ABI's struct stat.
type Stat struct {
	Dev, Ino     uint64
	Mode         uint32 // type and permission bits
	Nlink        uint64
	UID, GID     uint32
	Rdev         uint64
	Size         int64
	Blksize      int64
	Blocks       int64 // 512-byte blocks
	Atime, Mtime Timespec
	Ctime        Timespec
	// Btime is the birth time, zero when the filesystem keeps none
	// (statx(2)'s STATX_BTIME).
	Btime Timespec
}

// Status flags of an open file description (the ones fcntl F_SETFL may
// change, plus the access mode).
const (
	FlagRead     = 1 << 0
	FlagWrite    = 1 << 1
	FlagAppend   = 1 << 2
	FlagNonblock = 1 << 3
)

// FileDescription is an open file description (see open(2), "Open file
// descriptions"): dup and fork share one, so they share its offset and
// status flags. Descriptor flags (FD_CLOEXEC) live in the fd table instead.
type FileDescription struct {
	File File
	Path string // the path it was opened by, for /proc/pid/fd and traces
	// Dentry is the name it was opened through (a *vfs.Dentry), which
	// fchmod, fchdir and the *at calls act on even after a rename; nil
	// for pipes, sockets and other files with no name.
	Dentry any
	// Opener is the opener's credentials (a *vfs.Creds), which
	// linkat(2)'s AT_EMPTY_PATH compares with the caller's.
	Opener any

	mu    sync.Mutex
	flags int
	refs  atomic.Int32
	// locked is set once the description takes a lock (lock.go), so
	// that its last close releases them.
	locked atomic.Bool
}

// NewFileDescription wraps f with one reference.
func NewFileDescription(f File, path string, flags int) *FileDescription {
	fd := &FileDescription{File: f, Path: path, flags: flags}
	fd.refs.Store(1)
	return fd
}

// Flags returns the status flags.
func (d *FileDescription) Flags() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flags
}

// SetFlags changes the changeable status flags (append, nonblock).
func (d *FileDescription) SetFlags(flags int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	const changeable = FlagAppend | FlagNonblock
	d.flags = d.flags&^changeable | flags&changeable
}

// IncRef adds a reference (dup, fork).
func (d *FileDescription) IncRef() { d.refs.Add(1) }

// DecRef drops a reference and closes the file with the last one.
func (d *FileDescription) DecRef() error {
	if d.refs.Add(-1) == 0 {
		if d.locked.Load() {
			releaseDescriptionLocks(d)
		}
		return d.File.Close()
	}
	return nil
}

// CanRead/CanWrite check the access mode; EBADF otherwise, as read(2) says.
func (d *FileDescription) CanRead() error {
	if d.Flags()&FlagRead == 0 {
		return kerr.EBADF
	}
	return nil
}

func (d *FileDescription) CanWrite() error {
	if d.Flags()&FlagWrite == 0 {
		return kerr.EBADF
	}
	return nil
}

// OpenFlags are the neutral open(2) flags a personality decodes its ABI's
// flag word into.
type OpenFlags struct {
	Read, Write bool
	Create      bool
	Exclusive   bool
	Truncate    bool
	Append      bool
	Nonblock    bool
	Directory   bool // fail with ENOTDIR unless a directory
	NoFollow    bool // fail with ELOOP if the last component is a symlink
	Path        bool // O_PATH: a handle for *at calls and fstat only
	Mode        uint32
}

// Dirent is one directory entry, as getdents reports it.
type Dirent struct {
	Ino  uint64
	Off  int64 // the position just after this entry (for telldir)
	Type uint8 // DT_* value: the S_IFMT bits >> 12, POSIX's numbering
	Name string
}

// DirReader is implemented by directories. ReadDir calls emit for each
// entry from the current position on; when emit returns false the entry
// was not taken, and the position stays before it, so the next ReadDir
// starts with it (getdents(2) with a buffer that filled up).
type DirReader interface {
	ReadDir(emit func(Dirent) bool) error
}

// DirSeek is lseek(2) on an open directory whose position *pos counts
// entries or holds an offset ReadDir reported: SEEK_SET (0) goes there,
// as seekdir(3) does, SEEK_CUR (1) moves from *pos (0 reports it), and
// any other whence or a negative result is EINVAL, as for Linux's
// in-memory directories. The caller holds the lock guarding *pos.
func DirSeek(pos *int64, off int64, whence int) (int64, error) {
	switch whence {
	case 0:
	case 1:
		off += *pos
	default:
		return 0, kerr.EINVAL
	}
	if off < 0 {
		return 0, kerr.EINVAL
	}
	*pos = off
	return off, nil
}

// SetTimes is what utimensat(2) asks: each time is set to a value, to
// now, or left alone.
type SetTimes struct {
	Atime, Mtime         Timespec
	AtimeNow, MtimeNow   bool
	AtimeOmit, MtimeOmit bool
}
