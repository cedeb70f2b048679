package pipe

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
)

// attr is what a pipe's inode keeps besides its bytes: Linux makes it
// S_IFIFO|0600, owned by its creator, and fchmod(2) or fchown(2) on
// either end changes it for both, as fstat(2) then shows.
type attr struct {
	mode     uint32 // permission bits
	uid, gid uint32
	ctime    fs.Timespec
}

func newAttr() attr { return attr{mode: 0o600, ctime: now()} }

func now() fs.Timespec {
	t := time.Now()
	return fs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// setattr applies a chmod or chown change the VFS has checked.
func (p *pipe) setattr(a *vfs.SetAttr) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a.Mask&vfs.AttrMode != 0 {
		p.attr.mode = a.Mode & 0o7777
	}
	if a.Mask&vfs.AttrUID != 0 {
		p.attr.uid = a.UID
	}
	if a.Mask&vfs.AttrGID != 0 {
		p.attr.gid = a.GID
	}
	p.attr.ctime = now()
	return nil
}

// Setattr implements vfs.AttrFile for the reading end.
func (r *ReadEnd) Setattr(a *vfs.SetAttr) error { return r.p.setattr(a) }

// Setattr implements vfs.AttrFile for the writing end.
func (w *WriteEnd) Setattr(a *vfs.SetAttr) error { return w.p.setattr(a) }
