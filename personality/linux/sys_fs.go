package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The calls that change the file namespace or file attributes. Each
// decodes its arguments, resolves the path against the cwd or a directory
// descriptor, and calls the filesystem (kernel/core's FileSystem, served
// by fs/vfs over the overlay root).

const (
	atRemovedir     = 0x200
	atSymlinkFollow = 0x400
	renameNoreplace = 1
	renameExchange  = 2
	renameWhiteout  = 4
	utimeNow        = (1 << 30) - 1
	utimeOmit       = (1 << 30) - 2
)

// pathArg copies in a path argument and makes it absolute against dirfd.
func pathArg(t *core.Task, dirfd int, addr uintptr) (string, error) {
	p, err := copyInPath(t, addr)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", kerr.ENOENT
	}
	return resolvePath(t, dirfd, p)
}

func doMkdir(t *core.Task, dirfd int, pathAddr, mode uintptr) (uintptr, error) {
	p, err := pathArg(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Mkdir(p, uint32(mode)&0o7777&^t.Group().Umask())
}

func sysMkdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMkdir(t, atFDCWD, a[0], a[1])
}

func sysMkdirat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMkdir(t, fdArg(a[0]), a[1], a[2])
}

func doMknod(t *core.Task, dirfd int, pathAddr, mode, dev uintptr) (uintptr, error) {
	p, err := pathArg(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	m := uint32(mode)
	switch m & fs.ModeTypeMask {
	case 0:
		m |= fs.ModeRegular
	case fs.ModeRegular, fs.ModeChar, fs.ModeBlock, fs.ModeFIFO, fs.ModeSocket:
	case fs.ModeDir:
		return 0, kerr.EPERM
	default:
		return 0, kerr.EINVAL
	}
	perm := m & 0o7777 &^ t.Group().Umask()
	return 0, t.Kernel().FS.Mknod(p, m&fs.ModeTypeMask|perm, uint64(dev))
}

func sysMknod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMknod(t, atFDCWD, a[0], a[1], a[2])
}

func sysMknodat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMknod(t, fdArg(a[0]), a[1], a[2], a[3])
}

func doUnlink(t *core.Task, dirfd int, pathAddr, flags uintptr) (uintptr, error) {
	if flags&^atRemovedir != 0 {
		return 0, kerr.EINVAL
	}
	p, err := pathArg(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	if flags&atRemovedir != 0 {
		return 0, t.Kernel().FS.Rmdir(p)
	}
	return 0, t.Kernel().FS.Unlink(p)
}

func sysUnlink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doUnlink(t, atFDCWD, a[0], 0)
}

func sysUnlinkat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doUnlink(t, fdArg(a[0]), a[1], a[2])
}

func sysRmdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doUnlink(t, atFDCWD, a[0], atRemovedir)
}

func doRename(t *core.Task, olddir int, oldAddr uintptr, newdir int, newAddr uintptr, flags uintptr) (uintptr, error) {
	if flags&^(renameNoreplace|renameExchange|renameWhiteout) != 0 || flags&renameWhiteout != 0 {
		return 0, kerr.EINVAL
	}
	op, err := pathArg(t, olddir, oldAddr)
	if err != nil {
		return 0, err
	}
	np, err := pathArg(t, newdir, newAddr)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Rename(op, np, flags&renameNoreplace != 0, flags&renameExchange != 0)
}

func sysRename(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doRename(t, atFDCWD, a[0], atFDCWD, a[1], 0)
}

func sysRenameat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doRename(t, fdArg(a[0]), a[1], fdArg(a[2]), a[3], 0)
}

func sysRenameat2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doRename(t, fdArg(a[0]), a[1], fdArg(a[2]), a[3], a[4])
}

func doLink(t *core.Task, olddir int, oldAddr uintptr, newdir int, newAddr uintptr, flags uintptr) (uintptr, error) {
	if flags&^(atSymlinkFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	op, err := pathArg(t, olddir, oldAddr)
	if err != nil {
		return 0, err
	}
	np, err := pathArg(t, newdir, newAddr)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Link(op, np, flags&atSymlinkFollow != 0)
}

func sysLink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doLink(t, atFDCWD, a[0], atFDCWD, a[1], 0)
}

func sysLinkat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doLink(t, fdArg(a[0]), a[1], fdArg(a[2]), a[3], a[4])
}

func doSymlink(t *core.Task, targetAddr uintptr, dirfd int, pathAddr uintptr) (uintptr, error) {
	target, err := copyInPath(t, targetAddr)
	if err != nil {
		return 0, err
	}
	if target == "" {
		return 0, kerr.ENOENT
	}
	p, err := pathArg(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Symlink(target, p)
}

func sysSymlink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doSymlink(t, a[0], atFDCWD, a[1])
}

func sysSymlinkat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doSymlink(t, a[0], fdArg(a[1]), a[2])
}

// fdPath is the path a descriptor was opened by, for the f* calls.
// Until descriptors keep their dentry, a file renamed after open is
// still found under its old name.
func fdPath(t *core.Task, fd uintptr) (string, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return "", err
	}
	defer d.DecRef()
	if d.Path == "" || d.Path[0] != '/' {
		return "", kerr.EINVAL // a pipe, socket or anonymous file
	}
	return d.Path, nil
}

