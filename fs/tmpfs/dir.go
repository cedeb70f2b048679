package tmpfs

import (
	"slices"
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Directory offsets: "." is at 0, ".." at 1, and each entry gets a
// cookie from a counter when it is added, so the offset of an entry
// never changes while it exists and a reader resuming after an entry
// sees every entry that was there all along exactly once (see
// getdents(2) and readdir(3)).
const firstCookie = 3

type dirData struct {
	parent     *inode
	entries    map[string]*dirent
	order      []*dirent // by cookie
	nextCookie int64
}

type dirent struct {
	name   string
	n      *inode
	cookie int64
}

func (d *dirData) add(name string, n *inode) {
	e := &dirent{name: name, n: n, cookie: d.nextCookie}
	d.nextCookie++
	d.entries[name] = e
	d.order = append(d.order, e)
}

func (d *dirData) remove(name string) {
	e := d.entries[name]
	delete(d.entries, name)
	i, _ := slices.BinarySearchFunc(d.order, e.cookie, func(x *dirent, c int64) int { return int(x.cookie - c) })
	d.order = slices.Delete(d.order, i, i+1)
}

// dirLocked returns n's directory data, ENOTDIR for other types.
func (n *inode) dirLocked() (*dirData, error) {
	if n.dir == nil {
		return nil, kerr.ENOTDIR
	}
	if n.nlink == 0 {
		return nil, kerr.ENOENT // removed: takes no new names
	}
	return n.dir, nil
}

// entryLocked is the entry called name in directory n: ENOTDIR if n is
// no directory, ENOENT if it holds no such name.
func (n *inode) entryLocked(name string) (*dirent, error) {
	if n.dir == nil {
		return nil, kerr.ENOTDIR
	}
	e, ok := n.dir.entries[name]
	if !ok {
		return nil, kerr.ENOENT
	}
	return e, nil
}

// changedLocked stamps a directory whose entries changed.
func (n *inode) changedLocked() {
	now := n.fs.Now()
	n.mtime, n.ctime = now, now
}

// Lookup implements vfs.Inode.
func (n *inode) Lookup(name string) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	e, err := n.entryLocked(name)
	if err != nil {
		return nil, err
	}
	return e.n, nil
}

// add creates a new inode called name in directory n.
func (n *inode) add(name string, a vfs.CreateAttr, init func(c *inode)) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	d, err := n.dirLocked()
	if err != nil {
		return nil, err
	}
	if _, ok := d.entries[name]; ok {
		return nil, kerr.EEXIST
	}
	c := n.fs.newInode(a)
	if init != nil {
		init(c)
	}
	d.add(name, c)
	n.changedLocked()
	return c, nil
}

// Create implements vfs.Inode.
func (n *inode) Create(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	a.Mode = fs.ModeRegular | a.Mode&0o7777
	return n.add(name, a, nil)
}

// Mkdir implements vfs.Inode.
func (n *inode) Mkdir(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	a.Mode = fs.ModeDir | a.Mode&0o7777
	return n.add(name, a, func(c *inode) {
		c.nlink = 2
		c.dir.parent = n
		n.nlink++
	})
}

// Mknod implements vfs.Inode.
func (n *inode) Mknod(name string, a vfs.CreateAttr) (vfs.Inode, error) {
	switch a.Mode & fs.ModeTypeMask {
	case fs.ModeFIFO, fs.ModeChar, fs.ModeBlock, fs.ModeSocket, fs.ModeRegular:
	default:
		return nil, kerr.EINVAL
	}
	return n.add(name, a, nil)
}

// Symlink implements vfs.Inode.
func (n *inode) Symlink(name, target string, a vfs.CreateAttr) (vfs.Inode, error) {
	a.Mode = fs.ModeSymlink | 0o777
	return n.add(name, a, func(c *inode) { c.target = target })
}

// Tmpfile implements vfs.Tmpfiler: an inode with no name, freed when
// its last open file closes (here: when nothing refers to it).
func (n *inode) Tmpfile(a vfs.CreateAttr) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if _, err := n.dirLocked(); err != nil {
		return nil, err
	}
	a.Mode = fs.ModeRegular | a.Mode&0o7777
	c := n.fs.newInode(a)
	c.nlink = 0
	c.tmpfile = true
	return c, nil
}

// ForbidLink implements vfs.Unlinkable (O_TMPFILE|O_EXCL).
func (n *inode) ForbidLink() {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	n.tmpfile = false
}

// Link implements vfs.Inode.
func (n *inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*inode)
	if !ok || t.fs != n.fs {
		return kerr.EXDEV
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	d, err := n.dirLocked()
	if err != nil {
		return err
	}
	if t.dir != nil {
		return kerr.EPERM
	}
	if t.nlink == 0 && !t.tmpfile {
		return kerr.ENOENT // link(2): the file was removed
	}
	if _, ok := d.entries[name]; ok {
		return kerr.EEXIST
	}
	d.add(name, t)
	t.nlink++
	t.tmpfile = false
	t.ctime = n.fs.Now()
	n.changedLocked()
	return nil
}

