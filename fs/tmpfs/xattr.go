package tmpfs

import (
	"slices"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

var _ vfs.Xattrs = (*inode)(nil)

// Getxattr implements vfs.Xattrs.
func (n *inode) Getxattr(name string) ([]byte, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	v, ok := n.xattrs[name]
	if !ok {
		return nil, kerr.ENODATA
	}
	return slices.Clone(v), nil
}

// Setxattr implements vfs.Xattrs; it changes ctime.
func (n *inode) Setxattr(name string, value []byte, flags vfs.XattrFlags) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	_, ok := n.xattrs[name]
	if ok && flags&vfs.XattrCreate != 0 {
		return kerr.EEXIST
	}
	if !ok && flags&vfs.XattrReplace != 0 {
		return kerr.ENODATA
	}
	if n.xattrs == nil {
		n.xattrs = map[string][]byte{}
	}
	n.xattrs[name] = slices.Clone(value)
	n.ctime = n.fs.Now()
	return nil
}

// Listxattr implements vfs.Xattrs, in name order.
func (n *inode) Listxattr() ([]string, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	names := make([]string, 0, len(n.xattrs))
	for k := range n.xattrs {
		names = append(names, k)
	}
	slices.Sort(names)
	return names, nil
}

// Removexattr implements vfs.Xattrs.
func (n *inode) Removexattr(name string) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if _, ok := n.xattrs[name]; !ok {
		return kerr.ENODATA
	}
	delete(n.xattrs, name)
	n.ctime = n.fs.Now()
	return nil
}
