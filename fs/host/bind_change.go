package host

import (
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// The calls of a Bind that change the host tree. Each works on the
// descriptors of the inodes involved and a single name, so it changes
// nothing outside SRC (see Bind). runtime.KeepAlive keeps an inode, and
// so its descriptor, alive until the host call that uses it returns.

// writable is the check every change starts with.
func (n *bindInode) writable() error {
	if n.b.readOnly {
		return kerr.EROFS
	}
	return nil
}

// component checks that name is one entry of a directory, as the VFS
// always passes: a name with a slash, or "." or "..", would make the host
// call below (mkdirat(2), unlinkat(2), renameat2(2)...) resolve a path
// relative to the directory's descriptor, which may lead out of SRC
// ("../x" beside the bind's root). ENOENT for "", EINVAL for the rest.
func component(names ...string) error {
	for _, name := range names {
		switch {
		case name == "":
			return kerr.ENOENT
		case name == "." || name == ".." || strings.ContainsRune(name, '/'):
			return kerr.EINVAL
		}
	}
	return nil
}

// retry runs a host call again while it is interrupted.
func retry(call func() error) error {
	for {
		err := call()
		if err != unix.EINTR {
			return FromErrno(err)
		}
	}
}

// settle gives a new host file (fd, any descriptor of it) the exact mode
// and owner the VFS asked for: the host applied runos's own umask (the
// guest's is already in a.Mode), and made the file runos's. The owner
// changes only if runos may give files away (it runs as root);
// otherwise the file stays runos's, as files a user makes through any
// other program are.
func settle(fd int, a vfs.CreateAttr) error {
	st, err := fstat(fd)
	if err != nil {
		return err
	}
	if st.UID != a.UID || st.GID != a.GID {
		unix.Fchownat(fd, "", int(a.UID), int(a.GID), unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	}
	if st.Mode&fs.ModeTypeMask == fs.ModeSymlink || st.Mode&0o7777 == a.Mode&0o7777 {
		return nil
	}
	return retry(func() error { return unix.Fchmodat(unix.AT_FDCWD, procPath(fd), a.Mode&0o7777, 0) })
}

// Create implements vfs.Inode.
func (n *bindInode) Create(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return nil, err
	}
	wfd, err := n.beneath(name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, uint64(a.Mode&0o7777))
	if err != nil {
		return nil, err
	}
	defer unix.Close(wfd)
	if err := settle(wfd, a); err != nil {
		return nil, err
	}
	// The inode keeps an O_PATH descriptor of the very file made.
	pfd, err := unix.Open(procPath(wfd), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, FromErrno(err)
	}
	return n.b.inode(pfd), nil
}

// made looks up a name just made by a call that returns no descriptor
// and settles its mode and owner.
func (n *bindInode) made(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	fd, err := n.beneath(name, unix.O_PATH, 0)
	if err != nil {
		return nil, err
	}
	if err := settle(fd, a); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return n.b.inode(fd), nil
}

// Mkdir implements vfs.Inode.
func (n *bindInode) Mkdir(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return nil, err
	}
	if err := component(name); err != nil {
		return nil, err
	}
	if err := retry(func() error { return unix.Mkdirat(n.fd, name, a.Mode&0o7777) }); err != nil {
		return nil, err
	}
	return n.made(name, a)
}

// Mknod implements vfs.Inode: FIFOs and sockets only; a device node is
// EPERM, as on a mount with nodev it would be useless and on the host it
// needs privilege runos will not lend.
func (n *bindInode) Mknod(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return nil, err
	}
	if err := component(name); err != nil {
		return nil, err
	}
	switch a.Mode & fs.ModeTypeMask {
	case fs.ModeFIFO, fs.ModeSocket:
	default:
		return nil, kerr.EPERM
	}
	if err := retry(func() error { return unix.Mknodat(n.fd, name, a.Mode, 0) }); err != nil {
		return nil, err
	}
	return n.made(name, a)
}

// Symlink implements vfs.Inode. The target is stored as given; only the
// VFS ever follows it, inside the sandbox.
func (n *bindInode) Symlink(name, target string, a vfs.CreateAttr) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return nil, err
	}
	if err := component(name); err != nil {
		return nil, err
	}
	if err := retry(func() error { return unix.Symlinkat(target, n.fd, name) }); err != nil {
		return nil, err
	}
	return n.made(name, a)
}

