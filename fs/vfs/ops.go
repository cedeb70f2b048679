package vfs

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// AtFlags are the *at(2) calls' lookup flags.
type AtFlags uint32

const (
	AtNoFollow  AtFlags = 1 << iota // AT_SYMLINK_NOFOLLOW: do not follow a final symlink
	AtEmptyPath                     // AT_EMPTY_PATH: an empty path names start itself
)

// NoID is the uid or gid -1, which chown(2) takes as "leave unchanged".
const NoID = ^uint32(0)

// lookupAt resolves path for a call that acts on an existing file.
func (w *walker) lookupAt(start *Dentry, path string, flags AtFlags) (*Dentry, error) {
	if path == "" && flags&AtEmptyPath != 0 && start != nil {
		return start, nil
	}
	return w.resolve(start, path, flags&AtNoFollow == 0)
}

// Lookup resolves path to its dentry (for chdir, execve, mount).
func (v *VFS) Lookup(ctx *Context, start *Dentry, path string, flags AtFlags) (*Dentry, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.walker(ctx, start, 0).lookupAt(start, path, flags)
}

// Stat is stat(2), lstat(2) (AtNoFollow) and fstatat(2).
func (v *VFS) Stat(ctx *Context, start *Dentry, path string, flags AtFlags) (fs.Stat, error) {
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return fs.Stat{}, err
	}
	return d.inode.Getattr()
}

// Readlink is readlinkat(2); with AtEmptyPath an empty path reads the
// symlink start itself (an O_PATH|O_NOFOLLOW descriptor).
func (v *VFS) Readlink(ctx *Context, start *Dentry, path string, flags AtFlags) (string, error) {
	d, err := v.Lookup(ctx, start, path, flags|AtNoFollow)
	if err != nil {
		return "", err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return "", err
	}
	if fileType(st.Mode) != fs.ModeSymlink {
		if path == "" {
			return "", kerr.ENOENT // readlinkat(2) on a non-link descriptor
		}
		return "", kerr.EINVAL
	}
	return d.inode.Readlink()
}

// Access is faccessat(2) for creds (the caller passes the real ids, or
// the effective ones for AT_EACCESS). mode is MayRead|MayWrite|MayExec,
// or 0 to test existence.
func (v *VFS) Access(ctx *Context, start *Dentry, path string, mode int, flags AtFlags) error {
	if mode&^(MayRead|MayWrite|MayExec) != 0 {
		return kerr.EINVAL
	}
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return err
	}
	if mode&MayWrite != 0 && d.mnt.readOnly {
		switch fileType(st.Mode) {
		case fs.ModeRegular, fs.ModeDir, fs.ModeSymlink:
			return kerr.EROFS
		}
	}
	return permitted(credsOf(ctx), st, mode)
}

func credsOf(ctx *Context) *Creds {
	if ctx.Creds == nil {
		return Root
	}
	return ctx.Creds
}

// createParent resolves the directory and name of a path being created
// (mkdir, mknod, symlink, link): the name must not exist (EEXIST), "."
// and ".." and "/" exist already, and only mkdir accepts a trailing
// slash.
func (w *walker) createParent(start *Dentry, path string, wantDir bool) (*Dentry, string, error) {
	dir, last, slash, err := w.parent(start, path)
	if err != nil {
		return nil, "", err
	}
	if last == "" || last == "." || last == ".." {
		return nil, "", kerr.EEXIST
	}
	if _, err := w.step(dir, last); err == nil {
		return nil, "", kerr.EEXIST
	} else if err != kerr.ENOENT {
		return nil, "", err
	}
	if slash && !wantDir {
		return nil, "", kerr.ENOENT
	}
	// A directory whose names its filesystem makes up (procfs) has no
	// room for a missing one: Linux's lookup fails there, before link(2)
	// or rename(2) compare mounts.
	if fixed, ok := dir.inode.(FixedNames); ok {
		return nil, "", fixed.NewNameError()
	}
	return dir, last, nil
}

// FixedNames is implemented by directories whose entries only their
// filesystem creates (procfs): every attempt to create a new name in
// them fails with NewNameError, before any other check.
type FixedNames interface {
	NewNameError() error
}

// Mkdir is mkdirat(2); mode has the umask applied.
func (v *VFS) Mkdir(ctx *Context, start *Dentry, path string, mode uint32) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	dir, name, err := w.createParent(start, path, true)
	if err != nil {
		return err
	}
	a, err := w.newAttr(dir, fs.ModeDir|mode&0o7777)
	if err != nil {
		return err
	}
	ino, err := dir.inode.Mkdir(name, a)
	if err != nil {
		return err
	}
	dir.add(name, ino)
	v.notifyEntry(EventCreate, dir, name, ino, true, 0)
	return nil
}

