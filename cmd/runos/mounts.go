package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/fs/procfs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// mountSpec is one --mount SRC:DST[:ro|rw] (a host directory or file
// passed through, as a bind mount) or --tmpfs DST (src empty).
type mountSpec struct {
	flag     string // the flag and its value, for messages
	src, dst string
	readOnly bool
}

// parseMount checks a --mount value: SRC must exist on the host, DST be
// absolute, and the mode ro (the default) or rw.
func parseMount(v string) (mountSpec, error) {
	m := mountSpec{flag: "--mount " + v, readOnly: true}
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return m, fmt.Errorf("%s: want SRC:DST[:ro|rw]", m.flag)
	}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
		case "rw":
			m.readOnly = false
		default:
			return m, fmt.Errorf("%s: mode %q is neither ro nor rw", m.flag, parts[2])
		}
	}
	src, err := filepath.Abs(parts[0])
	if err != nil {
		return m, fmt.Errorf("%s: %v", m.flag, err)
	}
	if _, err := os.Stat(src); err != nil {
		return m, fmt.Errorf("%s: %s: %v", m.flag, parts[0], pathErr(err))
	}
	m.src = src
	if m.dst, err = mountPoint(parts[1]); err != nil {
		return m, fmt.Errorf("%s: %v", m.flag, err)
	}
	return m, nil
}

// parseTmpfs checks a --tmpfs value.
func parseTmpfs(v string) (mountSpec, error) {
	m := mountSpec{flag: "--tmpfs " + v}
	dst, err := mountPoint(v)
	if err != nil {
		return m, fmt.Errorf("%s: %v", m.flag, err)
	}
	m.dst = dst
	return m, nil
}

// mountPoint checks a DST: an absolute sandbox path other than "/".
func mountPoint(dst string) (string, error) {
	if !strings.HasPrefix(dst, "/") {
		return "", fmt.Errorf("destination %q is not an absolute path", dst)
	}
	dst = path.Clean(dst)
	if dst == "/" {
		return "", fmt.Errorf("cannot mount over /")
	}
	return dst, nil
}

// pathErr is the reason of an os error without the path it repeats.
func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// userMount is a mountSpec with its filesystem made.
type userMount struct {
	spec  mountSpec
	fsys  vfs.FileSystem
	entry procfs.Mount // its /proc/mounts line
}

// openMounts makes the filesystems of the --mount and --tmpfs flags.
func openMounts(specs []mountSpec) ([]userMount, error) {
	var out []userMount
	for _, s := range specs {
		if s.src == "" {
			out = append(out, userMount{spec: s, fsys: tmpfs.New(0o1777, 0, 0),
				entry: procfs.Mount{Source: "tmpfs", Point: s.dst, Type: "tmpfs", Options: "rw,relatime"}})
			continue
		}
		b, err := host.NewBind(s.src, s.readOnly)
		if err != nil {
			return nil, mountError{fmt.Errorf("%s: %v", s.flag, err)}
		}
		opts := "rw,relatime"
		if s.readOnly {
			opts = "ro,relatime"
		}
		out = append(out, userMount{spec: s, fsys: b,
			entry: procfs.Mount{Source: s.src, Point: s.dst, Type: b.Name(), Options: opts}})
	}
	return out, nil
}

// attachMounts mounts each filesystem at its DST, in the order given (so
// a later DST may lie inside an earlier mount), making the mount point
// in the sandbox when it is missing: directories as `mkdir -p` would,
// and an empty file for a single-file mount.
func attachMounts(v *vfs.VFS, ctx *vfs.Context, mounts []userMount) error {
	for _, m := range mounts {
		isDir := true
		if st, err := m.fsys.Root().Getattr(); err == nil {
			isDir = st.Mode&fs.ModeTypeMask == fs.ModeDir
		}
		dir := m.spec.dst
		if !isDir {
			dir = path.Dir(dir)
		}
		if err := mkdirAll(v, ctx, dir); err != nil {
			return mountError{fmt.Errorf("%s: mkdir %s: %s", m.spec.flag, dir, errText(err))}
		}
		if !isDir {
			if _, err := v.Stat(ctx, v.Root(), m.spec.dst, 0); err == kerr.ENOENT {
				f, _, err := v.OpenAt(ctx, v.Root(), m.spec.dst, fs.OpenFlags{Write: true, Create: true, Mode: 0o644}, 0)
				if err != nil {
					return mountError{fmt.Errorf("%s: creating %s: %s", m.spec.flag, m.spec.dst, errText(err))}
				}
				f.Close()
			}
		}
		if err := v.Mount(ctx, v.Root(), m.spec.dst, m.fsys, vfs.MountOptions{ReadOnly: m.spec.readOnly}); err != nil {
			return mountError{fmt.Errorf("%s: %s", m.spec.flag, errText(err))}
		}
	}
	return nil
}

// mkdirAll makes p and its missing parents.
func mkdirAll(v *vfs.VFS, ctx *vfs.Context, p string) error {
	if p == "/" {
		return nil
	}
	if _, err := v.Stat(ctx, v.Root(), p, 0); err == nil {
		return nil
	}
	if err := mkdirAll(v, ctx, path.Dir(p)); err != nil {
		return err
	}
	if err := v.Mkdir(ctx, v.Root(), p, 0o755); err != nil && err != kerr.EEXIST {
		return err
	}
	return nil
}

// mountFlags are the repeatable mount flags, in the order given.
type mountFlags struct {
	specs []mountSpec
	err   error // the first bad value
}

// mountValue is a pflag.Value that appends to mountFlags.
type mountValue struct {
	into  *mountFlags
	parse func(string) (mountSpec, error)
	typ   string
}

func (m mountValue) String() string { return "" }
func (m mountValue) Type() string   { return m.typ }

// Set records the value; a bad one is kept to report after parsing, as
// one line (pflag's own message would add the usage).
func (m mountValue) Set(v string) error {
	s, err := m.parse(v)
	if err != nil {
		if m.into.err == nil {
			m.into.err = err
		}
		return nil
	}
	m.into.specs = append(m.into.specs, s)
	return nil
}

// errText words the kernel errors a mount can meet as a user reads them.
func errText(err error) string {
	switch err {
	case kerr.ENOTDIR:
		return "not a directory (a directory mounts on a directory, a file on a file)"
	case kerr.EROFS:
		return "read-only file system"
	case kerr.EACCES:
		return "permission denied"
	case kerr.ENOENT:
		return "no such file or directory"
	case kerr.EEXIST:
		return "file exists"
	}
	return err.Error()
}

// mountError is a failure of a --mount or --tmpfs flag while the
// namespace is built; its message names the flag.
type mountError struct{ error }
