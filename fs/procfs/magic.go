package procfs

import (
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// magicLinkNode is /proc/pid/cwd, root or exe: readlink(2) shows the path,
// but a walk through the link jumps to the directory or file itself, the
// way proc(5) describes these "magic links": it reaches the object even
// when its path no longer leads there (renamed, deleted, or outside the
// reader's chroot), and openat2(2)'s RESOLVE_NO_MAGICLINKS refuses it.
type magicLinkNode struct {
	*node
	target func(p *Process) *vfs.Dentry
}

// magicEntry is a directory entry for a magic link whose readlink text is
// path and whose jump target is target.
func (f *FS) magicEntry(parent, name string, pid, tid int, path func(p *Process) string, target func(p *Process) *vfs.Dentry) entry {
	e := f.linkEntry(parent, name, pid, tid, func() (string, error) {
		p, err := f.process(pid)
		if err != nil {
			return "", err
		}
		return path(p), nil
	})
	plain := e.make
	e.make = func() vfs.Inode {
		return &magicLinkNode{node: plain().(*node), target: target}
	}
	return e
}

// Jump implements vfs.MagicLink. A process with nothing to offer (a
// zombie's exe) gives ENOENT, as Linux does.
func (n *magicLinkNode) Jump() (*vfs.Dentry, error) {
	p, err := n.fs.process(n.pid)
	if err != nil {
		return nil, err
	}
	if d := n.target(p); d != nil {
		return d, nil
	}
	return nil, kerr.ENOENT
}
