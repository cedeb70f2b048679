package vfs

import (
	"github.com/runos-project/runos/fs"
)

// Inode is a file as a filesystem implements it. The VFS calls these
// methods after it has resolved the path, checked permissions and
// checked the file types the call needs (so Unlink is never asked to
// remove a directory, nor Rmdir a file, by the VFS); a filesystem checks
// again only what it must to stay consistent. Methods that make no sense
// for an inode's type return ENOTDIR (directory operations on a
// non-directory) or EINVAL.
//
// Names are single components: never empty, ".", ".." or containing '/'.
type Inode interface {
	// Getattr is stat(2)'s record. Dev identifies the filesystem.
	Getattr() (fs.Stat, error)
	// Setattr applies chmod, chown, truncate and utimes changes.
	Setattr(a *SetAttr) error

	// Lookup finds name in a directory: ENOENT if absent.
	Lookup(name string) (Inode, error)
	// Create makes a regular file; EEXIST if name exists.
	Create(name string, a CreateAttr) (Inode, error)
	// Mkdir makes a directory; EEXIST if name exists.
	Mkdir(name string, a CreateAttr) (Inode, error)
	// Mknod makes a FIFO, device or socket node (the type is in a.Mode).
	Mknod(name string, a CreateAttr) (Inode, error)
	// Symlink makes a symbolic link to target.
	Symlink(name, target string, a CreateAttr) (Inode, error)
	// Link adds name for target, an inode of the same filesystem.
	Link(name string, target Inode) error
	// Unlink removes a non-directory entry.
	Unlink(name string) error
	// Rmdir removes an empty directory entry; ENOTEMPTY otherwise.
	Rmdir(name string) error
	// Rename moves oldName to newDir/newName, replacing what is there
	// (the VFS has checked that the types agree and the target is not a
	// non-empty directory is left to the filesystem), or swaps the two
	// with RenameExchange. newDir belongs to the same filesystem.
	Rename(oldName string, newDir Inode, newName string, flags RenameFlags) error

	// Readlink returns a symlink's target; EINVAL for other types.
	Readlink() (string, error)
	// Open opens the inode. Directories return a file that implements
	// fs.DirReader, with "." and ".." first and offsets that stay valid
	// across creations and removals. The VFS has done truncation
	// (through Setattr) and access checks already.
	Open(flags fs.OpenFlags) (fs.File, error)
}

// FileSystem is a mountable filesystem instance.
type FileSystem interface {
	// Root is the inode of the filesystem's top directory.
	Root() Inode
	// Name is the filesystem type, as /proc/mounts shows it ("tmpfs").
	Name() string
}

// CreateAttr is what a new inode starts with. The caller has applied the
// umask; the filesystem stamps the times.
type CreateAttr struct {
	Mode     uint32 // type and permission bits
	UID, GID uint32
	Rdev     uint64 // device number, for Mknod of a device
}

// SetAttr says which attributes Setattr changes.
type SetAttr struct {
	Mask     AttrMask
	Mode     uint32 // permission bits only (07777)
	UID, GID uint32
	Size     int64
	Atime    fs.Timespec // used unless AttrAtimeNow
	Mtime    fs.Timespec // used unless AttrMtimeNow
}

// AttrMask selects SetAttr fields.
type AttrMask uint32

const (
	AttrMode AttrMask = 1 << iota
	AttrUID
	AttrGID
	AttrSize
	AttrAtime
	AttrMtime
	AttrAtimeNow // set atime to the current time
	AttrMtimeNow // set mtime to the current time
)

// RenameFlags are renameat2(2)'s flags.
type RenameFlags uint32

const (
	RenameNoReplace RenameFlags = 1 << iota // fail with EEXIST if the target exists
	RenameExchange                          // swap source and target atomically
)

// Xattrs is implemented by inodes with extended attributes (xattr(7)).
// The VFS checks the namespace rules (user.* needs file permission and a
// regular file or directory; trusted.* needs privilege) first.
type Xattrs interface {
	Getxattr(name string) ([]byte, error) // ENODATA if absent
	Setxattr(name string, value []byte, flags XattrFlags) error
	Listxattr() ([]string, error)
	Removexattr(name string) error // ENODATA if absent
}

// XattrFlags are setxattr(2)'s flags.
type XattrFlags uint32

const (
	XattrCreate  XattrFlags = 1 // EEXIST if the attribute exists
	XattrReplace XattrFlags = 2 // ENODATA if it does not
)

// Tmpfiler is implemented by directories that can make an unnamed
// regular file for open(2)'s O_TMPFILE: it has no name and a link count
// of zero until linkat(2) gives it one.
type Tmpfiler interface {
	Tmpfile(a CreateAttr) (Inode, error)
}

// Allocator is implemented by open files that support fallocate(2).
type Allocator interface {
	Allocate(mode AllocMode, off, length int64) error
}

// AllocMode are fallocate(2)'s modes.
type AllocMode uint32

const (
	AllocKeepSize  AllocMode = 1 << iota // FALLOC_FL_KEEP_SIZE
	AllocPunchHole                       // FALLOC_FL_PUNCH_HOLE (with KeepSize)
	AllocZeroRange                       // FALLOC_FL_ZERO_RANGE
)

// MagicLink is implemented by symlink inodes that jump to a file rather
// than name one (procfs's /proc/self/fd/N, /proc/pid/root). Resolution
// refuses them under RESOLVE_NO_MAGICLINKS.
type MagicLink interface {
	Jump() (*Dentry, error)
}

// fileType returns the S_IFMT bits of a mode.
func fileType(mode uint32) uint32 { return mode & fs.ModeTypeMask }

// isDir reports whether st is a directory.
func isDir(st fs.Stat) bool { return fileType(st.Mode) == fs.ModeDir }