// Link implements vfs.Inode: target must be a file of the same Bind
// (EXDEV otherwise, as between mounts). linkat(2) with
// AT_SYMLINK_FOLLOW on the /proc/self/fd name links the inode itself
// without the privilege AT_EMPTY_PATH needs.
func (n *bindInode) Link(name string, target vfs.Inode) error {
	defer runtime.KeepAlive(n)
	t, ok := target.(*bindInode)
	if !ok || t.b != n.b {
		return kerr.EXDEV
	}
	defer runtime.KeepAlive(t)
	if err := n.writable(); err != nil {
		return err
	}
	if err := component(name); err != nil {
		return err
	}
	return retry(func() error { return unix.Linkat(unix.AT_FDCWD, t.proc(), n.fd, name, unix.AT_SYMLINK_FOLLOW) })
}

// Unlink implements vfs.Inode.
func (n *bindInode) Unlink(name string) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	if err := component(name); err != nil {
		return err
	}
	return retry(func() error { return unix.Unlinkat(n.fd, name, 0) })
}

// Rmdir implements vfs.Inode.
func (n *bindInode) Rmdir(name string) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	if err := component(name); err != nil {
		return err
	}
	return retry(func() error { return unix.Unlinkat(n.fd, name, unix.AT_REMOVEDIR) })
}

// Rename implements vfs.Inode with renameat2(2).
func (n *bindInode) Rename(oldName string, newDir vfs.Inode, newName string, flags vfs.RenameFlags) error {
	defer runtime.KeepAlive(n)
	d, ok := newDir.(*bindInode)
	if !ok || d.b != n.b {
		return kerr.EXDEV
	}
	defer runtime.KeepAlive(d)
	if err := n.writable(); err != nil {
		return err
	}
	if err := component(oldName, newName); err != nil {
		return err
	}
	var hf uint
	if flags&vfs.RenameNoReplace != 0 {
		hf |= unix.RENAME_NOREPLACE
	}
	if flags&vfs.RenameExchange != 0 {
		hf |= unix.RENAME_EXCHANGE
	}
	return retry(func() error { return unix.Renameat2(n.fd, oldName, d.fd, newName, hf) })
}

// Setattr implements vfs.Inode: chown, chmod, truncate and utimes on the
// host inode, in that order (chown clears set-user-ID bits the VFS may
// have asked to keep off anyway).
func (n *bindInode) Setattr(a *vfs.SetAttr) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	st, err := n.Getattr()
	if err != nil {
		return err
	}
	symlink := st.Mode&fs.ModeTypeMask == fs.ModeSymlink
	key := fileKey{st.Dev, st.Ino}
	defer func() {
		// The new size and times are runos's doing (see pagecache.go).
		if e := mappedCache(key); e != nil {
			e.b.changed()
		}
	}()
	if a.Mask&(vfs.AttrUID|vfs.AttrGID) != 0 {
		uid, gid := -1, -1
		if a.Mask&vfs.AttrUID != 0 {
			uid = int(a.UID)
		}
		if a.Mask&vfs.AttrGID != 0 {
			gid = int(a.GID)
		}
		if err := retry(func() error {
			return unix.Fchownat(n.fd, "", uid, gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
		}); err != nil {
			return err
		}
	}
	if a.Mask&vfs.AttrMode != 0 {
		if symlink {
			return kerr.EOPNOTSUPP
		}
		if err := retry(func() error { return unix.Fchmodat(unix.AT_FDCWD, n.proc(), a.Mode&0o7777, 0) }); err != nil {
			return err
		}
	}
	if a.Mask&vfs.AttrSize != 0 {
		if err := retry(func() error { return unix.Truncate(n.proc(), a.Size) }); err != nil {
			return err
		}
		if e := mappedCache(key); e != nil {
			// Pages beyond the new end leave every mapping (SIGBUS).
			e.cache.Truncate(a.Size)
		}
	}
	if a.Mask&(vfs.AttrAtime|vfs.AttrMtime|vfs.AttrAtimeNow|vfs.AttrMtimeNow) != 0 {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
		switch {
		case a.Mask&vfs.AttrAtimeNow != 0:
			ts[0].Nsec = unix.UTIME_NOW
		case a.Mask&vfs.AttrAtime != 0:
			ts[0] = unix.Timespec{Sec: a.Atime.Sec, Nsec: a.Atime.Nsec}
		}
		switch {
		case a.Mask&vfs.AttrMtimeNow != 0:
			ts[1].Nsec = unix.UTIME_NOW
		case a.Mask&vfs.AttrMtime != 0:
			ts[1] = unix.Timespec{Sec: a.Mtime.Sec, Nsec: a.Mtime.Nsec}
		}
		dirfd, path, flags := unix.AT_FDCWD, n.proc(), 0
		if symlink {
			dirfd, path, flags = n.fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW
		}
		if err := retry(func() error { return unix.UtimesNanoAt(dirfd, path, ts, flags) }); err != nil {
			return err
		}
	}
	return nil
}
