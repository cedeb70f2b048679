package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The calls that change the file namespace or file attributes. Each
// decodes its arguments, resolves the path against the cwd or a directory
// descriptor's dentry, and calls the filesystem (kernel/core's
// FileSystem, served by fs/vfs) as the calling process: its filesystem
// credentials and root (core.ThreadGroup.FSContext).

const (
	atRemovedir     = 0x200
	atSymlinkFollow = 0x400
	renameNoreplace = 1
	renameExchange  = 2
	renameWhiteout  = 4
	utimeNow        = (1 << 30) - 1
	utimeOmit       = (1 << 30) - 2
)

// pathArg copies in a path argument and finds the dentry it starts from
// (see startAt). An empty path is ENOENT unless flags has AT_EMPTY_PATH.
func pathArg(t *core.Task, dirfd int, addr, flags uintptr) (*vfs.Dentry, string, error) {
	p, err := copyInPath(t, addr)
	if err != nil {
		return nil, "", err
	}
	if p == "" && flags&atEmptyPath == 0 {
		return nil, "", kerr.ENOENT
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return nil, "", err
	}
	return start, p, nil
}

// lookupFlags decodes AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
func lookupFlags(flags uintptr) vfs.AtFlags {
	var f vfs.AtFlags
	if flags&atSymlinkNoFollow != 0 {
		f |= vfs.AtNoFollow
	}
	if flags&atEmptyPath != 0 {
		f |= vfs.AtEmptyPath
	}
	return f
}

func doMkdir(t *core.Task, dirfd int, pathAddr, mode uintptr) (uintptr, error) {
	start, p, err := pathArg(t, dirfd, pathAddr, 0)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Mkdir(t.FSContext(), start, p, uint32(mode)&0o7777&^t.Group().Umask())
}

func sysMkdir(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMkdir(t, atFDCWD, a[0], a[1])
}

func sysMkdirat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doMkdir(t, fdArg(a[0]), a[1], a[2])
}

func doMknod(t *core.Task, dirfd int, pathAddr, mode, dev uintptr) (uintptr, error) {
	start, p, err := pathArg(t, dirfd, pathAddr, 0)
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
	return 0, t.Kernel().FS.Mknod(t.FSContext(), start, p, m&fs.ModeTypeMask|perm, uint64(dev))
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
	start, p, err := pathArg(t, dirfd, pathAddr, 0)
	if err != nil {
		return 0, err
	}
	if flags&atRemovedir != 0 {
		return 0, t.Kernel().FS.Rmdir(t.FSContext(), start, p)
	}
	return 0, t.Kernel().FS.Unlink(t.FSContext(), start, p)
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
	ostart, op, err := pathArg(t, olddir, oldAddr, 0)
	if err != nil {
		return 0, err
	}
	nstart, np, err := pathArg(t, newdir, newAddr, 0)
	if err != nil {
		return 0, err
	}
	var rf vfs.RenameFlags
	if flags&renameNoreplace != 0 {
		rf |= vfs.RenameNoReplace
	}
	if flags&renameExchange != 0 {
		rf |= vfs.RenameExchange
	}
	return 0, t.Kernel().FS.Rename(t.FSContext(), ostart, op, nstart, np, rf)
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
	ostart, op, err := pathArg(t, olddir, oldAddr, flags&atEmptyPath)
	if err != nil {
		return 0, err
	}
	nstart, np, err := pathArg(t, newdir, newAddr, 0)
	if err != nil {
		return 0, err
	}
	lf := vfs.AtNoFollow
	if flags&atSymlinkFollow != 0 {
		lf = 0
	}
	if flags&atEmptyPath != 0 {
		lf |= vfs.AtEmptyPath
		if op == "" && olddir != atFDCWD {
			if err := mayLinkDescriptor(t, olddir); err != nil {
				return 0, err
			}
		}
	}
	return 0, t.Kernel().FS.Link(t.FSContext(), ostart, op, nstart, np, lf)
}

