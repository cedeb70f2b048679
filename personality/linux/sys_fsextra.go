package linux

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The rest of the file calls: flushing and advice (which an in-memory
// sandbox answers by checking arguments only), the old timestamp calls,
// fallocate, openat2 and creat, close_range, fchmodat2 and epoll_pwait2.

// sysSync: every filesystem of the sandbox is in memory or read-only, so
// there is nothing to write back (see sync(2)).
func sysSync(t *core.Task, a core.SyscallArgs) (uintptr, error) { return 0, nil }

// sysSyncfs is syncfs(2): like sync, once the descriptor is valid.
func sysSyncfs(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	d.DecRef()
	return 0, nil
}

// posix_fadvise(2) advice values.
const fadvNoreuse = 5 // POSIX_FADV_NORMAL (0) to POSIX_FADV_NOREUSE

// sysFadvise64 is posix_fadvise(2): there is no page cache to steer, so
// the call only checks its arguments in Linux's order (EBADF, ESPIPE for
// a pipe, EINVAL for a negative length or unknown advice).
func sysFadvise64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	st, err := statFD(t, a[0])
	if err != nil {
		return 0, err
	}
	if st.Mode&fs.ModeTypeMask == fs.ModeFIFO {
		return 0, kerr.ESPIPE
	}
	if int64(a[2]) < 0 || a[3] > fadvNoreuse {
		return 0, kerr.EINVAL
	}
	return 0, nil
}

// sysReadahead is readahead(2): nothing to read ahead into, but the
// descriptor must be readable and a regular file (EINVAL otherwise).
func sysReadahead(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if d.Flags()&fs.FlagRead == 0 {
		return 0, kerr.EBADF
	}
	st, err := d.File.Stat()
	if err != nil {
		return 0, err
	}
	if t := st.Mode & fs.ModeTypeMask; t != fs.ModeRegular && t != fs.ModeBlock {
		return 0, kerr.EINVAL
	}
	return 0, nil
}

// setTimes applies atime and mtime (nil: both now) to path from dirfd;
// an empty path with no dirfd (futimesat's NULL) names the descriptor.
func setTimes(t *core.Task, dirfd int, pathAddr uintptr, times *[2]fs.Timespec) (uintptr, error) {
	var a vfs.SetAttr
	if times == nil {
		a.Mask = vfs.AttrAtime | vfs.AttrAtimeNow | vfs.AttrMtime | vfs.AttrMtimeNow
	} else {
		a.Mask = vfs.AttrAtime | vfs.AttrMtime
		a.Atime, a.Mtime = times[0], times[1]
	}
	if pathAddr == 0 && dirfd != atFDCWD {
		// futimesat(fd, NULL, times) changes the file fd refers to.
		return 0, utimensFD(t, uintptr(dirfd), a, 0)
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if p == "" {
		return 0, kerr.ENOENT
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Utimens(t.FSContext(), start, p, a, 0)
}

// copyInTimevals reads utimes(2)'s struct timeval[2]; a microsecond
// count outside [0, 1000000) is EINVAL.
func copyInTimevals(t *core.Task, addr uintptr) (*[2]fs.Timespec, error) {
	if addr == 0 {
		return nil, nil
	}
	var b [32]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return nil, err
	}
	var ts [2]fs.Timespec
	for i := range ts {
		sec, usec := int64(le.Uint64(b[16*i:])), int64(le.Uint64(b[16*i+8:]))
		if usec < 0 || usec >= 1e6 {
			return nil, kerr.EINVAL
		}
		ts[i] = fs.Timespec{Sec: sec, Nsec: usec * 1000}
	}
	return &ts, nil
}

// sysUtime is utime(2): struct utimbuf is two whole seconds.
func sysUtime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var times *[2]fs.Timespec
	if a[1] != 0 {
		var b [16]byte
		if _, err := t.MM().CopyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		times = &[2]fs.Timespec{{Sec: int64(le.Uint64(b[0:]))}, {Sec: int64(le.Uint64(b[8:]))}}
	}
	return setTimes(t, atFDCWD, a[0], times)
}

func sysUtimes(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	times, err := copyInTimevals(t, a[1])
	if err != nil {
		return 0, err
	}
	return setTimes(t, atFDCWD, a[0], times)
}

func sysFutimesat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	times, err := copyInTimevals(t, a[2])
	if err != nil {
		return 0, err
	}
	return setTimes(t, fdArg(a[0]), a[1], times)
}

// fallocate(2) modes (<linux/falloc.h>).
const (
	fallocKeepSize  = 0x01
	fallocPunchHole = 0x02
	fallocZeroRange = 0x10
	// fallocKnown are the modes Linux knows, which a filesystem may
	// still refuse with EOPNOTSUPP: NO_HIDE_STALE, COLLAPSE_RANGE,
	// INSERT_RANGE, UNSHARE_RANGE and WRITE_ZEROES besides ours.
	fallocKnown = 0xff
)

