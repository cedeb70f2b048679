package overlay

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// HostLower presents a host directory (opened beneath its root by
// fs/host, so nothing outside it is reachable) as a read-only vfs.Inode
// tree, to serve as an overlay's lower layer. Each inode is a guest path
// whose components the VFS has already resolved one by one, so symlinks
// are never followed here: every call passes O_NOFOLLOW.
//
// A lower file's mappings share fs/host's page cache of its host inode,
// so every process mapping a library maps one copy. Copy-up makes the file
// a tmpfs file with a cache of its own: a mapping made before it keeps
// the lower file's pages and does not see later writes, as with Linux's
// overlayfs (its documentation, "Non-standard behavior": a lower file
// mapped MAP_SHARED does not reflect changes made after it was mapped).
func HostLower(root *host.Root) vfs.Inode { return &hostInode{root: root, path: "/"} }

type hostInode struct {
	root *host.Root
	path string
}

func (h *hostInode) join(name string) string {
	if h.path == "/" {
		return "/" + name
	}
	return h.path + "/" + name
}

func (h *hostInode) Getattr() (fs.Stat, error) { return h.root.Stat(h.path, false) }

func (h *hostInode) Lookup(name string) (vfs.Inode, error) {
	p := h.join(name)
	if _, err := h.root.Stat(p, false); err != nil {
		return nil, err
	}
	return &hostInode{root: h.root, path: p}, nil
}

func (h *hostInode) Readlink() (string, error) { return h.root.Readlink(h.path) }

func (h *hostInode) Open(flags fs.OpenFlags) (fs.File, error) {
	if flags.Write || flags.Truncate || flags.Create {
		return nil, kerr.EROFS
	}
	of := host.OpenRead | host.OpenNoFollow
	if flags.Directory {
		of |= host.OpenDirectory
	}
	return h.root.Open(h.path, of)
}

func (h *hostInode) Setattr(*vfs.SetAttr) error                       { return kerr.EROFS }
func (h *hostInode) Create(string, vfs.CreateAttr) (vfs.Inode, error) { return nil, kerr.EROFS }
func (h *hostInode) Mkdir(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.EROFS }
func (h *hostInode) Mknod(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.EROFS }
func (h *hostInode) Symlink(string, string, vfs.CreateAttr) (vfs.Inode, error) {
	return nil, kerr.EROFS
}
func (h *hostInode) Link(string, vfs.Inode) error { return kerr.EROFS }
func (h *hostInode) Unlink(string) error          { return kerr.EROFS }
func (h *hostInode) Rmdir(string) error           { return kerr.EROFS }
func (h *hostInode) Rename(string, vfs.Inode, string, vfs.RenameFlags) error {
	return kerr.EROFS
}
