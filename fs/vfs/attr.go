package vfs

import (
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// setattrAt resolves path and applies change, which returns the SetAttr
// to apply (or an error) given the file's current attributes.
func (v *VFS) setattrAt(ctx *Context, start *Dentry, path string, flags AtFlags, change func(c *Creds, st fs.Stat) (*SetAttr, error)) error {
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return err
	}
	a, err := change(credsOf(ctx), st)
	if err != nil || a == nil {
		return err
	}
	if d.mnt.readOnly {
		return kerr.EROFS
	}
	if err := d.inode.Setattr(a); err != nil {
		return err
	}
	v.notifyFile(attrEvent(a), d, isDir(st))
	return nil
}

// Chmod is fchmodat(2) (and fchmod with AtEmptyPath). Only the owner or
// root may change the mode; a non-member of the file's group loses the
// set-group-ID bit, see chmod(2).
func (v *VFS) Chmod(ctx *Context, start *Dentry, path string, mode uint32, flags AtFlags) error {
	return v.setattrAt(ctx, start, path, flags, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		if flags&AtNoFollow != 0 && fileType(st.Mode) == fs.ModeSymlink && isOwner(c, st) {
			return nil, kerr.EOPNOTSUPP // Linux cannot chmod a symlink
		}
		return chmodChange(c, st, mode)
	})
}

// chmodChange is the change chmod(2) makes to a file with attributes st.
func chmodChange(c *Creds, st fs.Stat, mode uint32) (*SetAttr, error) {
	if !isOwner(c, st) {
		return nil, kerr.EPERM
	}
	mode &= 0o7777
	if !c.Capable(CapFsetid) && !c.inGroup(st.GID) {
		mode &^= 0o2000
	}
	return &SetAttr{Mask: AttrMode, Mode: mode}, nil
}

// Chown is fchownat(2) (and fchown, lchown). uid or gid NoID leaves it
// unchanged. Only root gives a file away; the owner may change the group
// to one of their own groups. A non-directory loses its set-user-ID bit
// and (if group-executable) its set-group-ID bit, see chown(2).
func (v *VFS) Chown(ctx *Context, start *Dentry, path string, uid, gid uint32, flags AtFlags) error {
	return v.setattrAt(ctx, start, path, flags, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		return chownChange(c, st, uid, gid)
	})
}

// chownChange is the change chown(2) makes to a file with attributes st.
func chownChange(c *Creds, st fs.Stat, uid, gid uint32) (*SetAttr, error) {
	a := &SetAttr{}
	if uid != NoID {
		if uid != st.UID && !c.Capable(CapChown) {
			return nil, kerr.EPERM
		}
		a.Mask |= AttrUID
		a.UID = uid
	}
	if gid != NoID {
		if !c.Capable(CapChown) && (c.UID != st.UID || gid != st.GID && !c.inGroup(gid)) {
			return nil, kerr.EPERM
		}
		a.Mask |= AttrGID
		a.GID = gid
	}
	if a.Mask != 0 && !isDir(st) && fileType(st.Mode) != fs.ModeSymlink {
		mode := st.Mode & 0o7777 &^ 0o4000
		if st.Mode&0o010 != 0 {
			mode &^= 0o2000
		}
		if mode != st.Mode&0o7777 {
			a.Mask |= AttrMode
			a.Mode = mode
		}
	}
	return a, nil
}

// Truncate is truncate(2): write permission on a regular file.
func (v *VFS) Truncate(ctx *Context, start *Dentry, path string, size int64) error {
	if size < 0 {
		return kerr.EINVAL
	}
	return v.setattrAt(ctx, start, path, 0, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		switch fileType(st.Mode) {
		case fs.ModeDir:
			return nil, kerr.EISDIR
		case fs.ModeRegular:
		default:
			return nil, kerr.EINVAL
		}
		if err := permitted(c, st, MayWrite); err != nil {
			return nil, err
		}
		return &SetAttr{Mask: AttrSize, Size: size}, nil
	})
}

// TruncateFile is ftruncate(2) on a descriptor already open for writing,
// which is all the permission it needs.
func (v *VFS) TruncateFile(d *Dentry, size int64) error {
	if size < 0 {
		return kerr.EINVAL
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return err
	}
	if fileType(st.Mode) != fs.ModeRegular {
		return kerr.EINVAL
	}
	if err := d.inode.Setattr(&SetAttr{Mask: AttrSize, Size: size}); err != nil {
		return err
	}
	v.notifyFile(EventModify, d, false)
	return nil
}

