package main

import (
	"fmt"
	"path"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/dev"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/fs/overlay"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// rootFS is the sandbox's file namespace: a writable overlay (tmpfs on
// top) over the host directory given by --root, read-only underneath, so a
// program can write anywhere without touching the host. /dev/null and its
// siblings are the kernel's own devices (fs/dev).
type rootFS struct {
	vfs.PathFS
}

func newRootFS(dir string) (rootFS, error) {
	hr, err := host.OpenRoot(dir)
	if err != nil {
		return rootFS{}, err
	}
	ov, err := overlay.New(overlay.HostLower(hr))
	if err != nil {
		return rootFS{}, fmt.Errorf("overlay over %s: %w", dir, err)
	}
	v := vfs.New(ov, vfs.MountOptions{})
	// The host's /proc describes the host's processes (and its
	// /proc/self is runos itself): it must not show through. Until the
	// sandbox has a procfs of its own, /proc is an empty directory; the
	// Linux personality answers /proc/self/exe itself.
	ctx := &vfs.Context{Creds: vfs.Root}
	if _, err := v.Stat(ctx, v.Root(), "/proc", 0); err == nil {
		if err := v.Mount(ctx, v.Root(), "/proc", tmpfs.New(0o555, 0, 0), vfs.MountOptions{ReadOnly: true}); err != nil {
			return rootFS{}, fmt.Errorf("hiding the host's /proc: %w", err)
		}
	}
	return rootFS{vfs.PathFS{V: v, Creds: vfs.Root}}, nil
}

// Open serves the kernel's devices, and everything else from the VFS.
func (r rootFS) Open(p string, f fs.OpenFlags) (fs.File, error) {
	if df, ok := device(p); ok {
		return df, nil
	}
	return r.PathFS.Open(p, f)
}

// device serves /dev/null and its siblings from the kernel (fs/dev), so a
// guest never opens a host device node. A devfs mount will replace this.
func device(p string) (fs.File, bool) {
	p = path.Clean(p)
	if dir, name := path.Split(p); dir == "/dev/" {
		return dev.Lookup(name)
	}
	return nil, false
}

// Stat answers for the kernel's devices too.
func (r rootFS) Stat(p string, follow bool) (fs.Stat, error) {
	if df, ok := device(p); ok {
		return df.Stat()
	}
	return r.PathFS.Stat(p, follow)
}

// Access answers for the kernel's devices too: everyone may read and
// write them, nobody may execute them.
func (r rootFS) Access(p string, mode int) error {
	if _, ok := device(p); ok {
		if mode&1 != 0 {
			return kerr.EACCES
		}
		return nil
	}
	return r.PathFS.Access(p, mode)
}