// Mknod is mknodat(2) for FIFOs, sockets and (privileged) devices;
// mode holds the type and has the umask applied.
func (v *VFS) Mknod(ctx *Context, start *Dentry, path string, mode uint32, rdev uint64) error {
	switch fileType(mode) {
	case 0:
		mode |= fs.ModeRegular
	case fs.ModeRegular, fs.ModeFIFO, fs.ModeSocket:
	case fs.ModeChar, fs.ModeBlock:
		if !credsOf(ctx).Capable(CapMknod) {
			return kerr.EPERM // CAP_MKNOD, see mknod(2)
		}
	default:
		return kerr.EINVAL
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	dir, name, err := w.createParent(start, path, false)
	if err != nil {
		return err
	}
	if fileType(mode) == fs.ModeRegular {
		d, err := w.create(dir, name, mode)
		if err == nil {
			v.notifyEntry(EventCreate, dir, name, d.inode, false, 0)
		}
		return err
	}
	a, err := w.newAttr(dir, mode)
	if err != nil {
		return err
	}
	a.Rdev = rdev
	ino, err := dir.inode.Mknod(name, a)
	if err != nil {
		return err
	}
	dir.add(name, ino)
	v.notifyEntry(EventCreate, dir, name, ino, false, 0)
	return nil
}

// Symlink is symlinkat(2).
func (v *VFS) Symlink(ctx *Context, target string, start *Dentry, path string) error {
	if target == "" {
		return kerr.ENOENT
	}
	if len(target) >= PathMax {
		return kerr.ENAMETOOLONG
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	dir, name, err := w.createParent(start, path, false)
	if err != nil {
		return err
	}
	a, err := w.newAttr(dir, fs.ModeSymlink|0o777)
	if err != nil {
		return err
	}
	ino, err := dir.inode.Symlink(name, target, a)
	if err != nil {
		return err
	}
	dir.add(name, ino)
	v.notifyEntry(EventCreate, dir, name, ino, false, 0)
	return nil
}

// Link is linkat(2); AtNoFollow is its default (pass 0 for
// AT_SYMLINK_FOLLOW).
func (v *VFS) Link(ctx *Context, oldStart *Dentry, oldPath string, newStart *Dentry, newPath string, flags AtFlags) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, oldStart, 0)
	old, err := w.lookupAt(oldStart, oldPath, flags)
	if err != nil {
		return err
	}
	st, err := old.inode.Getattr()
	if err != nil {
		return err
	}
	if isDir(st) {
		return kerr.EPERM // link(2): no hard links to directories
	}
	w2 := v.walker(ctx, newStart, 0)
	dir, name, err := w2.createParent(newStart, newPath, false)
	if err != nil {
		return err
	}
	if dir.mnt != old.mnt {
		return kerr.EXDEV
	}
	if _, err := w2.newAttr(dir, st.Mode); err != nil {
		return err
	}
	// protected_hardlinks (proc(5)): a non-owner may link only a regular
	// file they may read and write.
	if !isOwner(w.creds, st) {
		if fileType(st.Mode) != fs.ModeRegular || st.Mode&0o6000 != 0 ||
			permitted(w.creds, st, MayRead|MayWrite) != nil {
			return kerr.EPERM
		}
	}
	if err := dir.inode.Link(name, old.inode); err != nil {
		return err
	}
	dir.add(name, old.inode)
	v.notifySelf(EventAttrib, old.inode, false) // the link count (fsnotify_link)
	v.notifyEntry(EventCreate, dir, name, old.inode, false, 0)
	return nil
}

// removeParent resolves the directory and existing entry of a path being
// removed.
func (w *walker) removeParent(start *Dentry, path string) (dir *Dentry, name string, victim *Dentry, slash bool, err error) {
	dir, name, slash, err = w.parent(start, path)
	if err != nil {
		return nil, "", nil, false, err
	}
	if name == "" || name == "." || name == ".." {
		return dir, name, nil, slash, nil
	}
	if err := w.searchable(dir); err != nil {
		return nil, "", nil, false, err
	}
	victim, err = dir.lookup(name)
	if err != nil {
		return nil, "", nil, false, err
	}
	return dir, name, victim, slash, nil
}

// checkRemove makes the checks unlink and rmdir share.
func (w *walker) checkRemove(dir, victim *Dentry) (fs.Stat, error) {
	vst, err := victim.inode.Getattr()
	if err != nil {
		return fs.Stat{}, err
	}
	if victim.mounted != nil {
		return fs.Stat{}, kerr.EBUSY
	}
	if dir.mnt.readOnly {
		return fs.Stat{}, kerr.EROFS
	}
	dst, err := dir.inode.Getattr()
	if err != nil {
		return fs.Stat{}, err
	}
	return vst, mayDelete(w.creds, dst, vst)
}

// remove is what unlink and rmdir share once each has checked the
// victim's type (st, a directory for rmdir): the checks of checkRemove,
// the filesystem's removal, the dentry cache and the watchers.
func (v *VFS) remove(w *walker, dir *Dentry, name string, victim *Dentry, st fs.Stat, rmdir bool) error {
	if _, err := w.checkRemove(dir, victim); err != nil {
		return err
	}
	var err error
	if rmdir {
		err = dir.inode.Rmdir(name)
	} else {
		err = dir.inode.Unlink(name)
	}
	if err != nil {
		return err
	}
	dir.remove(name)
	v.notifyRemoved(victim.inode, st)
	v.notifyEntry(EventDelete, dir, name, victim.inode, rmdir, 0)
	return nil
}

// Unlink is unlinkat(2) without AT_REMOVEDIR.
func (v *VFS) Unlink(ctx *Context, start *Dentry, path string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	dir, name, victim, slash, err := w.removeParent(start, path)
	if err != nil {
		return err
	}
	if victim == nil {
		return kerr.EISDIR
	}
	st, err := victim.inode.Getattr()
	if err != nil {
		return err
	}
	if isDir(st) {
		return kerr.EISDIR
	}
	if slash {
		return kerr.ENOTDIR
	}
	return v.remove(w, dir, name, victim, st, false)
}

// Rmdir is rmdir(2) and unlinkat(2) with AT_REMOVEDIR.
func (v *VFS) Rmdir(ctx *Context, start *Dentry, path string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	dir, name, victim, _, err := w.removeParent(start, path)
	if err != nil {
		return err
	}
	switch name {
	case ".":
		return kerr.EINVAL // see rmdir(2)
	case "..":
		return kerr.ENOTEMPTY
	case "":
		return kerr.EBUSY // the root
	}
	st, err := victim.inode.Getattr()
	if err != nil {
		return err
	}
	if !isDir(st) {
		return kerr.ENOTDIR
	}
	return v.remove(w, dir, name, victim, st, true)
}
