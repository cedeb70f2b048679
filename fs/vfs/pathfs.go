package vfs

import (
	"github.com/runos-project/runos/fs"
)

// PathFS serves absolute guest paths from a VFS: it is the bridge from
// the core's path-based FileSystem interface (kernel/core/kernel.go) to
// the VFS, until the syscall layer keeps a dentry per open file and per
// working directory. Every path starts at the VFS root; relative paths
// were already joined to the cwd by the caller, textually, which the walk
// then resolves with full symlink and ".." semantics.
//
// Creds are the credentials every operation is checked against. The
// sandbox has one user for now (root unless --user is given); per-task
// credentials arrive when the syscall layer passes them.
type PathFS struct {
	V     *VFS
	Creds *Creds
}

func (p PathFS) ctx() *Context { return &Context{Creds: p.Creds} }

func follow(f bool) AtFlags {
	if f {
		return 0
	}
	return AtNoFollow
}

// Open opens path.
func (p PathFS) Open(path string, flags fs.OpenFlags) (fs.File, error) {
	f, _, err := p.V.OpenAt(p.ctx(), p.V.Root(), path, flags, 0)
	return f, err
}

// Stat is stat(2) or lstat(2).
func (p PathFS) Stat(path string, fol bool) (fs.Stat, error) {
	return p.V.Stat(p.ctx(), p.V.Root(), path, follow(fol))
}

// Readlink is readlink(2).
func (p PathFS) Readlink(path string) (string, error) {
	return p.V.Readlink(p.ctx(), p.V.Root(), path, 0)
}

// Access is access(2) with mode's R/W/X bits.
func (p PathFS) Access(path string, mode int) error {
	return p.V.Access(p.ctx(), p.V.Root(), path, mode, 0)
}

// Canonical resolves path to the absolute path of what it names.
func (p PathFS) Canonical(path string) (string, fs.Stat, error) {
	d, err := p.V.Lookup(p.ctx(), p.V.Root(), path, 0)
	if err != nil {
		return "", fs.Stat{}, err
	}
	st, err := p.V.Stat(p.ctx(), p.V.Root(), path, 0)
	if err != nil {
		return "", fs.Stat{}, err
	}
	return p.V.PathOf(p.ctx(), d), st, nil
}

// Mkdir is mkdir(2); mode already has the umask applied.
func (p PathFS) Mkdir(path string, mode uint32) error {
	return p.V.Mkdir(p.ctx(), p.V.Root(), path, mode)
}

// Mknod is mknod(2).
func (p PathFS) Mknod(path string, mode uint32, rdev uint64) error {
	return p.V.Mknod(p.ctx(), p.V.Root(), path, mode, rdev)
}

// Unlink is unlink(2).
func (p PathFS) Unlink(path string) error { return p.V.Unlink(p.ctx(), p.V.Root(), path) }

// Rmdir is rmdir(2).
func (p PathFS) Rmdir(path string) error { return p.V.Rmdir(p.ctx(), p.V.Root(), path) }

// Rename is renameat2(2).
func (p PathFS) Rename(oldPath, newPath string, noReplace, exchange bool) error {
	var f RenameFlags
	if noReplace {
		f |= RenameNoReplace
	}
	if exchange {
		f |= RenameExchange
	}
	return p.V.Rename(p.ctx(), p.V.Root(), oldPath, p.V.Root(), newPath, f)
}

// Link is linkat(2); follow is AT_SYMLINK_FOLLOW.
func (p PathFS) Link(oldPath, newPath string, fol bool) error {
	return p.V.Link(p.ctx(), p.V.Root(), oldPath, p.V.Root(), newPath, follow(fol))
}

// Symlink is symlink(2).
func (p PathFS) Symlink(target, path string) error {
	return p.V.Symlink(p.ctx(), target, p.V.Root(), path)
}

// Chmod is chmod(2) / fchmodat(2).
func (p PathFS) Chmod(path string, mode uint32, fol bool) error {
	return p.V.Chmod(p.ctx(), p.V.Root(), path, mode, follow(fol))
}

// Chown is chown(2) / lchown(2); NoID leaves an ID unchanged.
func (p PathFS) Chown(path string, uid, gid uint32, fol bool) error {
	return p.V.Chown(p.ctx(), p.V.Root(), path, uid, gid, follow(fol))
}

// Truncate is truncate(2).
func (p PathFS) Truncate(path string, size int64) error {
	return p.V.Truncate(p.ctx(), p.V.Root(), path, size)
}

// Utimens is utimensat(2).
func (p PathFS) Utimens(path string, t fs.SetTimes, fol bool) error {
	var a SetAttr
	switch {
	case t.AtimeOmit:
	case t.AtimeNow:
		a.Mask |= AttrAtime | AttrAtimeNow
	default:
		a.Mask |= AttrAtime
		a.Atime = t.Atime
	}
	switch {
	case t.MtimeOmit:
	case t.MtimeNow:
		a.Mask |= AttrMtime | AttrMtimeNow
	default:
		a.Mask |= AttrMtime
		a.Mtime = t.Mtime
	}
	return p.V.Utimens(p.ctx(), p.V.Root(), path, a, follow(fol))
}
