package linux

import (
	"strings"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The extended attribute calls (see xattr(7)), each in three forms: by
// path, by path without following a final symlink (l*), and by
// descriptor (f*). The VFS applies the namespace rules; this file copies
// names and values in and out with Linux's limits.

// Limits and flags of <linux/xattr.h> and <linux/limits.h>.
const (
	xattrNameMax  = 255   // XATTR_NAME_MAX
	xattrSizeMax  = 65536 // XATTR_SIZE_MAX: the largest value
	xattrListMax  = 65536 // XATTR_LIST_MAX: the largest name list
	xattrCreate   = 1
	xattrReplace  = 2
	xattrByPath   = 0
	xattrByLink   = 1
	xattrByFD     = 2
	xattrUserPref = "user."
)

// xattrAt is the file an xattr call acts on. A descriptor with no name
// (a pipe, an anonymous file) has none: noName is set and the call
// answers as Linux does for such files.
type xattrAt struct {
	start  *vfs.Dentry
	path   string
	flags  vfs.AtFlags
	noName bool
}

// xattrTarget decodes the first argument of an xattr call of form kind.
func xattrTarget(t *core.Task, kind int, arg uintptr) (xattrAt, error) {
	if kind == xattrByFD {
		d, err := getFile(t, arg)
		if err != nil {
			return xattrAt{}, err
		}
		defer d.DecRef()
		dent, _ := d.Dentry.(*vfs.Dentry)
		if dent == nil {
			return xattrAt{noName: true}, nil
		}
		return xattrAt{start: dent, flags: vfs.AtEmptyPath}, nil
	}
	p, err := copyInPath(t, arg)
	if err != nil {
		return xattrAt{}, err
	}
	if p == "" {
		return xattrAt{}, kerr.ENOENT
	}
	start, err := startAt(t, atFDCWD, p)
	if err != nil {
		return xattrAt{}, err
	}
	at := xattrAt{start: start, path: p}
	if kind == xattrByLink {
		at.flags = vfs.AtNoFollow
	}
	return at, nil
}

// copyInXattrName reads an attribute name: empty or longer than
// XATTR_NAME_MAX is ERANGE; a namespace prefix with nothing after it
// ("user.") is EINVAL.
func copyInXattrName(t *core.Task, addr uintptr) (string, error) {
	if addr == 0 {
		return "", kerr.EFAULT
	}
	name, err := t.MM().CopyInString(addr, xattrNameMax+1)
	if err == kerr.ENAMETOOLONG {
		return "", kerr.ERANGE
	}
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", kerr.ERANGE
	}
	if i := strings.IndexByte(name, '.'); i >= 0 && i == len(name)-1 {
		switch name {
		case "user.", "trusted.", "security.", "system.":
			return "", kerr.EINVAL
		}
	}
	return name, nil
}

// noNameErr is what a file with no name answers: user.* is refused on
// anything but regular files and directories (EPERM to change, ENODATA
// to read, see xattr(7)); its filesystem has no other namespace.
func noNameErr(name string, write bool) error {
	if strings.HasPrefix(name, xattrUserPref) {
		if write {
			return kerr.EPERM
		}
		return kerr.ENODATA
	}
	return kerr.EOPNOTSUPP
}

// xattrGet makes getxattr, lgetxattr and fgetxattr.
func xattrGet(kind int) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		name, err := copyInXattrName(t, a[1])
		if err != nil {
			return 0, err
		}
		at, err := xattrTarget(t, kind, a[0])
		if err != nil {
			return 0, err
		}
		if at.noName {
			return 0, noNameErr(name, false)
		}
		v, err := t.Kernel().FS.Getxattr(t.FSContext(), at.start, at.path, name, at.flags)
		if err != nil {
			return 0, err
		}
		return copyOutSized(t, a[2], min(a[3], xattrSizeMax), v)
	}
}

// copyOutSized answers as getxattr(2) and listxattr(2) do: for size 0
// the length v needs, ERANGE if v does not fit in size bytes, else v
// copied to addr and its length.
func copyOutSized(t *core.Task, addr, size uintptr, v []byte) (uintptr, error) {
	if size == 0 {
		return uintptr(len(v)), nil
	}
	if uintptr(len(v)) > size {
		return 0, kerr.ERANGE
	}
	if _, err := t.MM().CopyOut(addr, v); err != nil {
		return 0, err
	}
	return uintptr(len(v)), nil
}

// xattrSet makes setxattr, lsetxattr and fsetxattr.
func xattrSet(kind int) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		size, flags := a[3], a[4]
		if flags&^(xattrCreate|xattrReplace) != 0 {
			return 0, kerr.EINVAL
		}
		name, err := copyInXattrName(t, a[1])
		if err != nil {
			return 0, err
		}
		if size > xattrSizeMax {
			return 0, kerr.E2BIG
		}
		value := make([]byte, size)
		if size > 0 {
			if _, err := t.MM().CopyIn(a[2], value); err != nil {
				return 0, err
			}
		}
		at, err := xattrTarget(t, kind, a[0])
		if err != nil {
			return 0, err
		}
		if at.noName {
			return 0, noNameErr(name, true)
		}
		var xf vfs.XattrFlags
		if flags&xattrCreate != 0 {
			xf |= vfs.XattrCreate
		}
		if flags&xattrReplace != 0 {
			xf |= vfs.XattrReplace
		}
		return 0, t.Kernel().FS.Setxattr(t.FSContext(), at.start, at.path, name, value, xf, at.flags)
	}
}

// xattrRemove makes removexattr, lremovexattr and fremovexattr.
func xattrRemove(kind int) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		name, err := copyInXattrName(t, a[1])
		if err != nil {
			return 0, err
		}
		at, err := xattrTarget(t, kind, a[0])
		if err != nil {
			return 0, err
		}
		if at.noName {
			return 0, noNameErr(name, true)
		}
		return 0, t.Kernel().FS.Removexattr(t.FSContext(), at.start, at.path, name, at.flags)
	}
}

// xattrList makes listxattr, llistxattr and flistxattr: the names, each
// ending in a NUL.
func xattrList(kind int) core.Handler {
	return func(t *core.Task, a core.SyscallArgs) (uintptr, error) {
		at, err := xattrTarget(t, kind, a[0])
		if err != nil {
			return 0, err
		}
		if at.noName {
			return 0, nil
		}
		names, err := t.Kernel().FS.Listxattr(t.FSContext(), at.start, at.path, at.flags)
		if err != nil {
			return 0, err
		}
		var b []byte
		for _, n := range names {
			b = append(append(b, n...), 0)
		}
		return copyOutSized(t, a[1], min(a[2], xattrListMax), b)
	}
}

var xattrCalls = map[string]impl{
	"getxattr":     full(xattrGet(xattrByPath)),
	"lgetxattr":    full(xattrGet(xattrByLink)),
	"fgetxattr":    full(xattrGet(xattrByFD)),
	"setxattr":     full(xattrSet(xattrByPath)),
	"lsetxattr":    full(xattrSet(xattrByLink)),
	"fsetxattr":    full(xattrSet(xattrByFD)),
	"removexattr":  full(xattrRemove(xattrByPath)),
	"lremovexattr": full(xattrRemove(xattrByLink)),
	"fremovexattr": full(xattrRemove(xattrByFD)),
	"listxattr":    full(xattrList(xattrByPath)),
	"llistxattr":   full(xattrList(xattrByLink)),
	"flistxattr":   full(xattrList(xattrByFD)),
}
