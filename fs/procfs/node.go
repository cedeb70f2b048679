package procfs

import (
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// node is every procfs inode: a directory whose entries are computed, a
// file whose content is computed, or a symlink whose target is. Exactly
// one of list, read and link is set.
type node struct {
	fs   *FS
	path string // inside the procfs, for the inode number
	mode uint32 // type and permission bits
	pid  int    // the process described (its owner), 0 for system files
	tid  int    // the thread, for /proc/pid/task/tid and below

	list func() []entry
	read func() ([]byte, error)
	link func() (string, error)
	// write, when set, accepts a write to the file (the only writable
	// files are the sysctls).
	write func([]byte) error
}

// entry is one name in a directory: the node is made on lookup.
type entry struct {
	name string
	typ  uint32 // S_IFMT bits, for getdents
	make func() vfs.Inode
}

// alive checks that the process (and thread) described still exist.
func (n *node) alive() (*Process, error) {
	if n.pid == 0 {
		return nil, nil
	}
	p, ok := n.fs.src.Process(n.pid)
	if !ok {
		return nil, kerr.ENOENT
	}
	if n.tid != 0 && threadOf(p, n.tid) == nil {
		return nil, kerr.ENOENT
	}
	return p, nil
}

func threadOf(p *Process, tid int) *Thread {
	for i := range p.Threads {
		if p.Threads[i].TID == tid {
			return &p.Threads[i]
		}
	}
	return nil
}

// Getattr implements vfs.Inode: a process's files belong to its
// effective user and group.
func (n *node) Getattr() (fs.Stat, error) {
	p, err := n.alive()
	if err != nil {
		return fs.Stat{}, err
	}
	st := fs.Stat{Dev: n.fs.dev, Ino: inoOf(n.path), Mode: n.mode, Nlink: 1, Blksize: 1024}
	if n.mode&fs.ModeTypeMask == fs.ModeDir {
		st.Nlink = 2
	}
	if p != nil {
		st.UID, st.GID = p.UID[1], p.GID[1]
	}
	boot := fs.Timespec{Sec: n.fs.sys.Boot.Unix(), Nsec: int64(n.fs.sys.Boot.Nanosecond())}
	st.Atime, st.Mtime, st.Ctime = boot, boot, boot
	return st, nil
}

// Setattr implements vfs.Inode: nothing in procfs changes attributes,
// but the O_TRUNC of a shell's `echo x > /proc/sys/...` is accepted on
// a writable file and does nothing, as on Linux.
func (n *node) Setattr(a *vfs.SetAttr) error {
	if a.Mask == vfs.AttrSize && n.write != nil {
		return nil
	}
	return kerr.EPERM
}

// Lookup implements vfs.Inode.
func (n *node) Lookup(name string) (vfs.Inode, error) {
	if n.list == nil {
		return nil, kerr.ENOTDIR
	}
	if _, err := n.alive(); err != nil {
		return nil, err
	}
	for _, e := range n.list() {
		if e.name == name {
			return e.make(), nil
		}
	}
	return nil, kerr.ENOENT
}

// Nothing can be created or removed in procfs.
func (n *node) Create(string, vfs.CreateAttr) (vfs.Inode, error) { return nil, kerr.ENOENT }
func (n *node) Mkdir(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.ENOENT }
func (n *node) Mknod(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.ENOENT }
func (n *node) Link(string, vfs.Inode) error                     { return kerr.EPERM }

// NewNameError implements vfs.FixedNames: procfs's lookup of a name it
// does not have fails with ENOENT, so creating one does too.
func (n *node) NewNameError() error                                     { return kerr.ENOENT }
func (n *node) Unlink(string) error                                     { return kerr.EPERM }
func (n *node) Rmdir(string) error                                      { return kerr.EPERM }
func (n *node) Rename(string, vfs.Inode, string, vfs.RenameFlags) error { return kerr.EPERM }
func (n *node) Symlink(string, string, vfs.CreateAttr) (vfs.Inode, error) {
	return nil, kerr.ENOENT
}

// Readlink implements vfs.Inode.
func (n *node) Readlink() (string, error) {
	if n.link == nil {
		return "", kerr.EINVAL
	}
	if _, err := n.alive(); err != nil {
		return "", err
	}
	return n.link()
}

// Open implements vfs.Inode: a directory lists its entries as they are
// now; a file is read into a snapshot.
func (n *node) Open(flags fs.OpenFlags) (fs.File, error) {
	if _, err := n.alive(); err != nil {
		return nil, err
	}
	switch {
	case n.list != nil:
		return &dirFile{n: n}, nil
	case n.read != nil:
		if flags.Write && n.write == nil {
			return nil, kerr.EACCES
		}
		var data []byte
		if flags.Read || !flags.Write {
			var err error
			if data, err = n.read(); err != nil {
				return nil, err
			}
		}
		return &dataFile{n: n, data: data}, nil
	}
	return nil, kerr.ELOOP
}

// dirFile is an open procfs directory: the entries as they were at the
// first read, after "." and ".." (so /proc/self/fd lists the descriptor
// that reads it, as on Linux). The position is the index of the next entry plus one,
// so offsets stay meaningful for seekdir(3).
type dirFile struct {
	n      *node
	mu     sync.Mutex
	ents   []entry
	listed bool
	pos    int64
}

// ReadDir implements fs.DirReader.
func (f *dirFile) ReadDir(emit func(fs.Dirent) bool) error {
	// The listing is made outside f.mu: listing /proc/self/fd reads the
	// offset of every descriptor, this directory's own among them.
	f.mu.Lock()
	relist := !f.listed || f.pos == 0
	f.mu.Unlock()
	var ents []entry
	if relist {
		ents = f.n.list()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if relist {
		f.ents, f.listed = ents, true
	}
	for {
		var d fs.Dirent
		switch i := f.pos; {
		case i == 0:
			d = fs.Dirent{Ino: inoOf(f.n.path), Name: ".", Type: fs.ModeDir >> 12}
		case i == 1:
			d = fs.Dirent{Ino: inoOf(f.n.path + "/.."), Name: "..", Type: fs.ModeDir >> 12}
		case int(i-2) < len(f.ents):
			e := f.ents[i-2]
			d = fs.Dirent{Ino: inoOf(f.n.path + "/" + e.name), Name: e.name, Type: uint8(e.typ >> 12)}
		default:
			return nil
		}
		d.Off = f.pos + 1
		if !emit(d) {
			return nil
		}
		f.pos++
	}
}

func (f *dirFile) Read([]byte) (int, error)           { return 0, kerr.EISDIR }
func (f *dirFile) Write([]byte) (int, error)          { return 0, kerr.EISDIR }
func (f *dirFile) ReadAt([]byte, int64) (int, error)  { return 0, kerr.EISDIR }
func (f *dirFile) WriteAt([]byte, int64) (int, error) { return 0, kerr.EISDIR }
func (f *dirFile) Stat() (fs.Stat, error)             { return f.n.Getattr() }
func (f *dirFile) Close() error                       { return nil }

// Seek moves to an offset ReadDir reported, or rewinds.
func (f *dirFile) Seek(off int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fs.DirSeek(&f.pos, off, whence)
}

// dataFile is an open procfs file: the content made at open.
type dataFile struct {
	n    *node
	mu   sync.Mutex
	data []byte
	pos  int64
}

func (f *dataFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, _ := f.readAt(p, f.pos)
	f.pos += int64(n)
	return n, nil
}

func (f *dataFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.readAt(p, off)
}

func (f *dataFile) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, kerr.EINVAL
	}
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	return copy(p, f.data[off:]), nil
}

