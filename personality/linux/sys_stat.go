package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// statx(2) mask bits and flags.
const (
	statxBasicStats = 0x7ff
	statxBtime      = 0x800
	statxReserved   = 0x80000000
	atStatxSyncType = 0x6000
	atNoAutomount   = 0x800
	statxSize       = 256
)

// statx(2) attributes (stx_attributes and stx_attributes_mask).
const (
	statxAttrImmutable = 0x10
	statxAttrAppend    = 0x20
	statxAttrNodump    = 0x40
	statxAttrAutomount = 0x1000
	statxAttrMountRoot = 0x2000
	statxAttrDax       = 0x200000

	// Every filesystem supports these in Linux's vfs_getattr_nosec.
	statxAttrsGeneric = statxAttrAutomount | statxAttrMountRoot | statxAttrDax
	// shmem_getattr adds the inode flags tmpfs keeps (chattr(1)).
	statxAttrsTmpfs = statxAttrImmutable | statxAttrAppend | statxAttrNodump
)

// devMajor and devMinor split a dev_t as Linux's new_decode_dev does.
func devMajor(d uint64) uint32 { return uint32((d>>8)&0xfff | (d>>32)&^0xfff) }
func devMinor(d uint64) uint32 { return uint32(d&0xff | (d>>12)&^0xff) }

func sysStatx(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	dirfd, pathAddr, flags, mask, buf := fdArg(a[0]), a[1], a[2], uint32(a[3]), a[4]
	if flags&^(atSymlinkNoFollow|atEmptyPath|atNoAutomount|atStatxSyncType) != 0 ||
		flags&atStatxSyncType == atStatxSyncType || mask&statxReserved != 0 {
		return 0, kerr.EINVAL
	}
	p, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	var st fs.Stat
	var attrs, attrMask uint64
	switch {
	case p == "" && flags&atEmptyPath == 0:
		return 0, kerr.ENOENT
	case p == "" && dirfd != atFDCWD:
		d, err := t.FDs().Get(dirfd)
		if err != nil {
			return 0, err
		}
		st, err = d.File.Stat()
		if err == nil {
			attrs, attrMask = fileStatxAttrs(t, d)
		}
		d.DecRef()
		if err != nil {
			return 0, err
		}
	default:
		start, err := startAt(t, dirfd, p)
		if err != nil {
			return 0, err
		}
		dent, err := t.Kernel().FS.Lookup(t.FSContext(), start, p, lookupFlags(flags))
		if err != nil {
			return 0, err
		}
		if st, err = dent.Inode().Getattr(); err != nil {
			return 0, err
		}
		attrs, attrMask = statxAttrs(dent)
	}
	mask = statxBasicStats
	if st.Btime != (fs.Timespec{}) {
		mask |= statxBtime
	}
	var b [statxSize]byte
	le.PutUint32(b[0:], mask)
	le.PutUint32(b[4:], uint32(st.Blksize))
	le.PutUint64(b[8:], attrs)
	le.PutUint32(b[16:], uint32(st.Nlink))
	le.PutUint32(b[20:], st.UID)
	le.PutUint32(b[24:], st.GID)
	le.PutUint16(b[28:], uint16(st.Mode))
	le.PutUint64(b[32:], st.Ino)
	le.PutUint64(b[40:], uint64(st.Size))
	le.PutUint64(b[48:], uint64(st.Blocks))
	le.PutUint64(b[56:], attrMask)
	for off, ts := range map[int]fs.Timespec{64: st.Atime, 80: st.Btime, 96: st.Ctime, 112: st.Mtime} {
		le.PutUint64(b[off:], uint64(ts.Sec))
		le.PutUint32(b[off+8:], uint32(ts.Nsec))
	}
	le.PutUint32(b[128:], devMajor(st.Rdev))
	le.PutUint32(b[132:], devMinor(st.Rdev))
	le.PutUint32(b[136:], devMajor(st.Dev))
	le.PutUint32(b[140:], devMinor(st.Dev))
	_, err = t.MM().CopyOut(buf, b[:])
	return 0, err
}

// statxAttrs are the statx attributes of the file dent names and the
// mask of those its filesystem supports: a mount's root says so
// (STATX_ATTR_MOUNT_ROOT); tmpfs, here as on Linux, could also keep the
// immutable, append-only and no-dump flags, though none is ever set.
func statxAttrs(dent *vfs.Dentry) (attrs, mask uint64) {
	fsys := dent.Mount().FileSystem()
	if dent.Inode() == fsys.Root() {
		attrs |= statxAttrMountRoot
	}
	return attrs, statxAttrsMask(fsys.Name())
}

// fileStatxAttrs is statxAttrs for an open file, which may have no name:
// then its filesystem is the internal one fstatfs(2) reports.
func fileStatxAttrs(t *core.Task, d *fs.FileDescription) (attrs, mask uint64) {
	if dent, _ := d.Dentry.(*vfs.Dentry); dent != nil {
		return statxAttrs(dent)
	}
	s, err := fileStatfs(t, d)
	if err != nil {
		return 0, statxAttrsGeneric
	}
	return 0, statxAttrsMask(s.Type)
}

func statxAttrsMask(fsType string) uint64 {
	switch fsType {
	case "tmpfs", "devtmpfs":
		return statxAttrsGeneric | statxAttrsTmpfs
	}
	return statxAttrsGeneric
}
