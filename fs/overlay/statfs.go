package overlay

import "github.com/runos-project/runos/fs"

// Statfs implements vfs.StatFS: the space is the upper layer's, where
// every write goes, as Linux's overlayfs reports its upper filesystem.
func (o *FS) Statfs() (fs.Statfs, error) {
	s, err := o.upper.Statfs()
	s.Type = "" // the VFS fills in "overlay"
	return s, err
}