// Unlink implements vfs.Inode.
func (n *inode) Unlink(name string) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	e, err := n.entryLocked(name)
	if err != nil {
		return err
	}
	if e.n.dir != nil {
		return kerr.EISDIR
	}
	n.dir.remove(name)
	e.n.nlink--
	e.n.ctime = n.fs.Now()
	n.changedLocked()
	return nil
}

// Rmdir implements vfs.Inode.
func (n *inode) Rmdir(name string) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	e, err := n.entryLocked(name)
	if err != nil {
		return err
	}
	if e.n.dir == nil {
		return kerr.ENOTDIR
	}
	if len(e.n.dir.entries) != 0 {
		return kerr.ENOTEMPTY
	}
	n.dir.remove(name)
	e.n.nlink = 0
	e.n.ctime = n.fs.Now()
	n.nlink--
	n.changedLocked()
	return nil
}

// Rename implements vfs.Inode, keeping link counts of directories
// (their ".." entries) right as they change parents.
func (n *inode) Rename(oldName string, newDir vfs.Inode, newName string, flags vfs.RenameFlags) error {
	nd, ok := newDir.(*inode)
	if !ok || nd.fs != n.fs {
		return kerr.EXDEV
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if n.dir == nil || nd.dir == nil {
		return kerr.ENOTDIR
	}
	if _, err := nd.dirLocked(); err != nil {
		return err
	}
	src, ok := n.dir.entries[oldName]
	if !ok {
		return kerr.ENOENT
	}
	dst, exists := nd.dir.entries[newName]
	now := n.fs.Now()
	switch {
	case flags&vfs.RenameExchange != 0:
		if !exists {
			return kerr.ENOENT
		}
		a, b := src.n, dst.n
		src.n, dst.n = b, a
		if n != nd {
			if a.dir != nil {
				a.dir.parent = nd
				n.nlink--
				nd.nlink++
			}
			if b.dir != nil {
				b.dir.parent = n
				nd.nlink--
				n.nlink++
			}
		}
		a.ctime, b.ctime = now, now
		n.changedLocked()
		nd.changedLocked()
		return nil
	case exists && flags&vfs.RenameNoReplace != 0:
		return kerr.EEXIST
	case exists && dst.n == src.n:
		return nil
	case exists && src.n.dir != nil && dst.n.dir == nil:
		return kerr.ENOTDIR
	case exists && src.n.dir == nil && dst.n.dir != nil:
		return kerr.EISDIR
	case exists && dst.n.dir != nil && len(dst.n.dir.entries) != 0:
		return kerr.ENOTEMPTY
	}
	moved := src.n
	if exists {
		victim := dst.n
		nd.dir.remove(newName)
		if victim.dir != nil {
			victim.nlink = 0
			nd.nlink--
		} else {
			victim.nlink--
		}
		victim.ctime = now
	}
	n.dir.remove(oldName)
	nd.dir.add(newName, moved)
	if moved.dir != nil && n != nd {
		moved.dir.parent = nd
		n.nlink--
		nd.nlink++
	}
	moved.ctime = now
	n.changedLocked()
	nd.changedLocked()
	return nil
}

// dirFile is an open directory. Its position is the offset of the next
// entry to report.
type dirFile struct {
	n   *inode
	mu  sync.Mutex
	pos int64
}

var _ fs.DirReader = (*dirFile)(nil)

// ReadDir implements fs.DirReader.
func (f *dirFile) ReadDir(emit func(fs.Dirent) bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.n
	n.fs.mu.Lock()
	var ents []fs.Dirent
	if f.pos < 1 {
		ents = append(ents, fs.Dirent{Ino: n.ino, Off: 1, Type: dtDir, Name: "."})
	}
	if f.pos < 2 {
		ents = append(ents, fs.Dirent{Ino: n.dir.parent.ino, Off: 2, Type: dtDir, Name: ".."})
	}
	if n.dir != nil {
		i, _ := slices.BinarySearchFunc(n.dir.order, f.pos+1, func(x *dirent, c int64) int { return int(x.cookie - c) })
		for _, e := range n.dir.order[i:] {
			ents = append(ents, fs.Dirent{Ino: e.n.ino, Off: e.cookie, Type: uint8(e.n.typ() >> 12), Name: e.name})
		}
	}
	n.touchAtimeLocked()
	n.fs.mu.Unlock()
	for _, e := range ents {
		if !emit(e) {
			return nil
		}
		f.pos = e.Off
	}
	return nil
}

const dtDir = fs.ModeDir >> 12

func (f *dirFile) Read([]byte) (int, error)           { return 0, kerr.EISDIR }
func (f *dirFile) Write([]byte) (int, error)          { return 0, kerr.EBADF }
func (f *dirFile) ReadAt([]byte, int64) (int, error)  { return 0, kerr.EISDIR }
func (f *dirFile) WriteAt([]byte, int64) (int, error) { return 0, kerr.EBADF }
func (f *dirFile) Stat() (fs.Stat, error)             { return f.n.Getattr() }
func (f *dirFile) Close() error                       { return nil }

// Seek moves to an offset ReadDir reported (or 0 to rewind), as
// seekdir(3) does; SEEK_CUR with 0 reports the position.
func (f *dirFile) Seek(off int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fs.DirSeek(&f.pos, off, whence)
}