// Utimens is utimensat(2). a carries AttrAtime/AttrMtime with times or
// AttrAtimeNow/AttrMtimeNow; an omitted time is left out of the mask.
// Setting both to now needs ownership or write permission; any explicit
// time needs ownership (EPERM otherwise).
func (v *VFS) Utimens(ctx *Context, start *Dentry, path string, a SetAttr, flags AtFlags) error {
	return v.setattrAt(ctx, start, path, flags, func(c *Creds, st fs.Stat) (*SetAttr, error) {
		return utimensChange(c, st, a)
	})
}

// utimensChange is the change utimensat(2) makes to a file with
// attributes st: setting both times to now is for the owner or anyone
// who may write the file; anything else (a time given, or one of them
// omitted) is for the owner only (Linux's ATTR_TOUCH against
// ATTR_TIMES_SET). Both omitted is no change, which anyone may make.
func utimensChange(c *Creds, st fs.Stat, a SetAttr) (*SetAttr, error) {
	if a.Mask == 0 {
		return nil, nil
	}
	const now = AttrAtimeNow | AttrMtimeNow
	if a.Mask&now != now {
		if !isOwner(c, st) {
			return nil, kerr.EPERM
		}
	} else if !isOwner(c, st) {
		if err := permitted(c, st, MayWrite); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// xattrTarget resolves path for an xattr call and checks the namespace
// rules of xattr(7): user.* on regular files and directories only, with
// read (or write) permission; trusted.* for root only; others are not
// supported.
func (v *VFS) xattrTarget(ctx *Context, start *Dentry, path, name string, write bool, flags AtFlags) (Xattrs, error) {
	d, err := v.Lookup(ctx, start, path, flags)
	if err != nil {
		return nil, err
	}
	st, err := d.inode.Getattr()
	if err != nil {
		return nil, err
	}
	x, ok := d.inode.(Xattrs)
	if !ok {
		return nil, kerr.EOPNOTSUPP
	}
	if name == "" && !write {
		return x, nil // listxattr
	}
	if len(name) > NameMax || name == "" {
		return nil, kerr.ERANGE
	}
	c := credsOf(ctx)
	switch {
	case strings.HasPrefix(name, "user."):
		t := fileType(st.Mode)
		if t != fs.ModeRegular && t != fs.ModeDir {
			if write {
				return nil, kerr.EPERM
			}
			return nil, kerr.ENODATA
		}
		may := MayRead
		if write {
			may = MayWrite
		}
		if err := permitted(c, st, may); err != nil {
			return nil, err
		}
	case strings.HasPrefix(name, "trusted."):
		if !c.Capable(CapSysAdmin) {
			if write {
				return nil, kerr.EPERM
			}
			return nil, kerr.ENODATA
		}
	default:
		return nil, kerr.EOPNOTSUPP
	}
	if write && d.mnt.readOnly {
		return nil, kerr.EROFS
	}
	return x, nil
}

// Getxattr is getxattr(2) (lgetxattr with AtNoFollow).
func (v *VFS) Getxattr(ctx *Context, start *Dentry, path, name string, flags AtFlags) ([]byte, error) {
	x, err := v.xattrTarget(ctx, start, path, name, false, flags)
	if err != nil {
		return nil, err
	}
	return x.Getxattr(name)
}

// Setxattr is setxattr(2).
func (v *VFS) Setxattr(ctx *Context, start *Dentry, path, name string, value []byte, xf XattrFlags, flags AtFlags) error {
	if len(value) > 65536 {
		return kerr.E2BIG
	}
	x, err := v.xattrTarget(ctx, start, path, name, true, flags)
	if err != nil {
		return err
	}
	return x.Setxattr(name, value, xf)
}

// Removexattr is removexattr(2).
func (v *VFS) Removexattr(ctx *Context, start *Dentry, path, name string, flags AtFlags) error {
	x, err := v.xattrTarget(ctx, start, path, name, true, flags)
	if err != nil {
		return err
	}
	return x.Removexattr(name)
}

// Listxattr is listxattr(2): the names the caller may see (trusted.*
// only for root).
func (v *VFS) Listxattr(ctx *Context, start *Dentry, path string, flags AtFlags) ([]string, error) {
	x, err := v.xattrTarget(ctx, start, path, "", false, flags)
	if err != nil {
		return nil, err
	}
	names, err := x.Listxattr()
	if err != nil {
		return nil, err
	}
	out := names[:0:0]
	for _, n := range names {
		if strings.HasPrefix(n, "trusted.") && !credsOf(ctx).Capable(CapSysAdmin) {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}
