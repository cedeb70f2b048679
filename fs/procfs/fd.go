package procfs

import (
	"fmt"
	"strconv"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/stdio"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// fdDir is /proc/pid/fd: a magic link per open descriptor.
func (f *FS) fdDir(dir string, pid, tid int) []entry {
	p, ok := f.src.Process(pid)
	if !ok {
		return nil
	}
	var ents []entry
	for _, d := range p.FDs {
		num := d.Num
		name := strconv.Itoa(num)
		ents = append(ents, entry{name: name, typ: fs.ModeSymlink, make: func() vfs.Inode {
			return f.fdLink(dir+"/"+name, pid, tid, num)
		}})
	}
	return ents
}

// fdOf finds descriptor num of process pid.
func (f *FS) fdOf(pid, num int) (*FD, error) {
	p, err := f.process(pid)
	if err != nil {
		return nil, err
	}
	for i := range p.FDs {
		if p.FDs[i].Num == num {
			return &p.FDs[i], nil
		}
	}
	return nil, kerr.ENOENT
}

// fdLinkNode is /proc/pid/fd/N. readlink(2) shows the path the file was
// opened by; open(2) through it jumps to the open file itself, so a pipe
// or a terminal with no name (or /dev/stdin, whose own name leads back
// here) opens all the same.
type fdLinkNode struct {
	*node
	num int
}

func (f *FS) fdLink(path string, pid, tid, num int) *fdLinkNode {
	n := &fdLinkNode{num: num}
	n.node = f.symlink(path, pid, tid, func() (string, error) {
		d, err := f.fdOf(pid, num)
		if err != nil {
			return "", err
		}
		return d.Target, nil
	})
	return n
}

// Getattr shows the access mode in the link's permissions, as Linux does
// (lr-x------ for a descriptor open for reading only).
func (n *fdLinkNode) Getattr() (fs.Stat, error) {
	st, err := n.node.Getattr()
	if err != nil {
		return st, err
	}
	d, err := n.fs.fdOf(n.pid, n.num)
	if err != nil {
		return fs.Stat{}, err
	}
	st.Mode = fs.ModeSymlink | 0o500
	if d.Writing {
		st.Mode |= 0o200
	}
	return st, nil
}

// Jump implements vfs.MagicLink.
func (n *fdLinkNode) Jump() (*vfs.Dentry, error) {
	if n.fs.mountRoot == nil {
		return nil, kerr.ENOENT
	}
	d, err := n.fs.src.OpenFD(n.pid, n.num)
	if err != nil {
		return nil, err
	}
	// A walk that jumps may only stat the target, never open it: the
	// reference is dropped now and Open takes its own, which the owner
	// closing the descriptor in between (another thread, in the same
	// instant) could make a reference to a closed file.
	d.DecRef()
	// A descriptor opened by name jumps to that dentry, so the walk goes
	// on beneath an O_PATH directory and chmod or open act on the file
	// itself, with an offset of their own, as on Linux. Pipes, sockets
	// and terminals with no name jump to the open file.
	if dent, ok := d.Dentry.(*vfs.Dentry); ok && dent != nil {
		return dent, nil
	}
	return vfs.OpenFileDentry(n.fs.mountRoot, &openFileNode{d: d}, strconv.Itoa(n.num)), nil
}

// openFileNode is the inode an fd link jumps to: the open file
// description itself. Opening it shares the description's file (and,
// unlike Linux for a regular file, its offset).
type openFileNode struct {
	node
	d *fs.FileDescription
}

func (o *openFileNode) Getattr() (fs.Stat, error) { return o.d.File.Stat() }
func (o *openFileNode) Lookup(string) (vfs.Inode, error) {
	return nil, kerr.ENOTDIR
}
func (o *openFileNode) Readlink() (string, error) { return "", kerr.EINVAL }

// Setattr applies a truncation (open with O_TRUNC) when the file can.
func (o *openFileNode) Setattr(a *vfs.SetAttr) error {
	if t, ok := o.d.File.(interface{ Truncate(int64) error }); ok && a.Mask&vfs.AttrSize != 0 {
		return t.Truncate(a.Size)
	}
	return nil
}

// Open gives a file of its own when the file can be opened anew (one
// of runos's standard streams: a new duplicate of the host descriptor),
// and otherwise a handle sharing the description's file, which keeps a
// pipe's readiness but not the rarer interfaces (splice's pipe.End).
func (o *openFileNode) Open(flags fs.OpenFlags) (fs.File, error) {
	switch f := o.d.File.(type) {
	case *stdio.File:
		return stdio.New(f.HostFD(), f.Name())
	case fs.Pollable:
		o.d.IncRef()
		return &pollableShared{sharedFile{File: o.d.File, d: o.d}, f}, nil
	}
	o.d.IncRef()
	return &sharedFile{File: o.d.File, d: o.d}, nil
}

// pollableShared is a sharedFile of a pollable file (a pipe end).
type pollableShared struct {
	sharedFile
	p fs.Pollable
}

func (s *pollableShared) Readiness(m fs.Events) fs.Events { return s.p.Readiness(m) }
func (s *pollableShared) WaitQueue() *fs.WaitQueue        { return s.p.WaitQueue() }

// sharedFile is a new handle on an open file description's file: it
// keeps a reference, dropped on close.
type sharedFile struct {
	fs.File
	d *fs.FileDescription
}

func (s *sharedFile) Close() error { return s.d.DecRef() }

// ReadDir passes directory reads through, for /proc/self/fd/N of a
// directory.
func (s *sharedFile) ReadDir(emit func(fs.Dirent) bool) error {
	if r, ok := s.File.(fs.DirReader); ok {
		return r.ReadDir(emit)
	}
	return kerr.ENOTDIR
}

// fdinfoDir is /proc/pid/fdinfo: the position and flags of each
// descriptor.
func (f *FS) fdinfoDir(dir string, pid, tid int) []entry {
	p, ok := f.src.Process(pid)
	if !ok {
		return nil
	}
	var ents []entry
	for _, d := range p.FDs {
		num := d.Num
		ents = append(ents, f.fileEntry(dir, strconv.Itoa(num), pid, tid, 0o444, func() ([]byte, error) {
			d, err := f.fdOf(pid, num)
			if err != nil {
				return nil, err
			}
			return []byte(fmt.Sprintf("pos:\t%d\nflags:\t0%o\nmnt_id:\t0\nino:\t0\n", d.Pos, d.Flags)), nil
		}))
	}
	return ents
}
