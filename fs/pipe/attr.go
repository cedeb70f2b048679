package pipe

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
)

// attr is what a pipe's inode keeps besides its bytes: Linux makes it
// S_IFIFO|0600, owned by its creator, and fchmod(2), fchown(2) or
// futimens(3) on either end changes it for both, as fstat(2) then
// shows.
type attr struct {
	mode                uint32 // permission bits
	uid, gid            uint32
	atime, mtime, ctime fs.Timespec
}

func newAttr() attr {
	t := now()
	return attr{mode: 0o600, atime: t, mtime: t, ctime: t}
}

func now() fs.Timespec {
	t := time.Now()
	return fs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// setattr applies a chmod, chown or utimensat change the VFS has
// checked.
func (p *pipe) setattr(a *vfs.SetAttr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := now()
	if a.Mask&vfs.AttrMode != 0 {
		p.attr.mode = a.Mode & 0o7777
	}
	if a.Mask&vfs.AttrUID != 0 {
		p.attr.uid = a.UID
	}
	if a.Mask&vfs.AttrGID != 0 {
		p.attr.gid = a.GID
	}
	switch {
	case a.Mask&vfs.AttrAtimeNow != 0:
		p.attr.atime = t
	case a.Mask&vfs.AttrAtime != 0:
		p.attr.atime = a.Atime
	}
	switch {
	case a.Mask&vfs.AttrMtimeNow != 0:
		p.attr.mtime = t
	case a.Mask&vfs.AttrMtime != 0:
		p.attr.mtime = a.Mtime
	}
	p.attr.ctime = t
	return nil
}

// Setattr implements vfs.AttrFile for the reading end.
func (r *ReadEnd) Setattr(a *vfs.SetAttr) error { return r.p.setattr(a) }

// Setattr implements vfs.AttrFile for the writing end.
func (w *WriteEnd) Setattr(a *vfs.SetAttr) error { return w.p.setattr(a) }

// KeepsTimes says that Setattr sets the access and modification times
// too, so utimensat(2) on either end reaches it.
func (r *ReadEnd) KeepsTimes() {}

// KeepsTimes is ReadEnd's.
func (w *WriteEnd) KeepsTimes() {}

// NewOwned is New for a pipe owned by uid and gid. Linux's pipe(2)
// gives the pipe's inode its creator's filesystem user and group IDs
// (get_pipe_inode), which fstat(2) on either end shows.
func NewOwned(uid, gid uint32) (r *ReadEnd, w *WriteEnd) {
	r, w = New()
	r.p.attr.uid, r.p.attr.gid = uid, gid
	return r, w
}