// sysFallocate is fallocate(2), with the checks of Linux's
// vfs_fallocate in its order; the filesystem's open file does the work
// (vfs.Allocator), and a file without one answers EOPNOTSUPP.
func sysFallocate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := getFile(t, a[0])
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	mode, off, length := uint32(a[1]), int64(a[2]), int64(a[3])
	if off < 0 || length <= 0 {
		return 0, kerr.EINVAL
	}
	var am vfs.AllocMode
	switch mode &^ fallocKeepSize {
	case 0:
	case fallocPunchHole:
		if mode&fallocKeepSize == 0 {
			return 0, kerr.EOPNOTSUPP // a hole must keep the size
		}
		am |= vfs.AllocPunchHole
	case fallocZeroRange:
		am |= vfs.AllocZeroRange
	default:
		return 0, kerr.EOPNOTSUPP // unknown (mode&^fallocKnown) or not supported here
	}
	if mode&fallocKeepSize != 0 {
		am |= vfs.AllocKeepSize
	}
	if d.Flags()&fs.FlagWrite == 0 {
		return 0, kerr.EBADF
	}
	st, err := d.File.Stat()
	if err != nil {
		return 0, err
	}
	switch st.Mode & fs.ModeTypeMask {
	case fs.ModeFIFO:
		return 0, kerr.ESPIPE
	case fs.ModeDir:
		return 0, kerr.EISDIR
	case fs.ModeRegular:
	default:
		return 0, kerr.ENODEV
	}
	if off+length < 0 {
		return 0, kerr.EFBIG
	}
	al, ok := fs.As[vfs.Allocator](d.File)
	if !ok {
		return 0, kerr.EOPNOTSUPP
	}
	return 0, al.Allocate(am, off, length)
}

// sysCreat is creat(2): open(path, O_CREAT|O_WRONLY|O_TRUNC, mode).
func sysCreat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doOpen(t, atFDCWD, a[0], oCreat|oWronly|oTrunc, a[1])
}

// openat2(2)'s struct open_how and RESOLVE_* flags (<linux/openat2.h>).
const (
	openHowSize0       = 24 // OPEN_HOW_SIZE_VER0: flags, mode, resolve
	openHowMax         = 4096
	resolveNoXdev      = 0x01
	resolveNoMagiclink = 0x02
	resolveNoSymlinks  = 0x04
	resolveBeneath     = 0x08
	resolveInRoot      = 0x10
	resolveCached      = 0x20
	resolveKnown       = 0x3f

	// openFlagsKnown are the flags openat2 accepts; unlike openat it
	// refuses any other bit (EINVAL).
	openFlagsKnown = oAccMode | oCreat | oExcl | oNoctty | oTrunc | oAppend | oNonblock |
		oDsync | oAsync | oDirect | oLargefile | oDirectory | oNofollow | oNoatime |
		oCloexec | oSync | oPath | oTmpfile
	// oPathFlags are the only flags that may go with O_PATH in openat2.
	oPathFlags = oDirectory | oNofollow | oPath | oCloexec
)

var resolveBits = []struct {
	linux uint64
	how   vfs.Resolve
}{
	{resolveNoXdev, vfs.ResolveNoXdev}, {resolveNoMagiclink, vfs.ResolveNoMagiclinks},
	{resolveNoSymlinks, vfs.ResolveNoSymlinks}, {resolveBeneath, vfs.ResolveBeneath},
	{resolveInRoot, vfs.ResolveInRoot},
}

