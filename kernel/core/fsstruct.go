package core

import (
	"sync/atomic"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// FSStruct is a process's place in the file namespace, what Linux calls
// its fs_struct: the root directory (chroot(2)), the working directory
// and the file mode creation mask (umask(2)). The directories are held
// as dentries, so they follow renames.
//
// Processes made by clone(2) with CLONE_FS share one FSStruct, so a
// chdir, chroot or umask by any of them is seen by all; fork(2), vfork(2)
// and clone without CLONE_FS give the child a copy, and
// unshare(CLONE_FS) gives the caller one (see clone(2) and unshare(2)).
// runos keeps the pointer on the ThreadGroup, not on each thread as
// Linux does: the threads of a process always share their FSStruct
// (clone refuses a thread without CLONE_FS, and UnshareFS a process
// with several threads).
//
// Each field is replaced as a whole, so the fields are atomics and the
// struct has no lock: readers on the hot path (every file syscall)
// take no lock at all.
type FSStruct struct {
	// users counts the thread groups that share it; a process alone
	// with its FSStruct need not copy it to unshare it.
	users atomic.Int32
	// cwd and root are nil for the namespace's root.
	cwd, root atomic.Pointer[vfs.Dentry]
	umask     atomic.Uint32
}

// newFSStruct returns an FSStruct at the namespace's root with mask
// umask, used by one thread group.
func newFSStruct(umask uint32) *FSStruct {
	f := &FSStruct{}
	f.users.Store(1)
	f.umask.Store(umask & 0o777)
	return f
}

// copy returns a private copy of f, as fork(2) makes (Linux's
// copy_fs_struct).
func (f *FSStruct) copy() *FSStruct {
	c := newFSStruct(f.umask.Load())
	c.cwd.Store(f.cwd.Load())
	c.root.Store(f.root.Load())
	return c
}

// Shared reports whether another process shares f (CLONE_FS).
func (f *FSStruct) Shared() bool { return f.users.Load() > 1 }

// FS returns the process's FSStruct.
func (tg *ThreadGroup) FS() *FSStruct { return tg.fs.Load() }

// forkFS returns the FSStruct a child of tg starts with: tg's own,
// shared, with CLONE_FS; a copy otherwise.
func (tg *ThreadGroup) forkFS(share bool) *FSStruct {
	f := tg.fs.Load()
	if !share {
		return f.copy()
	}
	f.users.Add(1)
	return f
}

// releaseFS drops tg's use of its FSStruct when the process ends. The
// pointer stays, so /proc/pid of a zombie still names its directories.
func (tg *ThreadGroup) releaseFS() { tg.fs.Load().users.Add(-1) }

// UnshareFS gives t's process a private copy of its FSStruct if other
// processes share it (unshare(2), CLONE_FS). Linux gives the calling
// thread alone a copy; runos's threads always share theirs, so in a
// process with several threads it fails with EINVAL rather than
// unsharing for all of them.
func (t *Task) UnshareFS() error {
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if len(tg.tasks) > 1 {
		return kerr.EINVAL
	}
	old := tg.fs.Load()
	if !old.Shared() {
		return nil
	}
	tg.fs.Store(old.copy())
	old.users.Add(-1)
	return nil
}
