package vfs

import (
	"strings"
	"sync"
)

// Dentry is a name in the file tree: a component of some directory, the
// inode it names, and the names beneath it that have been looked up (the
// dentry cache). Only positive names are cached; every change to the tree
// goes through the VFS, which keeps the cache in step (see VFS.mu).
//
// A Dentry belongs to one mount; "where am I" for a path is therefore
// just the dentry.
type Dentry struct {
	inode Inode
	mnt   *Mount

	// name, parent, mounted and deleted change only under VFS.mu held
	// for writing; readers hold it for reading. name, parent and deleted
	// change under nameMu too, so that PathOf can read them without
	// VFS.mu (see nameMu).
	name    string
	parent  *Dentry // nil for the root of a mount
	mounted *Mount  // the mount stacked on this directory, if any
	deleted bool

	mu       sync.Mutex // guards children
	children map[string]*Dentry
}

// Inode returns the inode the dentry names.
func (d *Dentry) Inode() Inode { return d.inode }

// Name returns the dentry's last path component ("" for a mount root).
func (d *Dentry) Name() string { return d.name }

// nameMu guards every dentry's name, parent and deleted flag for readers
// that do not hold VFS.mu: PathOf, which procfs calls (for
// /proc/pid/cwd, root and fd) from inside a path walk that already holds
// VFS.mu for reading, where taking it again could deadlock behind a
// waiting writer. It is a leaf lock: nothing is taken while holding it.
var nameMu sync.RWMutex

// lookup returns the cached child called name, asking the filesystem on
// a miss. It does not cross mounts.
func (d *Dentry) lookup(name string) (*Dentry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.children[name]; ok {
		return c, nil
	}
	ino, err := d.inode.Lookup(name)
	if err != nil {
		return nil, err
	}
	return d.addLocked(name, ino), nil
}

func (d *Dentry) addLocked(name string, ino Inode) *Dentry {
	c := &Dentry{inode: ino, mnt: d.mnt, name: name, parent: d}
	if d.children == nil {
		d.children = map[string]*Dentry{}
	}
	d.children[name] = c
	return c
}

// add caches a child made by a create-type operation.
func (d *Dentry) add(name string, ino Inode) *Dentry {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.addLocked(name, ino)
}

// remove drops name from the cache and marks it deleted, as unlink,
// rmdir and a replacing rename do.
func (d *Dentry) remove(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.children[name]; ok {
		nameMu.Lock()
		c.deleted = true
		nameMu.Unlock()
		delete(d.children, name)
	}
}

// move re-files c under newParent as newName (rename). The caller has
// removed whatever newName named.
func (c *Dentry) move(newParent *Dentry, newName string) {
	old := c.parent
	old.mu.Lock()
	if old.children[c.name] == c {
		delete(old.children, c.name)
	}
	old.mu.Unlock()
	newParent.mu.Lock()
	if newParent.children == nil {
		newParent.children = map[string]*Dentry{}
	}
	newParent.children[newName] = c
	newParent.mu.Unlock()
	nameMu.Lock()
	c.parent, c.name = newParent, newName
	nameMu.Unlock()
}

// isAncestor reports whether a is d or one of d's ancestors, within d's
// mount.
func isAncestor(a, d *Dentry) bool {
	for p := d; p != nil; p = p.parent {
		if p == a {
			return true
		}
	}
	return false
}

// pathOf builds the absolute path of d as seen from root, crossing mount
// points upward. A dentry outside root (a cwd left behind by chroot) is
// shown from the VFS's root with "(unreachable)" in front, and a removed
// one with " (deleted)" after, as getcwd(3) and /proc/pid/fd do.
func pathOf(root, d *Dentry) string {
	var parts []string
	deleted := d.deleted
	reached := false
	for cur := d; ; {
		if cur == root {
			reached = true
			break
		}
		if cur.parent == nil {
			if cur.mnt.parent == nil {
				break // the VFS root
			}
			cur = cur.mnt.point
			continue
		}
		parts = append(parts, cur.name)
		cur = cur.parent
	}
	var b strings.Builder
	if !reached {
		b.WriteString("(unreachable)")
	}
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	if len(parts) == 0 {
		b.WriteByte('/')
	}
	if deleted {
		b.WriteString(" (deleted)")
	}
	return b.String()
}

// Deleted reports whether the name was removed (unlink, rmdir, or
// replaced by a rename): getcwd(2) fails with ENOENT in such a directory.
func (d *Dentry) Deleted() bool {
	nameMu.RLock()
	defer nameMu.RUnlock()
	return d.deleted
}
