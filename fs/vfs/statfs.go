package vfs

import (
	"github.com/runos-project/runos/fs"
)

// StatFS is implemented by filesystems that report their size and usage
// (statfs(2)). The VFS fills in the type name, when the filesystem
// leaves it empty, and the mount's flags.
type StatFS interface {
	Statfs() (fs.Statfs, error)
}

// Statfs is statfs(2): the filesystem that path is on, as mounted there.
func (v *VFS) Statfs(ctx *Context, start *Dentry, path string, flags AtFlags) (fs.Statfs, error) {
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return fs.Statfs{}, err
	}
	return statfsOf(d)
}

// statfsOf reports the filesystem d is on, as its mount shows it.
func statfsOf(d *Dentry) (fs.Statfs, error) {
	m := d.mnt
	s := fs.Statfs{Bsize: 4096, Frsize: 4096, Namelen: NameMax}
	if sf, ok := m.fsys.(StatFS); ok {
		var err error
		if s, err = sf.Statfs(); err != nil {
			return fs.Statfs{}, err
		}
	}
	if s.Type == "" {
		s.Type = m.fsys.Name()
	}
	s.Flags |= m.flags
	if m.readOnly {
		s.Flags |= fs.MountReadOnly
	}
	return s, nil
}