// Write hands the whole buffer to a sysctl's writer.
func (f *dataFile) Write(p []byte) (int, error) {
	if f.n.write == nil {
		return 0, kerr.EBADF
	}
	if err := f.n.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *dataFile) WriteAt(p []byte, off int64) (int, error) { return f.Write(p) }

func (f *dataFile) Seek(off int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch whence {
	case 0:
	case 1:
		off += f.pos
	case 2:
		off += int64(len(f.data))
	default:
		return 0, kerr.EINVAL
	}
	if off < 0 {
		return 0, kerr.EINVAL
	}
	f.pos = off
	return off, nil
}

func (f *dataFile) Stat() (fs.Stat, error) { return f.n.Getattr() }
func (f *dataFile) Close() error           { return nil }

// Constructors of the three kinds.

func (f *FS) dir(path string, pid, tid int, list func() []entry) *node {
	return &node{fs: f, path: path, mode: fs.ModeDir | 0o555, pid: pid, tid: tid, list: list}
}

func (f *FS) file(path string, pid, tid int, perm uint32, read func() ([]byte, error)) *node {
	return &node{fs: f, path: path, mode: fs.ModeRegular | perm, pid: pid, tid: tid, read: read}
}

func (f *FS) symlink(path string, pid, tid int, link func() (string, error)) *node {
	return &node{fs: f, path: path, mode: fs.ModeSymlink | 0o777, pid: pid, tid: tid, link: link}
}

// dirEntry, fileEntry and linkEntry make directory entries of each kind
// under parent.
func (f *FS) dirEntry(parent, name string, pid, tid int, list func() []entry) entry {
	return entry{name: name, typ: fs.ModeDir, make: func() vfs.Inode { return f.dir(parent+"/"+name, pid, tid, list) }}
}

func (f *FS) fileEntry(parent, name string, pid, tid int, perm uint32, read func() ([]byte, error)) entry {
	return entry{name: name, typ: fs.ModeRegular, make: func() vfs.Inode { return f.file(parent+"/"+name, pid, tid, perm, read) }}
}

func (f *FS) linkEntry(parent, name string, pid, tid int, link func() (string, error)) entry {
	return entry{name: name, typ: fs.ModeSymlink, make: func() vfs.Inode { return f.symlink(parent+"/"+name, pid, tid, link) }}
}

// text makes a read function of a constant.
func text(s string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(s), nil }
}