// mayLinkDescriptor is linkat(2)'s rule for naming descriptor fd with
// AT_EMPTY_PATH: the caller needs CAP_DAC_READ_SEARCH, or the very
// credentials fd was opened with (any change of ids since, or the copy
// fork(2) makes, is another set), else the call fails with ENOENT.
func mayLinkDescriptor(t *core.Task, fd int) error {
	d, err := t.FDs().Get(fd)
	if err != nil {
		return err
	}
	defer d.DecRef()
	c := t.FSContext().Creds
	if opener, _ := d.Opener.(*vfs.Creds); opener == c || c.Capable(vfs.CapDacReadSearch) {
		return nil
	}
	return kerr.ENOENT
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
	start, p, err := pathArg(t, dirfd, pathAddr, 0)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Symlink(t.FSContext(), target, start, p)
}

func sysSymlink(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doSymlink(t, a[0], atFDCWD, a[1])
}

func sysSymlinkat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doSymlink(t, a[0], fdArg(a[1]), a[2])
}

// doChmod is chmod(2) and fchmodat(2). Linux's fchmodat has no flags
// argument (the C library emulates AT_SYMLINK_NOFOLLOW); fchmodat2(2)
// is the call with flags (sys_fsextra.go).
func doChmod(t *core.Task, dirfd int, pathAddr, mode uintptr) (uintptr, error) {
	start, p, err := pathArg(t, dirfd, pathAddr, 0)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chmod(t.FSContext(), start, p, uint32(mode)&0o7777, 0)
}

func sysChmod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChmod(t, atFDCWD, a[0], a[1])
}

func sysFchmodat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doChmod(t, fdArg(a[0]), a[1], a[2])
}

// sysFchmod is fchmod(2), on the open file wherever it is now (renamed
// or unlinked).
func sysFchmod(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, chmodFD(t, a[0], uint32(a[1]), 0)
}

// chmodFD changes the mode of the file fd refers to: fchmod(2), and
// fchmodat2(2) with AT_EMPTY_PATH, which reach a pipe or memfd too.
func chmodFD(t *core.Task, fd uintptr, mode uint32, flags vfs.AtFlags) error {
	d, af, err := fdAttrTarget(t, fd)
	switch {
	case err != nil:
		return err
	case af != nil:
		return vfs.ChmodFile(t.FSContext(), af, mode&0o7777)
	}
	return t.Kernel().FS.Chmod(t.FSContext(), d, "", mode&0o7777, flags|vfs.AtEmptyPath)
}

// fdAttrTarget is what fchmod(2) and fchown(2) on fd change: the name
// it was opened through, or else the file itself when it keeps a mode
// and owner with no name (a pipe, a memfd). Other nameless files
// (eventfd, epoll, inotify: Linux's one shared anonymous inode) refuse
// with EOPNOTSUPP.
func fdAttrTarget(t *core.Task, fd uintptr) (*vfs.Dentry, vfs.AttrFile, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	defer d.DecRef()
	if dent, _ := d.Dentry.(*vfs.Dentry); dent != nil {
		return dent, nil, nil
	}
	if af, ok := d.File.(vfs.AttrFile); ok {
		return nil, af, nil
	}
	return nil, nil, kerr.EOPNOTSUPP
}

