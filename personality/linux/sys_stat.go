package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// statx(2) mask bits and flags.
const (
	statxBasicStats = 0x7ff
	statxReserved   = 0x80000000
	atStatxSyncType = 0x6000
	atNoAutomount   = 0x800
	statxSize       = 256
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
	switch {
	case p == "" && flags&atEmptyPath == 0:
		return 0, kerr.ENOENT
	case p == "" && dirfd != atFDCWD:
		d, err := t.FDs().Get(dirfd)
		if err != nil {
			return 0, err
		}
		st, err = d.File.Stat()
		d.DecRef()
		if err != nil {
			return 0, err
		}
	default:
		start, err := startAt(t, dirfd, p)
		if err != nil {
			return 0, err
		}
		if st, err = t.Kernel().FS.Stat(t.FSContext(), start, p, lookupFlags(flags)); err != nil {
			return 0, err
		}
	}
	var b [statxSize]byte
	le.PutUint32(b[0:], statxBasicStats)
	le.PutUint32(b[4:], uint32(st.Blksize))
	le.PutUint32(b[16:], uint32(st.Nlink))
	le.PutUint32(b[20:], st.UID)
	le.PutUint32(b[24:], st.GID)
	le.PutUint16(b[28:], uint16(st.Mode))
	le.PutUint64(b[32:], st.Ino)
	le.PutUint64(b[40:], uint64(st.Size))
	le.PutUint64(b[48:], uint64(st.Blocks))
	for off, ts := range map[int]fs.Timespec{64: st.Atime, 96: st.Ctime, 112: st.Mtime} {
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
