package overlay

import (
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// prepareNameLocked readies directory n for a new entry called name: it
// copies n up and removes a whiteout there. It reports whether the name
// exists in the lower layer (so a new directory must be opaque).
func (n *inode) prepareNameLocked(name string) (lowerHas bool, err error) {
	if err := n.copyUpLocked(); err != nil {
		return false, err
	}
	if u, err := n.upper.Lookup(name); err == nil && isWhiteout(u) {
		if err := n.upper.Unlink(name); err != nil {
			return false, err
		}
	}
	return n.lowerHasLocked(name), nil
}

// lowerHasLocked reports whether the lower directory showing through n
// (if any) has name.
func (n *inode) lowerHasLocked(name string) bool {
	ld := n.lowerDir()
	if ld == nil {
		return false
	}
	_, err := ld.Lookup(name)
	return err == nil
}

// addLocked records a new upper-only child.
func (n *inode) addLocked(name string, u vfs.Inode) *inode {
	c := &inode{o: n.o, parent: n, name: name, upper: u}
	if n.children == nil {
		n.children = map[string]*inode{}
	}
	n.children[name] = c
	return c
}

// create runs one of the upper directory's create calls for name.
func (n *inode) create(name string, mk func(up vfs.Inode) (vfs.Inode, error)) (vfs.Inode, error) {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if _, err := n.lookupLocked(name); err == nil {
		return nil, kerr.EEXIST
	}
	lowerHas, err := n.prepareNameLocked(name)
	if err != nil {
		return nil, err
	}
	u, err := mk(n.upper)
	if err != nil {
		return nil, err
	}
	if lowerHas && isDirInode(u) {
		if err := setOpaque(u); err != nil {
			return nil, err
		}
	}
	return n.addLocked(name, u), nil
}

func setOpaque(u vfs.Inode) error {
	x, ok := u.(vfs.Xattrs)
	if !ok {
		return kerr.EOPNOTSUPP
	}
	return x.Setxattr(opaqueXattr, []byte("y"), 0)
}

func (n *inode) Create(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	return n.create(name, func(up vfs.Inode) (vfs.Inode, error) { return up.Create(name, a) })
}

func (n *inode) Mkdir(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	return n.create(name, func(up vfs.Inode) (vfs.Inode, error) { return up.Mkdir(name, a) })
}

func (n *inode) Mknod(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	return n.create(name, func(up vfs.Inode) (vfs.Inode, error) { return up.Mknod(name, a) })
}

func (n *inode) Symlink(name, target string, a vfs.CreateAttr) (vfs.Inode, error) {
	return n.create(name, func(up vfs.Inode) (vfs.Inode, error) { return up.Symlink(name, target, a) })
}

// Tmpfile implements vfs.Tmpfiler through the upper layer.
func (n *inode) Tmpfile(a vfs.CreateAttr) (vfs.Inode, error) {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if err := n.copyUpLocked(); err != nil {
		return nil, err
	}
	t, ok := n.upper.(vfs.Tmpfiler)
	if !ok {
		return nil, kerr.EOPNOTSUPP
	}
	u, err := t.Tmpfile(a)
	if err != nil {
		return nil, err
	}
	return &inode{o: n.o, upper: u}, nil
}

// ForbidLink implements vfs.Unlinkable for a Tmpfile's inode, which
// lives in the upper layer alone.
func (n *inode) ForbidLink() {
	if u, ok := n.upper.(vfs.Unlinkable); ok {
		u.ForbidLink()
	}
}

// Link implements vfs.Inode: the target is copied up, then linked in
// the upper layer.
func (n *inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*inode)
	if !ok || t.o != n.o {
		return kerr.EXDEV
	}
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if err := t.copyUpLocked(); err != nil {
		return err
	}
	if _, err := n.prepareNameLocked(name); err != nil {
		return err
	}
	if err := n.upper.Link(name, t.upper); err != nil {
		return err
	}
	if n.children == nil {
		n.children = map[string]*inode{}
	}
	n.children[name] = t
	return nil
}

// whiteoutLocked hides the lower name in n, if there is one.
func (n *inode) whiteoutLocked(name string) error {
	if !n.lowerHasLocked(name) {
		return nil
	}
	_, err := n.upper.Mknod(name, vfs.CreateAttr{Mode: fs.ModeChar})
	return err
}

// Unlink implements vfs.Inode.
func (n *inode) Unlink(name string) error {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	c, err := n.lookupLocked(name)
	if err != nil {
		return err
	}
	if err := n.copyUpLocked(); err != nil {
		return err
	}
	if c.upper != nil {
		if err := n.upper.Unlink(name); err != nil {
			return err
		}
	}
	delete(n.children, name)
	return n.whiteoutLocked(name)
}

