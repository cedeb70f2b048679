package core

import (
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// This file is a process's place in the file namespace (Linux's
// fs_struct): its root directory (chroot(2)), its working directory,
// both held as dentries so that they follow renames, and the context its
// file operations are checked in. fork(2) copies both; execve(2) keeps
// them.

// FSContext is the context t's file operations run in: the process's
// filesystem credentials and root. It is built again only when either
// changes, so a call costs an atomic load and no allocation.
func (tg *ThreadGroup) FSContext() *vfs.Context {
	if c := tg.fsctx.Load(); c != nil {
		return c
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.fsContextLocked()
}

func (tg *ThreadGroup) fsContextLocked() *vfs.Context {
	if c := tg.fsctx.Load(); c != nil {
		return c
	}
	c := &vfs.Context{Creds: tg.credsLocked().FSCreds(), Root: tg.root}
	tg.fsctx.Store(c)
	return c
}

// FSContext is the context of t's process (see ThreadGroup.FSContext).
func (t *Task) FSContext() *vfs.Context { return t.tg.FSContext() }

// WorkingDir returns the working directory; nil stands for the root.
func (tg *ThreadGroup) WorkingDir() *vfs.Dentry {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.cwd
}

// SetWorkingDir changes the working directory (chdir(2), fchdir(2)); the
// caller has checked that d is a directory it may enter.
func (tg *ThreadGroup) SetWorkingDir(d *vfs.Dentry) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.cwd = d
}

// RootDir returns the process's root; nil stands for the namespace's.
func (tg *ThreadGroup) RootDir() *vfs.Dentry {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.root
}

// Chroot makes d the process's root (chroot(2)); the caller has resolved
// d as a directory it may enter. It needs CAP_SYS_CHROOT (EPERM
// otherwise). The working directory stays where it is, possibly outside
// the new root, as on Linux.
func (tg *ThreadGroup) Chroot(d *vfs.Dentry) error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if !tg.fsContextLocked().Creds.Capable(vfs.CapSysChroot) {
		return kerr.EPERM
	}
	tg.root = d
	tg.fsctx.Store(nil)
	return nil
}

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
