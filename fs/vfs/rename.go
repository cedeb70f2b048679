package vfs

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Rename is renameat2(2) with RENAME_NOREPLACE and RENAME_EXCHANGE.
func (v *VFS) Rename(ctx *Context, oldStart *Dentry, oldPath string, newStart *Dentry, newPath string, flags RenameFlags) error {
	if flags&^(RenameNoReplace|RenameExchange) != 0 || flags == RenameNoReplace|RenameExchange {
		return kerr.EINVAL
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	w := v.walker(ctx, oldStart, 0)
	odir, oname, oslash, err := w.parent(oldStart, oldPath)
	if err != nil {
		return err
	}
	ndir, nname, nslash, err := v.walker(ctx, newStart, 0).parent(newStart, newPath)
	if err != nil {
		return err
	}
	special := func(n string) bool { return n == "" || n == "." || n == ".." }
	if special(oname) || special(nname) {
		return kerr.EBUSY
	}
	if err := w.searchable(odir); err != nil {
		return err
	}
	if err := w.searchable(ndir); err != nil {
		return err
	}
	old, err := odir.lookup(oname)
	if err != nil {
		return err
	}
	ost, err := old.inode.Getattr()
	if err != nil {
		return err
	}
	target, err := ndir.lookup(nname)
	if err != nil && err != kerr.ENOENT {
		return err
	}
	exists := err == nil
	switch {
	case !exists && flags&RenameExchange != 0:
		return kerr.ENOENT
	case exists && flags&RenameNoReplace != 0:
		return kerr.EEXIST
	case (oslash || nslash) && !isDir(ost):
		return kerr.ENOTDIR
	case odir.mnt != ndir.mnt:
		return kerr.EXDEV
	case old.mounted != nil || exists && target.mounted != nil:
		return kerr.EBUSY
	case odir.mnt.readOnly:
		return kerr.EROFS
	}
	odst, err := odir.inode.Getattr()
	if err != nil {
		return err
	}
	ndst, err := ndir.inode.Getattr()
	if err != nil {
		return err
	}
	if err := mayDelete(w.creds, odst, ost); err != nil {
		return err
	}
	if exists {
		tst, err := target.inode.Getattr()
		if err != nil {
			return err
		}
		if tst.Dev == ost.Dev && tst.Ino == ost.Ino && flags&RenameExchange == 0 {
			return nil // rename(2): two links to one file, nothing to do
		}
		if flags&RenameExchange == 0 {
			if isDir(ost) && !isDir(tst) {
				return kerr.ENOTDIR
			}
			if !isDir(ost) && isDir(tst) {
				return kerr.EISDIR
			}
		}
		if err := mayDelete(w.creds, ndst, tst); err != nil {
			return err
		}
		// A directory moving to a new parent rewrites its "..".
		if flags&RenameExchange != 0 && isDir(tst) && odir != ndir {
			if err := permitted(w.creds, tst, MayWrite); err != nil {
				return err
			}
		}
		if flags&RenameExchange != 0 && isAncestor(target, odir) {
			return kerr.EINVAL
		}
	} else if err := permitted(w.creds, ndst, MayWrite|MayExec); err != nil {
		return err
	}
	if isDir(ost) && odir != ndir {
		if err := permitted(w.creds, ost, MayWrite); err != nil {
			return err
		}
	}
	if isAncestor(old, ndir) {
		return kerr.EINVAL // rename(2): a directory into itself
	}
	if err := odir.inode.Rename(oname, ndir.inode, nname, flags); err != nil {
		return err
	}
	if flags&RenameExchange != 0 {
		// Swap by hand: move would drop one of the two.
		odir.mu.Lock()
		delete(odir.children, oname)
		odir.mu.Unlock()
		target.move(odir, oname)
		old.move(ndir, nname)
		tst, _ := target.inode.Getattr()
		v.notifyMove(odir, oname, ndir, nname, old.inode, isDir(ost), nil)
		v.notifyMove(ndir, nname, odir, oname, target.inode, isDir(tst), nil)
		return nil
	}
	var tst fs.Stat
	if exists {
		tst, _ = target.inode.Getattr()
		ndir.remove(nname)
	}
	old.move(ndir, nname)
	if !exists {
		v.notifyMove(odir, oname, ndir, nname, old.inode, isDir(ost), nil)
		return nil
	}
	v.notifyMove(odir, oname, ndir, nname, old.inode, isDir(ost), target.inode)
	if isDir(tst) || tst.Nlink <= 1 {
		v.notifySelf(EventDeleteSelf, target.inode, isDir(tst))
	}
	return nil
}