func doChmod(t *core.Task, dirfd int, pathAddr, mode, flags uintptr) (uintptr, error) {
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	p, err := pathArg(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	if flags&atSymlinkNoFollow != 0 {
		return 0, kerr.EOPNOTSUPP // fchmodat2(2): symlinks have no mode
	}
	return 0, t.Kernel().FS.Chmod(p, uint32(mode)&0o7777, true)
}

func sysChmod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChmod(t, atFDCWD, a[0], a[1], 0)
}

func sysFchmodat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChmod(t, fdArg(a[0]), a[1], a[2], 0)
}

func sysFchmod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := fdPath(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chmod(p, uint32(a[1])&0o7777, true)
}

func doChown(t *core.Task, dirfd int, pathAddr, uid, gid, flags uintptr) (uintptr, error) {
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if p == "" {
		if flags&atEmptyPath == 0 {
			return 0, kerr.ENOENT
		}
		if p, err = fdPath(t, uintptr(dirfd)); err != nil {
			return 0, err
		}
	} else if p, err = resolvePath(t, dirfd, p); err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chown(p, uint32(uid), uint32(gid), flags&atSymlinkNoFollow == 0)
}

func sysChown(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChown(t, atFDCWD, a[0], a[1], a[2], 0)
}

func sysLchown(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChown(t, atFDCWD, a[0], a[1], a[2], atSymlinkNoFollow)
}

func sysFchownat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChown(t, fdArg(a[0]), a[1], a[2], a[3], a[4])
}

func sysFchown(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := fdPath(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chown(p, uint32(a[1]), uint32(a[2]), true)
}

func sysTruncate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[1]) < 0 {
		return 0, kerr.EINVAL
	}
	p, err := pathArg(t, atFDCWD, a[0])
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Truncate(p, int64(a[1]))
}

func sysFtruncate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[1]) < 0 {
		return 0, kerr.EINVAL
	}
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if d.CanWrite() != nil {
		return 0, kerr.EINVAL // ftruncate(2): fd not open for writing
	}
	st, err := d.File.Stat()
	if err != nil {
		return 0, err
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeRegular {
		return 0, kerr.EINVAL
	}
	if tr, ok := d.File.(interface{ Truncate(int64) error }); ok {
		return 0, tr.Truncate(int64(a[1])) // a file with no path: memfd
	}
	return 0, t.Kernel().FS.Truncate(d.Path, int64(a[1]))
}

func sysUtimensat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	dirfd, pathAddr, timesAddr, flags := fdArg(a[0]), a[1], a[2], a[3]
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	st := fs.SetTimes{AtimeNow: true, MtimeNow: true}
	if timesAddr != 0 {
		var b [32]byte
		if _, err := t.MM().CopyIn(timesAddr, b[:]); err != nil {
			return 0, err
		}
		set := func(off int, ts *fs.Timespec, now, omit *bool) error {
			sec, nsec := int64(le.Uint64(b[off:])), int64(le.Uint64(b[off+8:]))
			*now = false
			switch nsec {
			case utimeNow:
				*now = true
			case utimeOmit:
				*omit = true
			default:
				if nsec < 0 || nsec >= 1e9 {
					return kerr.EINVAL
				}
				*ts = fs.Timespec{Sec: sec, Nsec: nsec}
			}
			return nil
		}
		if err := set(0, &st.Atime, &st.AtimeNow, &st.AtimeOmit); err != nil {
			return 0, err
		}
		if err := set(16, &st.Mtime, &st.MtimeNow, &st.MtimeOmit); err != nil {
			return 0, err
		}
	}
	var p string
	var err error
	if pathAddr == 0 {
		// Linux's utimensat(fd, NULL, ...) changes the file fd refers to.
		if p, err = fdPath(t, uintptr(dirfd)); err != nil {
			return 0, err
		}
	} else if p, err = pathArg(t, dirfd, pathAddr); err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Utimens(p, st, flags&atSymlinkNoFollow == 0)
}

func sysUmask(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().SetUmask(uint32(a[0]))), nil
}

// sysFsync: every filesystem of the sandbox is in memory or read-only,
// so there is nothing to flush; the descriptor must be valid.
func sysFsync(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	d.DecRef()
	return 0, nil
}

var fsCalls = map[string]impl{
	"mkdir":     full(sysMkdir),
	"mkdirat":   full(sysMkdirat),
	"mknod":     full(sysMknod),
	"mknodat":   full(sysMknodat),
	"unlink":    full(sysUnlink),
	"unlinkat":  full(sysUnlinkat),
	"rmdir":     full(sysRmdir),
	"rename":    full(sysRename),
	"renameat":  full(sysRenameat),
	"renameat2": partial(sysRenameat2, "no RENAME_WHITEOUT"),
	"link":      full(sysLink),
	"linkat":    full(sysLinkat),
	"symlink":   full(sysSymlink),
	"symlinkat": full(sysSymlinkat),
	"chmod":     full(sysChmod),
	"fchmod":    partial(sysFchmod, "by the path the file was opened with"),
	"fchmodat":  full(sysFchmodat),
	"chown":     full(sysChown),
	"lchown":    full(sysLchown),
	"fchown":    partial(sysFchown, "by the path the file was opened with"),
	"fchownat":  full(sysFchownat),
	"truncate":  full(sysTruncate),
	"ftruncate": partial(sysFtruncate, "by the path the file was opened with"),
	"utimensat": full(sysUtimensat),
	"umask":     full(sysUmask),
	"fsync":     full(sysFsync),
	"fdatasync": full(sysFsync),
}
