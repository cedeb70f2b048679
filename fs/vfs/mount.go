package vfs

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Mount is a filesystem attached to the tree: at the VFS root, or on a
// directory (its mount point) of another mount.
type Mount struct {
	fsys     FileSystem
	root     *Dentry
	parent   *Mount  // nil for the root mount
	point    *Dentry // the directory this mount covers, in parent
	readOnly bool
	flags    fs.MountFlags // the other options, for statfs(2)
}

// FileSystem returns the mounted filesystem.
func (m *Mount) FileSystem() FileSystem { return m.fsys }

// ReadOnly reports whether the mount refuses changes (EROFS).
func (m *Mount) ReadOnly() bool { return m.readOnly }

// MountOptions are how a filesystem is attached.
type MountOptions struct {
	ReadOnly bool
	// Flags are nosuid, nodev, noexec and the atime options, which
	// statfs(2) reports; the VFS does not enforce them yet.
	Flags fs.MountFlags
}

// VFS is a sandbox's file namespace: the mount table and the dentry tree.
//
// Locking: mu is the namespace lock. Path walks hold it for reading;
// anything that changes names (create, link, unlink, rename, mount)
// holds it for writing, which is what keeps the dentry cache true. A
// Dentry's own mu, taken under VFS.mu, guards only its children map.
// Filesystems take their own locks beneath both and never call back
// into the VFS.
type VFS struct {
	mu   sync.RWMutex
	root *Mount
	// notifier hears of changes (notify.go); nil until installed.
	notifier atomic.Pointer[notifierBox]
}

// New makes a namespace whose root is rootfs.
func New(rootfs FileSystem, opts MountOptions) *VFS {
	m := &Mount{fsys: rootfs, readOnly: opts.ReadOnly, flags: opts.Flags}
	m.root = &Dentry{inode: rootfs.Root(), mnt: m}
	return &VFS{root: m}
}

// Root returns the dentry of "/".
func (v *VFS) Root() *Dentry { return v.root.root }

// Mount attaches fsys on the directory path names (mount(2)). A later
// mount on the same place covers the earlier one.
func (v *VFS) Mount(ctx *Context, start *Dentry, path string, fsys FileSystem, opts MountOptions) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, start, 0)
	d, err := w.resolve(start, path, true)
	if err != nil {
		return err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return err
	}
	rst, err := fsys.Root().Getattr()
	if err != nil {
		return err
	}
	// A directory mounts on a directory; a single file (a bind mount of
	// one file) on a non-directory. See mount(2), ENOTDIR.
	if isDir(st) != isDir(rst) {
		return kerr.ENOTDIR
	}
	if !credsOf(ctx).Capable(CapSysAdmin) {
		return kerr.EPERM
	}
	m := &Mount{fsys: fsys, parent: d.mnt, point: d, readOnly: opts.ReadOnly, flags: opts.Flags}
	m.root = &Dentry{inode: fsys.Root(), mnt: m}
	d.mounted = m
	return nil
}

// Mount returns the mount a dentry belongs to.
func (d *Dentry) Mount() *Mount { return d.mnt }

// PathOf is the absolute path of d as ctx sees it, for getcwd(2) and
// /proc/pid/fd.
// It takes only nameMu, so a filesystem may call it during a walk.
func (v *VFS) PathOf(ctx *Context, d *Dentry) string {
	nameMu.RLock()
	defer nameMu.RUnlock()
	return pathOf(v.rootOf(ctx), d)
}

func (v *VFS) rootOf(ctx *Context) *Dentry {
	if ctx != nil && ctx.Root != nil {
		return ctx.Root
	}
	return v.root.root
}
