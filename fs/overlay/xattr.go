package overlay

import (
	"strings"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

var _ vfs.Xattrs = (*inode)(nil)

// private reports whether an xattr name is the overlay's own, which the
// guest never sees.
func private(name string) bool { return strings.HasPrefix(name, "trusted.overlay.") }

func (n *inode) Getxattr(name string) ([]byte, error) {
	if private(name) {
		return nil, kerr.ENODATA
	}
	n.o.mu.Lock()
	x, ok := n.anyLayer().(vfs.Xattrs)
	n.o.mu.Unlock()
	if !ok {
		return nil, kerr.ENODATA
	}
	return x.Getxattr(name)
}

func (n *inode) Listxattr() ([]string, error) {
	n.o.mu.Lock()
	x, ok := n.anyLayer().(vfs.Xattrs)
	n.o.mu.Unlock()
	if !ok {
		return nil, nil
	}
	names, err := x.Listxattr()
	out := names[:0]
	for _, s := range names {
		if !private(s) {
			out = append(out, s)
		}
	}
	return out, err
}

// upperXattrs copies n up and returns its upper xattrs.
func (n *inode) upperXattrs(name string) (vfs.Xattrs, error) {
	if private(name) {
		return nil, kerr.EPERM
	}
	n.o.mu.Lock()
	defer n.o.mu.Unlock()
	if err := n.copyUpLocked(); err != nil {
		return nil, err
	}
	x, ok := n.upper.(vfs.Xattrs)
	if !ok {
		return nil, kerr.EOPNOTSUPP
	}
	return x, nil
}

func (n *inode) Setxattr(name string, value []byte, flags vfs.XattrFlags) error {
	x, err := n.upperXattrs(name)
	if err != nil {
		return err
	}
	return x.Setxattr(name, value, flags)
}

func (n *inode) Removexattr(name string) error {
	x, err := n.upperXattrs(name)
	if err != nil {
		return err
	}
	return x.Removexattr(name)
}
