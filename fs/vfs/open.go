package vfs

import (
	"strconv"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// OpenAt is openat2(2): it resolves path from start (a directory fd's
// dentry, the cwd; ignored for absolute paths) and opens what it names,
// creating a regular file with O_CREAT. flags.Mode must already have the
// umask applied. It returns the filesystem's open file and the dentry,
// which the caller keeps for *at calls, fchdir and /proc/pid/fd.
//
// See open(2) for the order of the checks reproduced here.
func (v *VFS) OpenAt(ctx *Context, start *Dentry, path string, flags fs.OpenFlags, how Resolve) (fs.File, *Dentry, error) {
	if flags.Create && flags.Directory {
		return nil, nil, kerr.EINVAL // Linux 6.4 and later
	}
	if flags.Create {
		v.mu.Lock()
		defer v.mu.Unlock()
	} else {
		v.mu.RLock()
		defer v.mu.RUnlock()
	}
	w := v.walker(ctx, start, how)
	dir, last, slash, err := w.parent(start, path)
	if err != nil {
		return nil, nil, err
	}
	// With O_CREAT|O_EXCL a final symlink is never followed.
	follow := !flags.NoFollow && !(flags.Create && flags.Exclusive)
	var d *Dentry
	created := false
	for {
		if last == "" || !flags.Create {
			d, err = w.step(dir, orDot(last))
			if err != nil {
				return nil, nil, err
			}
		} else {
			d, err = w.step(dir, last)
			if err == kerr.ENOENT && last != "." && last != ".." {
				if slash {
					return nil, nil, kerr.EISDIR
				}
				if d, err = w.create(dir, last, fs.ModeRegular|flags.Mode&0o7777); err != nil {
					return nil, nil, err
				}
				created = true
				break
			}
			if err != nil {
				return nil, nil, err
			}
			if flags.Exclusive {
				return nil, nil, kerr.EEXIST
			}
		}
		st, err := d.inode.Getattr()
		if err != nil {
			return nil, nil, err
		}
		if fileType(st.Mode) != fs.ModeSymlink || last == "" {
			break
		}
		if !follow && !slash {
			if flags.Path && flags.NoFollow {
				break // O_PATH|O_NOFOLLOW opens the link itself
			}
			return nil, nil, kerr.ELOOP
		}
		// Follow the link by hand so that O_CREAT creates its target.
		if w.how&ResolveNoSymlinks != 0 {
			return nil, nil, kerr.ELOOP
		}
		if _, magic := d.inode.(MagicLink); magic || !flags.Create {
			if d, err = w.follow(dir, d); err != nil {
				return nil, nil, err
			}
			break
		}
		w.links++
		if w.links > MaxSymlinks {
			return nil, nil, kerr.ELOOP
		}
		target, err := d.inode.Readlink()
		if err != nil {
			return nil, nil, err
		}
		var slash2 bool
		if dir, last, slash2, err = w.parent(dir, target); err != nil {
			return nil, nil, err
		}
		slash = slash || slash2
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return nil, nil, err
	}
	typ := fileType(st.Mode)
	if (slash || flags.Directory) && typ != fs.ModeDir && !(flags.Path && typ == fs.ModeSymlink && !slash) {
		return nil, nil, kerr.ENOTDIR
	}
	if flags.Path {
		return &pathFile{d: d}, d, nil
	}
	if typ == fs.ModeDir && (flags.Write || flags.Create || flags.Truncate) {
		return nil, nil, kerr.EISDIR
	}
	if !created {
		may := 0
		if flags.Read {
			may |= MayRead
		}
		if flags.Write || flags.Truncate {
			may |= MayWrite
		}
		if err := permitted(w.creds, st, may); err != nil {
			return nil, nil, err
		}
		if (flags.Write || flags.Truncate) && d.mnt.readOnly && typ == fs.ModeRegular {
			return nil, nil, kerr.EROFS
		}
	}
	if created {
		v.notifyEntry(EventCreate, dir, d.name, d.inode, false, 0)
	}
	truncate := !created && flags.Truncate && typ == fs.ModeRegular
	if truncate {
		if err := d.inode.Setattr(&SetAttr{Mask: AttrSize}); err != nil {
			return nil, nil, err
		}
	}
	f, err := d.inode.Open(flags)
	if err != nil {
		return nil, nil, err
	}
	f = v.notifyOpened(f, d, typ, flags)
	if truncate {
		v.notifyFileLocked(EventModify, d, false) // after the open, as Linux 6.9 on
	}
	return f, d, nil
}

func orDot(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// create makes a regular file, FIFO, device or socket name in dir, with
// the checks of open(2) and mknod(2). The caller holds v.mu for writing.
func (w *walker) create(dir *Dentry, name string, mode uint32) (*Dentry, error) {
	a, err := w.newAttr(dir, mode)
	if err != nil {
		return nil, err
	}
	var ino Inode
	if fileType(mode) == fs.ModeRegular {
		ino, err = dir.inode.Create(name, a)
	} else {
		ino, err = dir.inode.Mknod(name, a)
	}
	if err != nil {
		return nil, err
	}
	return dir.add(name, ino), nil
}

// newAttr checks that w may add an entry to dir and returns the new
// inode's owner and mode: a set-group-ID directory gives its group (and,
// to subdirectories, its set-group-ID bit), see inode(7).
func (w *walker) newAttr(dir *Dentry, mode uint32) (CreateAttr, error) {
	if dir.deleted {
		return CreateAttr{}, kerr.ENOENT // see open(2): a removed directory takes no new names
	}
	if dir.mnt.readOnly {
		return CreateAttr{}, kerr.EROFS
	}
	st, err := dir.inode.Getattr()
	if err != nil {
		return CreateAttr{}, err
	}
	if err := permitted(w.creds, st, MayWrite|MayExec); err != nil {
		return CreateAttr{}, err
	}
	a := CreateAttr{Mode: mode, UID: w.creds.UID, GID: w.creds.GID}
	if st.Mode&0o2000 != 0 {
		a.GID = st.GID
		if fileType(mode) == fs.ModeDir {
			a.Mode |= 0o2000
		}
	}
	return a, nil
}

// OpenTmpfile is open(2) with O_TMPFILE: an unnamed regular file in the
// directory path names, which linkat(2) may later give a name unless
// flags.Exclusive (O_EXCL) forbids it. flags.Mode must already have the
// umask applied.
//
// See open(2), O_TMPFILE, for the errors: a read-only mount (EROFS) and
// a directory the caller may not write (EACCES) come before a
// filesystem without unnamed files (EOPNOTSUPP).
func (v *VFS) OpenTmpfile(ctx *Context, start *Dentry, path string, flags fs.OpenFlags, how Resolve) (fs.File, *Dentry, error) {
	if !flags.Write {
		return nil, nil, kerr.EINVAL // O_TMPFILE needs O_WRONLY or O_RDWR
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	w := v.walker(ctx, start, how)
	dir, err := w.resolve(start, path, !flags.NoFollow)
	if err != nil {
		return nil, nil, err
	}
	if err := w.searchable(dir); err != nil {
		return nil, nil, err
	}
	a, err := w.newAttr(dir, fs.ModeRegular|flags.Mode&0o7777)
	if err != nil {
		return nil, nil, err
	}
	t, ok := dir.inode.(Tmpfiler)
	if !ok {
		return nil, nil, kerr.EOPNOTSUPP
	}
	ino, err := t.Tmpfile(a)
	if err != nil {
		return nil, nil, err
	}
	if flags.Exclusive {
		if u, ok := ino.(Unlinkable); ok {
			u.ForbidLink()
		}
	}
	st, err := ino.Getattr()
	if err != nil {
		return nil, nil, err
	}
	flags.Directory, flags.Create, flags.Exclusive = false, false, false
	f, err := ino.Open(flags)
	if err != nil {
		return nil, nil, err
	}
	// The dentry is not in the cache: the file has no name. It shows as
	// "#inode (deleted)" in its directory, as on Linux (/proc/pid/fd).
	d := &Dentry{inode: ino, mnt: dir.mnt, name: "#" + strconv.FormatUint(st.Ino, 10), parent: dir, deleted: true}
	return v.notifyOpened(f, d, fs.ModeRegular, flags), d, nil
}

// Unlinkable is implemented by the unnamed inodes a Tmpfiler makes:
// ForbidLink makes one that linkat(2) may never name (O_TMPFILE with
// O_EXCL), so linking it fails with ENOENT as for a removed file.
type Unlinkable interface {
	ForbidLink()
}

// pathFile is what O_PATH opens: a handle for *at calls, fstat and
// close, which reads and writes nothing (see open(2), O_PATH).
type pathFile struct{ d *Dentry }

func (p *pathFile) Read([]byte) (int, error)           { return 0, kerr.EBADF }
func (p *pathFile) Write([]byte) (int, error)          { return 0, kerr.EBADF }
func (p *pathFile) ReadAt([]byte, int64) (int, error)  { return 0, kerr.EBADF }
func (p *pathFile) WriteAt([]byte, int64) (int, error) { return 0, kerr.EBADF }
func (p *pathFile) Seek(int64, int) (int64, error)     { return 0, kerr.EBADF }
func (p *pathFile) Stat() (fs.Stat, error)             { return p.d.inode.Getattr() }
func (p *pathFile) Close() error                       { return nil }
func (p *pathFile) ReadDir(func(fs.Dirent) bool) error { return kerr.EBADF }
