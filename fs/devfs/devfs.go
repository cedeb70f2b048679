// Package devfs is the sandbox's /dev: a tmpfs filled at start with the
// kernel's own character devices (fs/dev: null, zero, full, random,
// urandom), /dev/tty, /dev/ptmx (the pseudo-terminal multiplexer of
// fs/pty), the links /dev/fd, stdin, stdout and stderr into
// /proc/self/fd, and the directories /dev/shm and /dev/pts for a tmpfs
// and the devpts (PTS) to be mounted on (see Linux's devtmpfs and the
// conventions of udev). No host device node is ever reachable through it.
//
// Like devtmpfs it stays writable by root, so a program may add its own
// nodes and links; a character node opens one of the kernel's devices
// by number (fs/tmpfs), whoever made it.
package devfs

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pty"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// TTY opens the controlling terminal; nil, or an error, means the
// sandbox has none and open(2) of /dev/tty fails with ENXIO (see tty(4)).
type TTY func() (fs.File, error)

// ttyRdev is /dev/tty's device number, 5:0, and ptmxRdev /dev/ptmx's,
// 5:2 (Linux's devices.txt).
const (
	ttyRdev  = 5 << 8
	ptmxRdev = 5<<8 | 2
)

// FS is a devfs instance.
type FS struct {
	*tmpfs.FS
	root *rootDir
	pts  *pty.FS
}

// New makes /dev. tty opens the controlling terminal.
func New(tty TTY) (*FS, error) {
	t := tmpfs.New(0o755, 0, 0)
	pts := pty.NewFS()
	f := &FS{FS: t, root: &rootDir{Inode: t.Root(), tty: tty, pts: pts}, pts: pts}
	root := t.Root()
	for _, d := range []struct {
		name string
		rdev uint64
	}{
		{"null", 1<<8 | 3}, {"zero", 1<<8 | 5}, {"full", 1<<8 | 7},
		{"random", 1<<8 | 8}, {"urandom", 1<<8 | 9}, {"tty", ttyRdev}, {"ptmx", ptmxRdev},
	} {
		if _, err := root.Mknod(d.name, vfs.CreateAttr{Mode: fs.ModeChar | 0o666, Rdev: d.rdev}); err != nil {
			return nil, err
		}
	}
	for _, l := range [][2]string{
		{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
	} {
		if _, err := root.Symlink(l[0], l[1], vfs.CreateAttr{Mode: fs.ModeSymlink | 0o777}); err != nil {
			return nil, err
		}
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"shm", 0o1777}, {"pts", 0o755}} {
		if _, err := root.Mkdir(d.name, vfs.CreateAttr{Mode: fs.ModeDir | d.mode}); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// PTS is the devpts whose multiplexer /dev/ptmx is: the filesystem to
// mount on /dev/pts.
func (f *FS) PTS() *pty.FS { return f.pts }

// Root implements vfs.FileSystem.
func (f *FS) Root() vfs.Inode { return f.root }

// Name implements vfs.FileSystem.
func (f *FS) Name() string { return "devtmpfs" }

// rootDir is the tmpfs root, except that /dev/tty opens the controlling
// terminal and /dev/ptmx a new pseudo-terminal, which are no devices of
// fs/dev.
type rootDir struct {
	vfs.Inode
	tty TTY
	pts *pty.FS
}

func (r *rootDir) Lookup(name string) (vfs.Inode, error) {
	ino, err := r.Inode.Lookup(name)
	if err != nil {
		return nil, err
	}
	if st, err := ino.Getattr(); err == nil && st.Mode&fs.ModeTypeMask == fs.ModeChar {
		switch st.Rdev {
		case ttyRdev:
			return &ttyNode{Inode: ino, tty: r.tty}, nil
		case ptmxRdev:
			return &ptmxNode{Inode: ino, pts: r.pts}, nil
		}
	}
	return ino, nil
}

// Link and Rename hand the tmpfs its own inodes back.
func (r *rootDir) Link(name string, target vfs.Inode) error {
	return r.Inode.Link(name, unwrap(target))
}

func (r *rootDir) Rename(oldName string, newDir vfs.Inode, newName string, flags vfs.RenameFlags) error {
	return r.Inode.Rename(oldName, unwrap(newDir), newName, flags)
}

func unwrap(ino vfs.Inode) vfs.Inode {
	switch i := ino.(type) {
	case *ttyNode:
		return i.Inode
	case *ptmxNode:
		return i.Inode
	case *rootDir:
		return i.Inode
	}
	return ino
}

// ttyNode is /dev/tty.
type ttyNode struct {
	vfs.Inode
	tty TTY
}

// Open gives a stand-in for the opener's controlling terminal, which
// only the kernel knows: open(2) replaces it (core.TerminalAlias) with the
// session's terminal, or, for the session runos started in, with the
// terminal the TTY function opens. Used as is, it is that terminal.
func (n *ttyNode) Open(flags fs.OpenFlags) (fs.File, error) {
	if n.tty != nil {
		if f, err := n.tty(); err == nil && f != nil {
			return &ttyAlias{File: f}, nil
		}
	}
	return &ttyAlias{File: noTTY{}}, nil
}

// ttyAlias is an open of /dev/tty not yet given to its opener.
type ttyAlias struct{ fs.File }

// Fallback hands over the terminal of the TTY function; ENXIO if there
// is none (see tty(4)).
func (a *ttyAlias) Fallback() (fs.File, error) {
	if _, none := a.File.(noTTY); none {
		return nil, kerr.ENXIO
	}
	return a.File, nil
}

// noTTY stands for no terminal: everything fails with ENXIO.
type noTTY struct{}

func (noTTY) Read([]byte) (int, error)           { return 0, kerr.ENXIO }
func (noTTY) Write([]byte) (int, error)          { return 0, kerr.ENXIO }
func (noTTY) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ENXIO }
func (noTTY) WriteAt([]byte, int64) (int, error) { return 0, kerr.ENXIO }
func (noTTY) Seek(int64, int) (int64, error)     { return 0, kerr.ENXIO }
func (noTTY) Stat() (fs.Stat, error)             { return fs.Stat{}, kerr.ENXIO }
func (noTTY) Close() error                       { return nil }

// ptmxNode is /dev/ptmx: each open makes a new pseudo-terminal pair and
// gives its master (see ptmx(4)).
type ptmxNode struct {
	vfs.Inode
	pts *pty.FS
}

func (n *ptmxNode) Open(flags fs.OpenFlags) (fs.File, error) { return n.pts.OpenMaster() }
