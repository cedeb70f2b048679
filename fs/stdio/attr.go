package stdio

import (
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
)

// fchmod(2) and fchown(2) on a standard stream change the mode and owner
// the sandbox sees, never the host's file: a guest must not chmod the
// user's terminal. The change is kept per host inode, so every stream
// on the same pipe or terminal shows it, as on Linux.

// hostInode names a host file.
type hostInode struct{ dev, ino uint64 }

// attrOverride is what fchmod and fchown set on one host inode.
type attrOverride struct {
	mask     vfs.AttrMask
	mode     uint32
	uid, gid uint32
	ctime    fs.Timespec
}

var (
	overridesMu sync.Mutex
	overrides   = map[hostInode]*attrOverride{}
)

// Setattr implements vfs.AttrFile: the sandbox's own mode and owner for
// the stream.
func (f *File) Setattr(a *vfs.SetAttr) error {
	st, err := f.hostStat()
	if err != nil {
		return err
	}
	overridesMu.Lock()
	defer overridesMu.Unlock()
	k := hostInode{st.Dev, st.Ino}
	o := overrides[k]
	if o == nil {
		o = &attrOverride{}
		overrides[k] = o
	}
	m := a.Mask & (vfs.AttrMode | vfs.AttrUID | vfs.AttrGID)
	o.mask |= m
	if m&vfs.AttrMode != 0 {
		o.mode = a.Mode & 0o7777
	}
	if m&vfs.AttrUID != 0 {
		o.uid = a.UID
	}
	if m&vfs.AttrGID != 0 {
		o.gid = a.GID
	}
	t := time.Now()
	o.ctime = fs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
	return nil
}

// withOverride applies the sandbox's changes to the host's record.
func withOverride(st fs.Stat) fs.Stat {
	overridesMu.Lock()
	defer overridesMu.Unlock()
	o := overrides[hostInode{st.Dev, st.Ino}]
	if o == nil {
		return st
	}
	if o.mask&vfs.AttrMode != 0 {
		st.Mode = st.Mode&fs.ModeTypeMask | o.mode
	}
	if o.mask&vfs.AttrUID != 0 {
		st.UID = o.uid
	}
	if o.mask&vfs.AttrGID != 0 {
		st.GID = o.gid
	}
	st.Ctime = o.ctime
	return st
}
