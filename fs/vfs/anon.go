package vfs

import (
	"github.com/runos-project/runos/fs"
)

// AttrFile is an open file with no name whose inode still has a mode
// and an owner of its own, which fchmod(2) and fchown(2) change and
// fstat(2) shows: a pipe, a memfd. Linux keeps them in the pipe's or
// the memfd's inode; here the file keeps the record.
type AttrFile interface {
	Stat() (fs.Stat, error)
	Setattr(a *SetAttr) error
}

// ChmodFile is fchmod(2) on a file with no name, with Chmod's rules.
func ChmodFile(ctx *Context, f AttrFile, mode uint32) error {
	return setattrFile(ctx, f, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		return chmodChange(c, st, mode)
	})
}

// ChownFile is fchown(2) on a file with no name, with Chown's rules.
func ChownFile(ctx *Context, f AttrFile, uid, gid uint32) error {
	return setattrFile(ctx, f, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		return chownChange(c, st, uid, gid)
	})
}

// UtimensFile is utimensat(2) on a file with no name, with Utimens's
// rules. Only a file whose Setattr keeps the times should be given.
func UtimensFile(ctx *Context, f AttrFile, a SetAttr) error {
	return setattrFile(ctx, f, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		return utimensChange(c, st, a)
	})
}

func setattrFile(ctx *Context, f AttrFile, change func(c *Creds, st fs.Stat) (*SetAttr, error)) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := change(credsOf(ctx), st)
	if err != nil {
		return err
	}
	if a == nil || a.Mask == 0 {
		return nil
	}
	return f.Setattr(a)
}
