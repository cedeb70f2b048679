package host

import (
	"fmt"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Bind is a host directory (or a single host file) passed through into
// the sandbox at a mount point, as a bind mount (mount(8), --bind) passes
// a directory to another place: runos's --mount SRC:DST. It is a
// vfs.FileSystem; the VFS walks it one name at a time and interprets
// every symlink itself, inside the sandbox's namespace, so a link in SRC
// to "/etc" names the sandbox's /etc, as it would through a bind mount.
//
// Confinement: every inode holds an O_PATH descriptor of its host file,
// and a name is looked up with openat2(2) beneath its directory's
// descriptor, with RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS and the single
// component the VFS passes, so no ".." and no symlink or /proc magic link
// is ever followed on the host. Changes (create, mkdir, unlink, rename,
// link, chmod, truncate, utimes) are the *at(2) calls on those
// descriptors, which name nothing outside SRC either. A file renamed on
// the host keeps its inode's descriptor, as a bind mount keeps its
// dentries.
//
// Device nodes cannot be opened (EACCES) nor made (EPERM), as on a
// mount with nodev: SRC may hold a host disk's device.
type Bind struct {
	src      string
	readOnly bool
	root     *bindInode
}

var _ vfs.FileSystem = (*Bind)(nil)

// NewBind opens the host path src (a directory or a file; symlinks in
// src itself are the user's and are followed). A read-only Bind refuses
// every change with EROFS even if the VFS mount were writable.
func NewBind(src string, readOnly bool) (*Bind, error) {
	fd, err := unix.Open(src, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("host: opening %q: %w", src, FromErrno(err))
	}
	b := &Bind{src: src, readOnly: readOnly}
	b.root = b.inode(fd)
	return b, nil
}

// Root implements vfs.FileSystem.
func (b *Bind) Root() vfs.Inode { return b.root }

// Name implements vfs.FileSystem: the host filesystem's type, which is
// what /proc/mounts shows for a bind mount.
func (b *Bind) Name() string {
	defer runtime.KeepAlive(b.root)
	var st unix.Statfs_t
	if err := unix.Fstatfs(b.root.fd, &st); err == nil {
		if name, ok := fsTypes[st.Type]; ok {
			return name
		}
	}
	return "none"
}

// fsTypes are statfs(2)'s f_type magic numbers of the common host
// filesystems (<linux/magic.h>).
var fsTypes = map[int64]string{
	0xEF53:     "ext4",
	0x01021994: "tmpfs",
	0x58465342: "xfs",
	0x9123683E: "btrfs",
	0x794c7630: "overlay",
	0x2FC12FC1: "zfs",
	0x6969:     "nfs",
	0x65735546: "fuse",
}

// Source is the host path the Bind was made from.
func (b *Bind) Source() string { return b.src }

// ReadOnly reports whether the Bind refuses changes.
func (b *Bind) ReadOnly() bool { return b.readOnly }

// bindInode is one host file of a Bind, by its O_PATH descriptor.
type bindInode struct {
	b  *Bind
	fd int
}

// inode wraps a fresh O_PATH descriptor; the descriptor is closed when
// the VFS forgets the inode (a removed name, a dropped dentry).
func (b *Bind) inode(fd int) *bindInode {
	n := &bindInode{b: b, fd: fd}
	runtime.SetFinalizer(n, func(n *bindInode) { unix.Close(n.fd) })
	return n
}

// proc is the /proc/self/fd name of the descriptor: a path that reaches
// exactly this inode, for the calls that take no descriptor of an O_PATH
// open (chmod, truncate, utimes, reopening, linking).
func (n *bindInode) proc() string { return procPath(n.fd) }

func procPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// beneath opens name, one component, beneath directory n without
// following any symlink on the host.
func (n *bindInode) beneath(name string, flags uint64, mode uint64) (int, error) {
	how := unix.OpenHow{
		Flags:   flags | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Mode:    mode,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	return openat2(n.fd, name, &how)
}

// Getattr implements vfs.Inode.
func (n *bindInode) Getattr() (fs.Stat, error) {
	defer runtime.KeepAlive(n)
	return fstat(n.fd)
}

// Lookup implements vfs.Inode.
func (n *bindInode) Lookup(name string) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if name == "." || name == ".." {
		return nil, kerr.EINVAL // the VFS handles these; never ask the host
	}
	fd, err := n.beneath(name, unix.O_PATH, 0)
	if err != nil {
		return nil, err
	}
	return n.b.inode(fd), nil
}

// Readlink implements vfs.Inode.
func (n *bindInode) Readlink() (string, error) {
	defer runtime.KeepAlive(n)
	st, err := n.Getattr()
	if err != nil {
		return "", err
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeSymlink {
		return "", kerr.EINVAL
	}
	buf := make([]byte, unix.PathMax)
	for {
		m, err := unix.Readlinkat(n.fd, "", buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", FromErrno(err)
		}
		return string(buf[:m]), nil
	}
}

// Open implements vfs.Inode: the host file is opened again through its
// descriptor, never by name, so it is the very inode the VFS resolved.
func (n *bindInode) Open(flags fs.OpenFlags) (fs.File, error) {
	defer runtime.KeepAlive(n)
	st, err := n.Getattr()
	if err != nil {
		return nil, err
	}
	typ := st.Mode & fs.ModeTypeMask
	if flags.Write && n.b.readOnly && typ == fs.ModeRegular {
		return nil, kerr.EROFS // a FIFO stays writable on a read-only mount
	}
	switch typ {
	case fs.ModeSymlink:
		return nil, kerr.ELOOP
	case fs.ModeSocket:
		return nil, kerr.ENXIO
	case fs.ModeChar, fs.ModeBlock:
		return nil, kerr.EACCES // nodev
	}
	hostFlags := unix.O_RDONLY
	switch {
	case flags.Write && flags.Read:
		hostFlags = unix.O_RDWR
	case flags.Write:
		hostFlags = unix.O_WRONLY
	}
	if flags.Append {
		hostFlags |= unix.O_APPEND
	}
	return reopenAs(n.fd, st, hostFlags)
}

// Statfs implements vfs.StatFS: the host filesystem's figures, as
// statfs(2) through a bind mount reports them. Type is left to the VFS
// (Name).
func (b *Bind) Statfs() (fs.Statfs, error) {
	defer runtime.KeepAlive(b.root)
	var st unix.Statfs_t
	if err := retry(func() error { return unix.Fstatfs(b.root.fd, &st) }); err != nil {
		return fs.Statfs{}, err
	}
	return fs.Statfs{
		Bsize: st.Bsize, Frsize: st.Frsize,
		Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail,
		Files: st.Files, Ffree: st.Ffree,
		Fsid:    uint64(uint32(st.Fsid.Val[0])) | uint64(uint32(st.Fsid.Val[1]))<<32,
		Namelen: st.Namelen,
	}, nil
}
