package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/devfs"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/fs/overlay"
	"github.com/runos-project/runos/fs/procfs"
	"github.com/runos-project/runos/fs/stdio"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/core"
	"golang.org/x/sys/unix"
)

// rootFS is the sandbox's file namespace: a writable overlay (tmpfs on
// top) over the host directory given by --root, read-only underneath, so a
// program can write anywhere without touching the host. On it are the
// sandbox's own /proc (fs/procfs), /dev (fs/devfs, with a tmpfs on
// /dev/shm and the pseudo-terminals' devpts on /dev/pts) and a minimal
// /sys: nothing of the host's processes or devices shows through.
type rootFS struct {
	*vfs.VFS
	proc *procSource
}

// startTime stands for the sandbox's boot: the kernel is made moments
// after the namespace.
var startTime = time.Now()

func bootTime() time.Time { return startTime }

func newRootFS(dir string, extra []mountSpec) (rootFS, error) {
	hr, err := host.OpenRoot(dir)
	if err != nil {
		return rootFS{}, err
	}
	ov, err := overlay.New(overlay.HostLower(hr))
	if err != nil {
		return rootFS{}, fmt.Errorf("overlay over %s: %w", dir, err)
	}
	v := vfs.New(ov, vfs.MountOptions{})
	src := &procSource{}
	mounts := []procfs.Mount{
		{Source: "overlay", Point: "/", Type: "overlay", Options: "rw,relatime"},
		{Source: "proc", Point: "/proc", Type: "proc", Options: "rw,nosuid,nodev,noexec,relatime"},
		{Source: "udev", Point: "/dev", Type: "devtmpfs", Options: "rw,nosuid,relatime,mode=755"},
		{Source: "tmpfs", Point: "/dev/shm", Type: "tmpfs", Options: "rw,nosuid,nodev"},
		{Source: "devpts", Point: "/dev/pts", Type: "devpts", Options: "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000"},
		{Source: "sysfs", Point: "/sys", Type: "sysfs", Options: "ro,nosuid,nodev,noexec,relatime"},
	}
	// The --mount and --tmpfs filesystems (mounts.go), attached last.
	user, err := openMounts(extra)
	if err != nil {
		return rootFS{}, err
	}
	for _, u := range user {
		mounts = append(mounts, u.entry)
	}
	proc := procfs.New(src, procSystem(src, mounts))
	dev, err := devfs.New(controllingTTY)
	if err != nil {
		return rootFS{}, fmt.Errorf("/dev: %w", err)
	}
	sys, err := newSysFS()
	if err != nil {
		return rootFS{}, fmt.Errorf("/sys: %w", err)
	}
	ctx := &vfs.Context{Creds: vfs.Root}
	for _, m := range []struct {
		point string
		fsys  vfs.FileSystem
		ro    bool
	}{
		{"/proc", proc, false},
		{"/dev", dev, false},
		{"/dev/shm", tmpfs.New(0o1777, 0, 0), false},
		{"/dev/pts", dev.PTS(), false},
		{"/sys", sys.Named("sysfs"), true},
	} {
		// A --root without the directory gets one in the overlay.
		if _, err := v.Stat(ctx, v.Root(), m.point, 0); err != nil {
			if err := v.Mkdir(ctx, v.Root(), m.point, 0o755); err != nil {
				return rootFS{}, fmt.Errorf("mkdir %s: %w", m.point, err)
			}
		}
		if err := v.Mount(ctx, v.Root(), m.point, m.fsys, vfs.MountOptions{ReadOnly: m.ro, Flags: statfsFlags(mounts, m.point)}); err != nil {
			return rootFS{}, fmt.Errorf("mount %s: %w", m.point, err)
		}
	}
	if err := attachMounts(v, ctx, user); err != nil {
		return rootFS{}, err
	}
	d, err := v.Lookup(ctx, v.Root(), "/proc", 0)
	if err != nil {
		return rootFS{}, fmt.Errorf("/proc: %w", err)
	}
	proc.SetMountRoot(d)
	return rootFS{VFS: v, proc: src}, nil
}

// SetKernel attaches the kernel whose processes /proc shows.
func (r rootFS) SetKernel(k *core.Kernel) { r.proc.k.Store(k) }

// controllingTTY opens /dev/tty: runos's own standard input when it is a
// terminal (the sandbox's session has it as controlling terminal), else
// nothing, and the open fails with ENXIO (see tty(4)).
func controllingTTY() (fs.File, error) {
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err != nil {
		return nil, err
	}
	return stdio.New(0, "tty")
}

// newSysFS makes the read-only /sys: a tmpfs filled now.
func newSysFS() (*tmpfs.FS, error) {
	t := tmpfs.New(0o555, 0, 0)
	for p, content := range sysFiles() {
		dir := t.Root()
		parts := strings.Split(p, "/")
		for _, name := range parts[:len(parts)-1] {
			next, err := dir.Lookup(name)
			if err != nil {
				if next, err = dir.Mkdir(name, vfs.CreateAttr{Mode: fs.ModeDir | 0o755}); err != nil {
					return nil, err
				}
			}
			dir = next
		}
		ino, err := dir.Create(parts[len(parts)-1], vfs.CreateAttr{Mode: fs.ModeRegular | 0o444})
		if err != nil {
			return nil, err
		}
		f, err := ino.Open(fs.OpenFlags{Write: true})
		if err != nil {
			return nil, err
		}
		_, err = f.Write([]byte(content))
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// setupContext is how runos itself looks at the namespace before any
// task runs (finding the program on PATH): as root, from "/".
var setupContext = &vfs.Context{Creds: vfs.Root}
