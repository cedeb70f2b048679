package vfs

import (
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Limits from path_resolution(7) and <linux/limits.h>.
const (
	NameMax     = 255  // bytes in a component (ENAMETOOLONG above)
	PathMax     = 4096 // bytes in a path, counting the NUL
	MaxSymlinks = 40   // symlinks followed in one resolution (ELOOP above)
)

// Context is who resolves a path and from where "/" is.
type Context struct {
	Creds *Creds
	Root  *Dentry // the process root (chroot(2)); nil: the VFS root
}

// Resolve are openat2(2)'s resolve flags.
type Resolve uint32

const (
	ResolveNoXdev       Resolve = 1 << iota // never cross a mount point (EXDEV)
	ResolveNoMagiclinks                     // refuse magic links (ELOOP)
	ResolveNoSymlinks                       // refuse every symlink (ELOOP)
	ResolveBeneath                          // stay beneath the start (EXDEV)
	ResolveInRoot                           // treat the start as "/"
)

// walker is one path resolution (Linux's nameidata).
type walker struct {
	creds   *Creds
	root    *Dentry // where "/" starts and ".." stops
	beneath *Dentry // RESOLVE_BENEATH: ".." may not leave this
	how     Resolve
	links   int
}

func (v *VFS) walker(ctx *Context, start *Dentry, how Resolve) *walker {
	w := &walker{creds: ctx.Creds, root: v.rootOf(ctx), how: how}
	if w.creds == nil {
		w.creds = Root
	}
	if how&ResolveInRoot != 0 && start != nil {
		w.root = start
	}
	if how&ResolveBeneath != 0 {
		w.beneath = start
		if start == nil {
			w.beneath = w.root
		}
	}
	return w
}

// parent resolves every component of path but the last, starting at
// start (ignored for an absolute path). It returns the directory, the
// last component ("" when the path names the start or root itself, as
// "/" does) and whether the path ended in a slash, which demands a
// directory.
func (w *walker) parent(start *Dentry, path string) (dir *Dentry, last string, slash bool, err error) {
	if len(path) >= PathMax {
		return nil, "", false, kerr.ENAMETOOLONG
	}
	if path == "" {
		return nil, "", false, kerr.ENOENT // see path_resolution(7), "Empty pathname"
	}
	cur := start
	if cur == nil {
		cur = w.root
	}
	if path[0] == '/' {
		if w.how&ResolveBeneath != 0 {
			return nil, "", false, kerr.EXDEV
		}
		if w.how&ResolveNoXdev != 0 && w.root.mnt != cur.mnt {
			return nil, "", false, kerr.EXDEV
		}
		cur = w.root
	}
	comps := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	slash = strings.HasSuffix(path, "/")
	if len(comps) == 0 {
		return cur, "", true, nil
	}
	for _, c := range comps[:len(comps)-1] {
		next, err := w.step(cur, c)
		if err != nil {
			return nil, "", false, err
		}
		if next, err = w.followIfLink(cur, next, true); err != nil {
			return nil, "", false, err
		}
		cur = next
	}
	last = comps[len(comps)-1]
	if len(last) > NameMax {
		return nil, "", false, kerr.ENAMETOOLONG
	}
	// The last component's parent must be a searchable directory even if
	// the caller only creates there.
	if err := w.searchable(cur); err != nil {
		return nil, "", false, err
	}
	return cur, last, slash, nil
}

// resolve resolves a whole path; follow says whether a final symlink is
// followed (a trailing slash always follows it).
func (w *walker) resolve(start *Dentry, path string, follow bool) (*Dentry, error) {
	dir, last, slash, err := w.parent(start, path)
	if err != nil {
		return nil, err
	}
	return w.final(dir, last, follow, slash)
}

// final resolves the last component in dir.
func (w *walker) final(dir *Dentry, last string, follow, slash bool) (*Dentry, error) {
	d := dir
	if last != "" {
		var err error
		if d, err = w.step(dir, last); err != nil {
			return nil, err
		}
		if d, err = w.followIfLink(dir, d, follow || slash); err != nil {
			return nil, err
		}
	}
	if slash {
		st, err := d.inode.Getattr()
		if err != nil {
			return nil, err
		}
		if !isDir(st) {
			return nil, kerr.ENOTDIR
		}
	}
	return d, nil
}

// searchable checks that d is a directory c may search.
func (w *walker) searchable(d *Dentry) error {
	st, err := d.inode.Getattr()
	if err != nil {
		return err
	}
	if !isDir(st) {
		return kerr.ENOTDIR
	}
	return permitted(w.creds, st, MayExec)
}

// step moves from directory cur to its component name, handling "." and
// ".." and descending into mounts.
func (w *walker) step(cur *Dentry, name string) (*Dentry, error) {
	if len(name) > NameMax {
		return nil, kerr.ENAMETOOLONG
	}
	if err := w.searchable(cur); err != nil {
		return nil, err
	}
	switch name {
	case ".":
		return cur, nil
	case "..":
		return w.dotdot(cur)
	}
	d, err := cur.lookup(name)
	if err != nil {
		return nil, err
	}
	for d.mounted != nil {
		if w.how&ResolveNoXdev != 0 {
			return nil, kerr.EXDEV
		}
		d = d.mounted.root
	}
	return d, nil
}

// dotdot is "..": the parent, except at the root (where it stays, see
// path_resolution(7)) and at a mount's root (where it continues from
// the mount point in the mount below).
func (w *walker) dotdot(cur *Dentry) (*Dentry, error) {
	for {
		if cur == w.root {
			return cur, nil
		}
		if cur == w.beneath {
			return nil, kerr.EXDEV
		}
		if cur.parent != nil {
			return cur.parent, nil
		}
		if cur.mnt.parent == nil {
			return cur, nil // the VFS root, above a chroot's root
		}
		if w.how&ResolveNoXdev != 0 {
			return nil, kerr.EXDEV
		}
		cur = cur.mnt.point
	}
}

// followIfLink follows d if it is a symlink and follow is set; dir is the
// directory d was found in, where a relative target starts.
func (w *walker) followIfLink(dir, d *Dentry, follow bool) (*Dentry, error) {
	for follow {
		st, err := d.inode.Getattr()
		if err != nil {
			return nil, err
		}
		if fileType(st.Mode) != fs.ModeSymlink {
			return d, nil
		}
		next, err := w.follow(dir, d)
		if err != nil {
			return nil, err
		}
		d = next
	}
	return d, nil
}

// follow resolves the symlink link found in dir, to its end.
func (w *walker) follow(dir, link *Dentry) (*Dentry, error) {
	if w.how&ResolveNoSymlinks != 0 {
		return nil, kerr.ELOOP
	}
	w.links++
	if w.links > MaxSymlinks {
		return nil, kerr.ELOOP
	}
	if m, ok := link.inode.(MagicLink); ok {
		// openat2(2): RESOLVE_NO_MAGICLINKS refuses the jump with
		// ELOOP; a scoped walk (RESOLVE_BENEATH, RESOLVE_IN_ROOT) cannot
		// tell where a jump lands, so it refuses with EXDEV, as does
		// RESOLVE_NO_XDEV for a jump to another mount.
		if w.how&ResolveNoMagiclinks != 0 {
			return nil, kerr.ELOOP
		}
		if w.how&(ResolveBeneath|ResolveInRoot) != 0 {
			return nil, kerr.EXDEV
		}
		to, err := m.Jump()
		if err != nil {
			return nil, err
		}
		if w.how&ResolveNoXdev != 0 && to.mnt != dir.mnt {
			return nil, kerr.EXDEV
		}
		return to, nil
	}
	target, err := link.inode.Readlink()
	if err != nil {
		return nil, err
	}
	next, last, slash, err := w.parent(dir, target)
	if err != nil {
		return nil, err
	}
	return w.final(next, last, true, slash)
}

// Chdir resolves path for chdir(2), fchdir(2) (AtEmptyPath with an
// empty path: start itself) and chroot(2): it must name a directory the
// caller may search (ENOTDIR, EACCES otherwise).
func (v *VFS) Chdir(ctx *Context, start *Dentry, path string, flags AtFlags) (*Dentry, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	w := v.walker(ctx, start, 0)
	d, err := w.lookupAt(start, path, flags)
	if err != nil {
		return nil, err
	}
	if err := w.searchable(d); err != nil {
		return nil, err
	}
	return d, nil
}