// sysOpenat2 is openat2(2): openat with a struct open_how that is
// checked strictly, and the RESOLVE_* restrictions on the walk, which
// the VFS implements (vfs.Resolve).
func sysOpenat2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	dirfd, pathAddr, howAddr, size := fdArg(a[0]), a[1], a[2], a[3]
	if size < openHowSize0 {
		return 0, kerr.EINVAL
	}
	if size > openHowMax {
		return 0, kerr.E2BIG
	}
	b := make([]byte, size)
	if _, err := t.MM().CopyIn(howAddr, b); err != nil {
		return 0, err
	}
	// A newer struct than ours is fine as long as what we do not know
	// is zero (see openat2(2), "Extensibility").
	for _, c := range b[openHowSize0:] {
		if c != 0 {
			return 0, kerr.E2BIG
		}
	}
	flags, mode, resolve := le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:])
	if flags&^openFlagsKnown != 0 || resolve&^resolveKnown != 0 {
		return 0, kerr.EINVAL
	}
	if flags&oCreat != 0 || flags&oTmpfile == oTmpfile {
		if mode&^0o7777 != 0 {
			return 0, kerr.EINVAL
		}
	} else if mode != 0 {
		return 0, kerr.EINVAL
	}
	if flags&oPath != 0 && flags&^oPathFlags != 0 {
		return 0, kerr.EINVAL
	}
	if resolve&resolveBeneath != 0 && resolve&resolveInRoot != 0 {
		return 0, kerr.EINVAL
	}
	if resolve&resolveCached != 0 && flags&(oTrunc|oCreat|oTmpfile) != 0 {
		return 0, kerr.EAGAIN // these can never be served from the cache
	}
	var how vfs.Resolve
	for _, r := range resolveBits {
		if resolve&r.linux != 0 {
			how |= r.how
		}
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	if p == "" {
		return 0, kerr.ENOENT
	}
	of, status, err := decodeOpenFlags(uintptr(flags), uintptr(mode))
	if err != nil {
		return 0, err
	}
	// RESOLVE_BENEATH and RESOLVE_IN_ROOT are about dirfd even for an
	// absolute path.
	sp := p
	if how&(vfs.ResolveBeneath|vfs.ResolveInRoot) != 0 {
		sp = "."
	}
	start, err := startAt(t, dirfd, sp)
	if err != nil {
		return 0, err
	}
	of.Mode &^= t.Group().Umask()
	f, dent, err := openPath(t, start, p, of, how, uintptr(flags))
	if err != nil {
		return 0, err
	}
	name := openedName(t, dent, p, uintptr(flags))
	if how&vfs.ResolveInRoot != 0 {
		name = pathOf(t, dent) // "/" was the dirfd
	}
	return installOpened(t, f, dent, name, of, status, uintptr(flags))
}

// close_range(2) flags.
const (
	closeRangeUnshare = 1 << 1
	closeRangeCloexec = 1 << 2
)

func sysCloseRange(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	first, last, flags := uint32(a[0]), uint32(a[1]), uint32(a[2])
	if flags&^(closeRangeUnshare|closeRangeCloexec) != 0 || first > last {
		return 0, kerr.EINVAL
	}
	if flags&closeRangeUnshare != 0 {
		t.UnshareFDs()
	}
	t.FDs().CloseRange(uint(first), uint(last), flags&closeRangeCloexec != 0)
	return 0, nil
}

// sysFchmodat2 is fchmodat2(2): fchmodat with flags. With
// AT_SYMLINK_NOFOLLOW a symlink itself fails with EOPNOTSUPP (it has no
// mode of its own), while any other file is changed as usual.
func sysFchmodat2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	dirfd, pathAddr, mode, flags := fdArg(a[0]), a[1], uint32(a[2]), a[3]
	if flags&^(atSymlinkNoFollow|atEmptyPath) != 0 {
		return 0, kerr.EINVAL
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	var af vfs.AtFlags
	if flags&atSymlinkNoFollow != 0 {
		af |= vfs.AtNoFollow
	}
	if p == "" {
		if flags&atEmptyPath == 0 {
			return 0, kerr.ENOENT
		}
		if dirfd != atFDCWD {
			// As fchmod(2): the file fd refers to, even a pipe.
			return 0, chmodFD(t, uintptr(dirfd), mode, af)
		}
		af |= vfs.AtEmptyPath
	}
	start, err := startAt(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	return 0, t.Kernel().FS.Chmod(t.FSContext(), start, p, mode&0o7777, af)
}

// sysEpollPwait2 is epoll_pwait2(2): epoll_pwait with a struct timespec
// timeout (NULL: wait for ever).
func sysEpollPwait2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	timeout := time.Duration(-1)
	if a[3] != 0 {
		ts, err := copyInTimespec(t, a[3])
		if err != nil {
			return 0, err
		}
		if !ts.valid() {
			return 0, kerr.EINVAL
		}
		timeout = ts.duration()
	}
	if err := setTempMask(t, a[4], a[5]); err != nil {
		return 0, err
	}
	return doEpollWait(t, a[0], a[1], int(int32(a[2])), timeout)
}

var fsExtraCalls = map[string]impl{
	"sync":         full(sysSync),
	"syncfs":       full(sysSyncfs),
	"fadvise64":    full(sysFadvise64),
	"readahead":    full(sysReadahead),
	"utime":        full(sysUtime),
	"utimes":       full(sysUtimes),
	"futimesat":    partial(sysFutimesat, "a NULL path on a memfd or standard stream fails with EINVAL: they keep no times"),
	"fallocate":    partial(sysFallocate, "modes 0, KEEP_SIZE and PUNCH_HOLE|KEEP_SIZE on tmpfs and memfds; ZERO_RANGE too on the root overlay's new files, as on a disk; others EOPNOTSUPP"),
	"creat":        full(sysCreat),
	"openat2":      partial(sysOpenat2, "O_TMPFILE as open(2); RESOLVE_CACHED lookups never fail with EAGAIN"),
	"close_range":  full(sysCloseRange),
	"fchmodat2":    full(sysFchmodat2),
	"epoll_pwait2": full(sysEpollPwait2),
}
