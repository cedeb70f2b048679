// Package overlay is a writable filesystem over a read-only one (see the
// kernel's Documentation/filesystems/overlayfs.rst for the model): reads
// come from the upper layer (a tmpfs) where a file has been written, and
// from the lower layer (the host root) otherwise. The first change to a
// lower file copies it up; removing a lower name leaves a whiteout (a
// character device 0/0 in the upper directory); a directory made where a
// lower one was removed is opaque (the trusted.overlay.opaque xattr), so
// the lower contents stay hidden. The lower layer is never written.
//
// Renaming a directory that has lower contents fails with EXDEV, as on
// Linux without redirect_dir: mv(1) then copies and deletes.
//
// Locking: FS.mu guards the overlay's inode tree (each inode's layers and
// its children cache) and is held through copy-up; the layers' own locks
// come after it.
package overlay

import (
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

const opaqueXattr = "trusted.overlay.opaque"

// FS is an overlay instance.
type FS struct {
	mu    sync.Mutex
	upper *tmpfs.FS
	root  *inode
}

var _ vfs.FileSystem = (*FS)(nil)

// New makes an overlay of a fresh tmpfs over lower. The upper root takes
// the lower root's mode and owner.
func New(lower vfs.Inode) (*FS, error) {
	st, err := lower.Getattr()
	if err != nil {
		return nil, err
	}
	up := tmpfs.New(st.Mode&0o7777, st.UID, st.GID)
	up.ZeroRange = true // as the disk filesystem it stands for
	// The upper root stands for the lower one: it starts with its times,
	// as a copied-up directory would.
	if err := up.Root().Setattr(&vfs.SetAttr{Mask: vfs.AttrAtime | vfs.AttrMtime, Atime: st.Atime, Mtime: st.Mtime}); err != nil {
		return nil, err
	}
	o := &FS{upper: up}
	o.root = &inode{o: o, upper: up.Root(), lower: lower, origin: true, odev: st.Dev, oino: st.Ino}
	o.root.parent = o.root
	return o, nil
}

// Root implements vfs.FileSystem.
func (o *FS) Root() vfs.Inode { return o.root }

// Name implements vfs.FileSystem.
func (o *FS) Name() string { return "overlay" }

// inode is a file of the overlay: its upper inode once it has one, its
// lower inode if the name exists below, and where it is (parent and
// name) for copy-up.
type inode struct {
	o      *FS
	parent *inode
	name   string
	upper  vfs.Inode
	lower  vfs.Inode
	// origin: the file came from the lower layer, whose device and
	// inode numbers it keeps reporting after copy-up.
	origin     bool
	odev, oino uint64
	children   map[string]*inode
}

var _ vfs.Inode = (*inode)(nil)

func notFound(err error) bool { return err == kerr.ENOENT }

// isWhiteout reports whether an upper inode marks a removed lower name.
func isWhiteout(u vfs.Inode) bool {
	st, err := u.Getattr()
	return err == nil && st.Mode&fs.ModeTypeMask == fs.ModeChar && st.Rdev == 0
}

func isDirInode(i vfs.Inode) bool {
	st, err := i.Getattr()
	return err == nil && st.Mode&fs.ModeTypeMask == fs.ModeDir
}

func isOpaque(u vfs.Inode) bool {
	x, ok := u.(vfs.Xattrs)
	if !ok {
		return false
	}
	_, err := x.Getxattr(opaqueXattr)
	return err == nil
}

// lowerDir is the lower directory whose entries show through n, if any.
func (n *inode) lowerDir() vfs.Inode {
	if n.lower == nil || !isDirInode(n.lower) || n.upper != nil && isOpaque(n.upper) {
		return nil
	}
	return n.lower
}

// lookupLocked finds name in directory n, merging the layers.
func (n *inode) lookupLocked(name string) (*inode, error) {
	if c, ok := n.children[name]; ok {
		return c, nil
	}
	var u, l vfs.Inode
	var err error
	if n.upper != nil {
		if !isDirInode(n.upper) {
			return nil, kerr.ENOTDIR
		}
		u, err = n.upper.Lookup(name)
		if err != nil && !notFound(err) {
			return nil, err
		}
		if u != nil && isWhiteout(u) {
			return nil, kerr.ENOENT
		}
	}
	if ld := n.lowerDir(); ld != nil && (u == nil || isDirInode(u) && !isOpaque(u)) {
		l, err = ld.Lookup(name)
		if err != nil && !notFound(err) {
			return nil, err
		}
		if u != nil && l != nil && !isDirInode(l) {
			l = nil
		}
	} else if n.upper == nil && n.lower != nil {
		return nil, kerr.ENOTDIR
	}
	if u == nil && l == nil {
		return nil, kerr.ENOENT
	}
	c := &inode{o: n.o, parent: n, name: name, upper: u, lower: l}
	if l != nil {
		st, err := l.Getattr()
		if err != nil {
			return nil, err
		}
		c.origin, c.odev, c.oino = true, st.Dev, st.Ino
	}
	if n.children == nil {
		n.children = map[string]*inode{}
	}
	n.children[name] = c
	return c, nil
}

// Lookup implements vfs.Inode.
func (n *inode) Lookup(name string) (vfs.Inode, error) {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	c, err := n.lookupLocked(name)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Getattr implements vfs.Inode.
func (n *inode) Getattr() (fs.Stat, error) {
	n.o.mu.Lock()
	u, l := n.upper, n.lower
	n.o.mu.Unlock()
	if u == nil {
		return l.Getattr()
	}
	st, err := u.Getattr()
	if err == nil && n.origin {
		st.Dev, st.Ino = n.odev, n.oino
	}
	if err == nil && l != nil && st.Mode&fs.ModeTypeMask == fs.ModeDir && !isOpaque(u) {
		// A merged directory shows mostly the lower directory's entries:
		// report its size and link count, so that `ls -la` of an
		// untouched directory looks as it does on the host.
		if ls, lerr := l.Getattr(); lerr == nil {
			st.Size, st.Nlink, st.Blocks, st.Blksize = ls.Size, ls.Nlink, ls.Blocks, ls.Blksize
		}
	}
	return st, err
}

// Setattr implements vfs.Inode: it copies the file up first.
func (n *inode) Setattr(a *vfs.SetAttr) error {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if err := n.copyUpLocked(); err != nil {
		return err
	}
	return n.upper.Setattr(a)
}

// Readlink implements vfs.Inode.
func (n *inode) Readlink() (string, error) {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if n.upper != nil {
		return n.upper.Readlink()
	}
	return n.lower.Readlink()
}

// Open implements vfs.Inode: opening for writing copies up; a directory
// with lower contents opens as a merged listing.
func (n *inode) Open(flags fs.OpenFlags) (fs.File, error) {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if flags.Write || flags.Truncate {
		if err := n.copyUpLocked(); err != nil {
			return nil, err
		}
	}
	st, err := n.statLocked()
	if err != nil {
		return nil, err
	}
	if st.Mode&fs.ModeTypeMask == fs.ModeDir && n.lowerDir() != nil {
		return &mergedDir{n: n}, nil
	}
	if n.upper == nil {
		return n.lower.Open(flags)
	}
	f, err := n.upper.Open(flags)
	if err != nil || !n.origin || st.Mode&fs.ModeTypeMask != fs.ModeRegular {
		return f, err
	}
	return &originFile{File: f, n: n}, nil
}

// originFile is an open copied-up file: fstat reports the identity stat
// does, the lower file's.
type originFile struct {
	fs.File
	n *inode
}

func (f *originFile) Stat() (fs.Stat, error) { return f.n.Getattr() }

// Unwrap implements fs.Wrapper: mmap(2) finds the upper (tmpfs) file's
// page cache, and fallocate(2) its Allocate, through it.
func (f *originFile) Unwrap() fs.File { return f.File }

func (n *inode) statLocked() (fs.Stat, error) {
	if n.upper != nil {
		return n.upper.Getattr()
	}
	return n.lower.Getattr()
}