// entriesLocked lists directory n's visible entries (not "." or "..").
func (n *inode) entriesLocked() ([]fs.Dirent, error) {
	var out []fs.Dirent
	seen := map[string]bool{}
	if n.upper != nil {
		ents, err := readAll(n.upper)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			seen[e.Name] = true
			if e.Type == fs.ModeChar>>12 {
				if u, err := n.upper.Lookup(e.Name); err == nil && isWhiteout(u) {
					continue
				}
			}
			if c, ok := n.children[e.Name]; ok && c.origin {
				e.Ino = c.oino
			}
			out = append(out, e)
		}
	}
	if ld := n.lowerDir(); ld != nil {
		ents, err := readAll(ld)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if !seen[e.Name] {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// readAll lists a directory inode's entries, without "." and "..".
func readAll(dir vfs.Inode) ([]fs.Dirent, error) {
	f, err := dir.Open(fs.OpenFlags{Read: true, Directory: true})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dr, ok := f.(fs.DirReader)
	if !ok {
		return nil, kerr.ENOTDIR
	}
	var out []fs.Dirent
	err = dr.ReadDir(func(e fs.Dirent) bool {
		if e.Name != "." && e.Name != ".." {
			out = append(out, e)
		}
		return true
	})
	return out, err
}

// Rmdir implements vfs.Inode: the directory must look empty; the
// whiteouts in its upper copy go with it.
func (n *inode) Rmdir(name string) error {
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	c, err := n.lookupLocked(name)
	if err != nil {
		return err
	}
	if err := c.emptyLocked(); err != nil {
		return err
	}
	if err := n.copyUpLocked(); err != nil {
		return err
	}
	if c.upper != nil {
		if err := n.upper.Rmdir(name); err != nil {
			return err
		}
	}
	delete(n.children, name)
	return n.whiteoutLocked(name)
}

// emptyLocked checks that directory c shows no entries, and removes the
// whiteouts from its upper copy so that the upper directory can go.
func (c *inode) emptyLocked() error {
	ents, err := c.entriesLocked()
	if err != nil {
		return err
	}
	if len(ents) != 0 {
		return kerr.ENOTEMPTY
	}
	if c.upper == nil {
		return nil
	}
	ups, err := readAll(c.upper)
	if err != nil {
		return err
	}
	for _, e := range ups {
		if err := c.upper.Unlink(e.Name); err != nil {
			return err
		}
	}
	return nil
}

// Rename implements vfs.Inode: both ends are copied up and renamed in
// the upper layer; a lower name left behind gets a whiteout.
func (n *inode) Rename(oldName string, newDir vfs.Inode, newName string, flags vfs.RenameFlags) error {
	nd, ok := newDir.(*inode)
	if !ok || nd.o != n.o {
		return kerr.EXDEV
	}
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	src, err := n.lookupLocked(oldName)
	if err != nil {
		return err
	}
	dst, err := nd.lookupLocked(newName)
	if err != nil && !notFound(err) {
		return err
	}
	exchange := flags&vfs.RenameExchange != 0
	if src.lowerDir() != nil || exchange && dst != nil && dst.lowerDir() != nil {
		return kerr.EXDEV // see the package comment
	}
	if dst != nil && !exchange && isDirInode(dst.anyLayer()) {
		if err := dst.emptyLocked(); err != nil {
			return err
		}
	}
	if err := src.copyUpLocked(); err != nil {
		return err
	}
	if exchange && dst != nil {
		if err := dst.copyUpLocked(); err != nil {
			return err
		}
	}
	if _, err := nd.prepareNameLocked(newName); err != nil {
		return err
	}
	if err := n.copyUpLocked(); err != nil {
		return err
	}
	if dst != nil && dst.upper == nil && !exchange {
		dst = nil // lower only: the upper entry will cover it
	}
	if err := n.upper.Rename(oldName, nd.upper, newName, flags&vfs.RenameExchange); err != nil {
		return err
	}
	delete(n.children, oldName)
	if exchange {
		n.children[oldName] = dst
		dst.parent, dst.name = n, oldName
	} else if err := n.whiteoutLocked(oldName); err != nil {
		return err
	}
	if nd.children == nil {
		nd.children = map[string]*inode{}
	}
	nd.children[newName] = src
	src.parent, src.name = nd, newName
	// A directory moved onto a lower name must not merge with it.
	moved := []*inode{src}
	if exchange {
		moved = append(moved, dst)
	}
	for _, m := range moved {
		if isDirInode(m.upper) && m.parent.lowerHasLocked(m.name) && !isOpaque(m.upper) {
			if err := setOpaque(m.upper); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *inode) anyLayer() vfs.Inode {
	if n.upper != nil {
		return n.upper
	}
	return n.lower
}

// mergedDir is an open directory with lower contents: the listing is
// taken when reading starts (at offset 0) and offsets index it.
type mergedDir struct {
	n    *inode
	mu   sync.Mutex
	pos  int64
	ents []fs.Dirent
}

func (d *mergedDir) ReadDir(emit func(fs.Dirent) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ents == nil || d.pos == 0 {
		o := d.n.o
		o.mu.Lock()
		ents, err := d.n.entriesLocked()
		o.mu.Unlock()
		if err != nil {
			return err
		}
		self, _ := d.n.Getattr()
		parent, _ := d.n.parent.Getattr()
		d.ents = append([]fs.Dirent{
			{Ino: self.Ino, Type: fs.ModeDir >> 12, Name: "."},
			{Ino: parent.Ino, Type: fs.ModeDir >> 12, Name: ".."},
		}, ents...)
		for i := range d.ents {
			d.ents[i].Off = int64(i + 1)
		}
	}
	for d.pos < int64(len(d.ents)) {
		if !emit(d.ents[d.pos]) {
			return nil
		}
		d.pos++
	}
	return nil
}

func (d *mergedDir) Read([]byte) (int, error)           { return 0, kerr.EISDIR }
func (d *mergedDir) Write([]byte) (int, error)          { return 0, kerr.EBADF }
func (d *mergedDir) ReadAt([]byte, int64) (int, error)  { return 0, kerr.EISDIR }
func (d *mergedDir) WriteAt([]byte, int64) (int, error) { return 0, kerr.EBADF }
func (d *mergedDir) Stat() (fs.Stat, error)             { return d.n.Getattr() }
func (d *mergedDir) Close() error                       { return nil }

func (d *mergedDir) Seek(off int64, whence int) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fs.DirSeek(&d.pos, off, whence)
}