func doChown(t *core.Task, dirfd int, pathAddr, uid, gid, flags uintptr) (uintptr, error) {
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	start, p, err := pathArg(t, dirfd, pathAddr, flags)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chown(t.FSContext(), start, p, uint32(uid), uint32(gid), lookupFlags(flags))
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

// sysFchown is fchown(2), on the open file wherever it is now.
func sysFchown(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, af, err := fdAttrTarget(t, a[0])
	switch {
	case err != nil:
		return 0, err
	case af != nil:
		return 0, vfs.ChownFile(t.FSContext(), af, uint32(a[1]), uint32(a[2]))
	}
	return 0, t.Kernel().FS.Chown(t.FSContext(), d, "", uint32(a[1]), uint32(a[2]), vfs.AtEmptyPath)
}

func sysTruncate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int64(a[1]) < 0 {
		return 0, kerr.EINVAL
	}
	start, p, err := pathArg(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Truncate(t.FSContext(), start, p, int64(a[1]))
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
	dent, _ := d.Dentry.(*vfs.Dentry)
	if dent == nil {
		return 0, kerr.EINVAL
	}
	return 0, t.Kernel().FS.TruncateFile(dent, int64(a[1]))
}

func sysUtimensat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	dirfd, pathAddr, timesAddr, flags := fdArg(a[0]), a[1], a[2], a[3]
	st := fs.SetTimes{AtimeNow: true, MtimeNow: true}
	if timesAddr != 0 {
		var b [32]byte
		if _, err := t.MM().CopyIn(timesAddr, b[:]); err != nil {
			return 0, err
		}
		// See utimensat(2): both UTIME_OMIT changes nothing, and Linux
		// then looks at neither the flags nor the path.
		if le.Uint64(b[8:]) == utimeOmit && le.Uint64(b[24:]) == utimeOmit {
			return 0, nil
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
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	var p string
	var err error
	if pathAddr != 0 {
		if p, err = copyInPath(t, pathAddr); err != nil {
			return 0, err
		}
		if p == "" && flags&atEmptyPath == 0 {
			return 0, kerr.ENOENT
		}
	}
	af := lookupFlags(flags)
	switch {
	case p == "" && dirfd != atFDCWD:
		// utimensat(fd, NULL, ...), or "" with AT_EMPTY_PATH: the file
		// fd refers to.
		return 0, utimensFD(t, uintptr(dirfd), timesAttr(st), af)
	case pathAddr == 0:
		return 0, kerr.EFAULT // a NULL path needs a descriptor
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Utimens(t.FSContext(), start, p, timesAttr(st), af)
}

// utimensFD sets the times of the file fd refers to (utimensat(2) and
// futimesat(2) with a NULL path), even a pipe with no name, as
// fchmod(2) finds its mode (fdAttrTarget).
func utimensFD(t *core.Task, fd uintptr, a vfs.SetAttr, flags vfs.AtFlags) error {
	d, af, err := fdAttrTarget(t, fd)
	switch {
	case err != nil:
		return err
	case af != nil:
		tf, ok := af.(timesFile)
		if !ok {
			return kerr.EINVAL // a memfd or standard stream keeps no times yet
		}
		return vfs.UtimensFile(t.FSContext(), tf, a)
	}
	return t.Kernel().FS.Utimens(t.FSContext(), d, "", a, flags|vfs.AtEmptyPath)
}

// timesFile is a file with no name that keeps its own access and
// modification times (a pipe).
type timesFile interface {
	vfs.AttrFile
	KeepsTimes()
}

// timesAttr turns utimensat's times into the attributes to change.
func timesAttr(t fs.SetTimes) vfs.SetAttr {
	var a vfs.SetAttr
	switch {
	case t.AtimeOmit:
	case t.AtimeNow:
		a.Mask |= vfs.AttrAtime | vfs.AttrAtimeNow
	default:
		a.Mask |= vfs.AttrAtime
		a.Atime = t.Atime
	}
	switch {
	case t.MtimeOmit:
	case t.MtimeNow:
		a.Mask |= vfs.AttrMtime | vfs.AttrMtimeNow
	default:
		a.Mask |= vfs.AttrMtime
		a.Mtime = t.Mtime
	}
	return a
}

func sysUmask(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().SetUmask(uint32(a[0]))), nil
}

// sysFsync: only a host file has anything to flush (syncFile, in
// sys_msync.go); the descriptor must be valid.
func sysFsync(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	return 0, syncFile(d.File)
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
	"fchmod":    full(sysFchmod),
	"fchmodat":  full(sysFchmodat),
	"chown":     full(sysChown),
	"lchown":    full(sysLchown),
	"fchown":    full(sysFchown),
	"fchownat":  full(sysFchownat),
	"truncate":  full(sysTruncate),
	"ftruncate": full(sysFtruncate),
	"utimensat": partial(sysUtimensat, "a NULL path on a memfd or standard stream fails with EINVAL: they keep no times"),
	"umask":     full(sysUmask),
	"fsync":     full(sysFsync),
	"fdatasync": full(sysFsync),
}
