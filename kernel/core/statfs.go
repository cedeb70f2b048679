package core

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
)

// StatFSer is implemented by a FileSystem that answers statfs(2) and
// fstatfs(2) (*vfs.VFS does). It is apart from FileSystem so that a file
// layer without it still serves everything else.
type StatFSer interface {
	Statfs(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) (fs.Statfs, error)
}
