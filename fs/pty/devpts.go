package pty

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// FS is a devpts instance (see pts(4)): the directory /dev/pts, with a
// node N for each pair whose master is open, and ptmx, the multiplexer
// that makes a new pair. Opening /dev/ptmx in /dev opens this ptmx too.
// Its nodes are fixed: nothing can be created, removed or renamed here.
type FS struct {
	dev uint64

	mu    sync.Mutex
	pairs map[int]*pair
}

// ttyGroup is the group of the slaves: 5, "tty", as the usual devpts
// mount option gid=5 makes it.
const ttyGroup = 5

// Inode numbers: the root, ptmx, then the slaves from slaveIno0 on.
const (
	rootIno   = 1
	ptmxIno   = 2
	slaveIno0 = 3
)

// devCounter numbers devpts instances, in the anonymous major 0 as
// Linux does, away from tmpfs's numbers.
var devCounter atomic.Uint64

// NewFS makes an empty devpts.
func NewFS() *FS {
	return &FS{dev: 0x400 + devCounter.Add(1), pairs: map[int]*pair{}}
}

// Root implements vfs.FileSystem.
func (f *FS) Root() vfs.Inode { return rootDir{f: f} }

// Name implements vfs.FileSystem.
func (f *FS) Name() string { return "devpts" }

// OpenMaster makes a new pair, numbered with the lowest free number, and
// returns its master; the slave starts locked, as posix_openpt(3) leaves
// it until unlockpt(3).
func (f *FS) OpenMaster() (*Master, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for f.pairs[n] != nil {
		n++
	}
	p := &pair{fs: f, index: n, termios: defaultTermios(), locked: true, gid: ttyGroup}
	f.pairs[n] = p
	return &Master{p: p}, nil
}

func (f *FS) remove(n int) {
	f.mu.Lock()
	delete(f.pairs, n)
	f.mu.Unlock()
}

func (f *FS) lookup(n int) *pair {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pairs[n]
}

// slaveStat is /dev/pts/N: a character device 136:N, read and write for
// its owner (who opened the master) and writable by its group, as devpts
// mounted with mode=620 shows it.
func (f *FS) slaveStat(p *pair) fs.Stat {
	n := p.index
	p.mu.Lock()
	uid, gid := p.uid, p.gid
	p.mu.Unlock()
	return fs.Stat{Dev: f.dev, Ino: uint64(slaveIno0 + n), Mode: fs.ModeChar | 0o620, Nlink: 1,
		UID: uid, GID: gid, Rdev: slaveMajor<<8 | uint64(n&0xff) | uint64(n>>8)<<20, Blksize: 1024}
}

// node is what every devpts inode is beyond its own methods: nothing can
// be made or changed in it.
type node struct{}

func (node) Setattr(*vfs.SetAttr) error                       { return kerr.EPERM }
func (node) Lookup(string) (vfs.Inode, error)                 { return nil, kerr.ENOTDIR }
func (node) Create(string, vfs.CreateAttr) (vfs.Inode, error) { return nil, kerr.EACCES }
func (node) Mkdir(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.EACCES }
func (node) Mknod(string, vfs.CreateAttr) (vfs.Inode, error)  { return nil, kerr.EACCES }
func (node) Symlink(string, string, vfs.CreateAttr) (vfs.Inode, error) {
	return nil, kerr.EACCES
}
func (node) Link(string, vfs.Inode) error { return kerr.EACCES }
func (node) Unlink(string) error          { return kerr.EACCES }
func (node) Rmdir(string) error           { return kerr.EACCES }
func (node) Rename(string, vfs.Inode, string, vfs.RenameFlags) error {
	return kerr.EACCES
}
func (node) Readlink() (string, error) { return "", kerr.EINVAL }

// rootDir is /dev/pts.
type rootDir struct {
	node
	f *FS
}

func (d rootDir) Getattr() (fs.Stat, error) {
	return fs.Stat{Dev: d.f.dev, Ino: rootIno, Mode: fs.ModeDir | 0o755, Nlink: 2, Blksize: 1024}, nil
}

