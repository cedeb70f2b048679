package core

import (
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// This file is the process's side of its FSStruct (fsstruct.go): its
// root directory (chroot(2)), working directory and umask, and the
// context its file operations are checked in. execve(2) keeps them.

// FSContext is the context t's file operations run in: the process's
// filesystem credentials and root. It is built again only when either
// changes, so a call costs three atomic loads and no allocation. The
// cache lives on the process, not on its FSStruct, because processes
// that share an FSStruct (CLONE_FS) may have different credentials; a
// chroot by any of them is noticed here as a root that is no longer the
// one the cached context holds.
func (tg *ThreadGroup) FSContext() *vfs.Context {
	if c := tg.fsctx.Load(); c != nil && c.Root == tg.fs.Load().root.Load() {
		return c
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.fsContextLocked()
}

func (tg *ThreadGroup) fsContextLocked() *vfs.Context {
	root := tg.fs.Load().root.Load()
	if c := tg.fsctx.Load(); c != nil && c.Root == root {
		return c
	}
	c := &vfs.Context{Creds: tg.credsLocked().FSCreds(), Root: root}
	tg.fsctx.Store(c)
	return c
}

// FSContext is the context of t's process (see ThreadGroup.FSContext).
func (t *Task) FSContext() *vfs.Context { return t.tg.FSContext() }

// WorkingDir returns the working directory; nil stands for the root.
func (tg *ThreadGroup) WorkingDir() *vfs.Dentry { return tg.fs.Load().cwd.Load() }

// SetWorkingDir changes the working directory (chdir(2), fchdir(2)) of
// tg and of every process sharing its FSStruct; the caller has checked
// that d is a directory it may enter.
func (tg *ThreadGroup) SetWorkingDir(d *vfs.Dentry) { tg.fs.Load().cwd.Store(d) }

// RootDir returns the process's root; nil stands for the namespace's.
func (tg *ThreadGroup) RootDir() *vfs.Dentry { return tg.fs.Load().root.Load() }

// Chroot makes d the root of tg and of every process sharing its
// FSStruct (chroot(2)); the caller has resolved d as a directory it may
// enter. It needs CAP_SYS_CHROOT (EPERM otherwise). The working
// directory stays where it is, possibly outside the new root, as on
// Linux.
func (tg *ThreadGroup) Chroot(d *vfs.Dentry) error {
	if !tg.FSContext().Creds.Capable(vfs.CapSysChroot) {
		return kerr.EPERM
	}
	tg.fs.Load().root.Store(d)
	return nil
}

// Umask returns the file mode creation mask.
func (tg *ThreadGroup) Umask() uint32 { return tg.fs.Load().umask.Load() }

// SetUmask replaces the mask of tg and of every process sharing its
// FSStruct, and returns the old one.
func (tg *ThreadGroup) SetUmask(m uint32) uint32 { return tg.fs.Load().umask.Swap(m & 0o777) }

// Cwd returns the working directory's path as the process sees it
// (getcwd(3) without its errors; /proc/pid/cwd).
func (tg *ThreadGroup) Cwd() string {
	if tg.k.FS == nil {
		return "/"
	}
	cwd := tg.WorkingDir()
	if cwd == nil {
		return "/"
	}
	return tg.k.FS.PathOf(tg.FSContext(), cwd)
}

// At returns the dentry a path relative to d starts from: d itself, or
// the working directory when d is nil (AT_FDCWD).
func (tg *ThreadGroup) At(d *vfs.Dentry) *vfs.Dentry {
	if d != nil {
		return d
	}
	return tg.WorkingDir()
}
