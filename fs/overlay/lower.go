package overlay

import (
	"sync"

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

// A hostInode reads its host attributes once, when it is looked up, and
// answers every later Getattr from that copy: the VFS keeps the inode in
// its dentry cache, so a stat(2) or the permission check of each directory
// on a path costs no host system call (resolving a host path beneath the
// root takes three). The lower layer is read-only to the sandbox, so only
// the host could change it; like overlayfs(5), which leaves changes to a
// mounted lower layer undefined, runos does not promise to see them (a
// file's atime, in particular, stays what it was at the lookup).
type hostInode struct {
	root *host.Root
	path string

	mu     sync.Mutex
	st     fs.Stat
	haveSt bool
}

func (h *hostInode) join(name string) string {
	if h.path == "/" {
		return "/" + name
	}
	return h.path + "/" + name
}

func (h *hostInode) Getattr() (fs.Stat, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.haveSt {
		st, err := h.root.Stat(h.path, false)
		if err != nil {
			return fs.Stat{}, err
		}
		h.st, h.haveSt = st, true
	}
	return h.st, nil
}

func (h *hostInode) Lookup(name string) (vfs.Inode, error) {
	p := h.join(name)
	st, err := h.root.Stat(p, false)
	if err != nil {
		return nil, err
	}
	return &hostInode{root: h.root, path: p, st: st, haveSt: true}, nil
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