func (d rootDir) Lookup(name string) (vfs.Inode, error) {
	if name == "ptmx" {
		return ptmxNode{f: d.f}, nil
	}
	n, err := strconv.Atoi(name)
	if err != nil || n < 0 || strconv.Itoa(n) != name {
		return nil, kerr.ENOENT
	}
	if d.f.lookup(n) == nil {
		return nil, kerr.ENOENT
	}
	return slaveNode{f: d.f, n: n}, nil
}

func (d rootDir) Open(fs.OpenFlags) (fs.File, error) {
	return &dirFile{f: d.f}, nil
}

// ptmxNode is /dev/pts/ptmx, which Linux mounts with no permissions
// (ptmxmode=000): only a privileged opener gets through.
type ptmxNode struct {
	node
	f *FS
}

func (n ptmxNode) Getattr() (fs.Stat, error) {
	return fs.Stat{Dev: n.f.dev, Ino: ptmxIno, Mode: fs.ModeChar, Nlink: 1, Rdev: ptmxRdev, Blksize: 1024}, nil
}

func (n ptmxNode) Open(fs.OpenFlags) (fs.File, error) { return n.f.OpenMaster() }

// slaveNode is /dev/pts/N.
//
// The VFS caches the names it has looked up, so the node names a number,
// not a pair: the pair is looked for at each use, and once its master has
// closed the name is gone (ENOENT) or, reused, names the next pair.
type slaveNode struct {
	node
	f *FS
	n int
}

func (n slaveNode) Getattr() (fs.Stat, error) {
	p := n.f.lookup(n.n)
	if p == nil {
		return fs.Stat{}, kerr.ENOENT
	}
	return n.f.slaveStat(p), nil
}

// Open opens the slave: EIO while it is locked (see unlockpt(3)).
func (n slaveNode) Open(fs.OpenFlags) (fs.File, error) {
	p := n.f.lookup(n.n)
	if p == nil {
		return nil, kerr.ENOENT
	}
	return p.openSlave()
}

// dirFile is /dev/pts open for reading its entries.
type dirFile struct {
	f   *FS
	mu  sync.Mutex
	pos int64
}

// ReadDir lists ".", "..", ptmx and the slaves in number order; the
// position counts entries.
func (d *dirFile) ReadDir(emit func(fs.Dirent) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	ents := []fs.Dirent{
		{Ino: rootIno, Name: ".", Type: fs.ModeDir >> 12},
		{Ino: rootIno, Name: "..", Type: fs.ModeDir >> 12},
		{Ino: ptmxIno, Name: "ptmx", Type: fs.ModeChar >> 12},
	}
	d.f.mu.Lock()
	var ns []int
	for n := range d.f.pairs {
		ns = append(ns, n)
	}
	d.f.mu.Unlock()
	sort.Ints(ns)
	for _, n := range ns {
		ents = append(ents, fs.Dirent{Ino: uint64(slaveIno0 + n), Name: strconv.Itoa(n), Type: fs.ModeChar >> 12})
	}
	for ; d.pos < int64(len(ents)); d.pos++ {
		e := ents[d.pos]
		e.Off = d.pos + 1
		if !emit(e) {
			return nil
		}
	}
	return nil
}

func (d *dirFile) Read([]byte) (int, error)           { return 0, kerr.EISDIR }
func (d *dirFile) Write([]byte) (int, error)          { return 0, kerr.EISDIR }
func (d *dirFile) ReadAt([]byte, int64) (int, error)  { return 0, kerr.EISDIR }
func (d *dirFile) WriteAt([]byte, int64) (int, error) { return 0, kerr.EISDIR }
func (d *dirFile) Stat() (fs.Stat, error)             { return rootDir{f: d.f}.Getattr() }
func (d *dirFile) Close() error                       { return nil }

// Seek rewinds, or moves to a position ReadDir reported.
func (d *dirFile) Seek(off int64, whence int) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fs.DirSeek(&d.pos, off, whence)
}
