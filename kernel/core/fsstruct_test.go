package core

import (
	"testing"

	"github.com/runos-project/runos/fs/vfs"
)

// TestFSStructSharing checks what a child made with and without CLONE_FS
// shares with its parent, and that UnshareFS takes a shared one apart.
func TestFSStructSharing(t *testing.T) {
	changes := []struct {
		name   string
		change func(tg *ThreadGroup, d *vfs.Dentry)
		seen   func(tg *ThreadGroup, d *vfs.Dentry) bool
	}{
		{"chdir",
			func(tg *ThreadGroup, d *vfs.Dentry) { tg.SetWorkingDir(d) },
			func(tg *ThreadGroup, d *vfs.Dentry) bool { return tg.WorkingDir() == d }},
		{"umask",
			func(tg *ThreadGroup, _ *vfs.Dentry) { tg.SetUmask(0o077) },
			func(tg *ThreadGroup, _ *vfs.Dentry) bool { return tg.Umask() == 0o077 }},
		{"chroot",
			func(tg *ThreadGroup, d *vfs.Dentry) {
				if err := tg.Chroot(d); err != nil {
					panic(err)
				}
			},
			// The cached context of the other process follows too.
			func(tg *ThreadGroup, d *vfs.Dentry) bool { return tg.RootDir() == d && tg.FSContext().Root == d }},
	}
	modes := []struct {
		name            string
		share, unshare  bool
		wantParentSeen  bool
		wantChildShared bool
	}{
		{"fork", false, false, false, false},
		{"CLONE_FS", true, false, true, true},
		{"CLONE_FS then unshare", true, true, false, false},
	}
	for _, m := range modes {
		for _, c := range changes {
			t.Run(m.name+"/"+c.name, func(t *testing.T) {
				k := NewKernel(Config{})
				parent := NewTestTask(k, nil, nil)
				parent.tg.FSContext() // cache a context to be invalidated
				child, err := parent.Fork(ForkOptions{ShareVM: true, ShareFS: m.share})
				if err != nil {
					t.Fatal(err)
				}
				if m.unshare {
					if err := child.UnshareFS(); err != nil {
						t.Fatal(err)
					}
				}
				if got := child.tg.FS().Shared(); got != m.wantChildShared {
					t.Errorf("child's FSStruct shared = %v, want %v", got, m.wantChildShared)
				}
				d := &vfs.Dentry{}
				c.change(child.tg, d)
				if !c.seen(child.tg, d) {
					t.Fatal("the child does not see its own change")
				}
				if got := c.seen(parent.tg, d); got != m.wantParentSeen {
					t.Errorf("parent sees the child's %s: %v, want %v", c.name, got, m.wantParentSeen)
				}
			})
		}
	}
}

// TestFSContextAllocFree checks that the context every file syscall asks
// for costs no allocation once built, and is rebuilt after a chroot by
// a process sharing the FSStruct.
func TestFSContextAllocFree(t *testing.T) {
	k := NewKernel(Config{})
	parent := NewTestTask(k, nil, nil)
	child, err := parent.Fork(ForkOptions{ShareVM: true, ShareFS: true})
	if err != nil {
		t.Fatal(err)
	}
	c := parent.FSContext()
	if n := testing.AllocsPerRun(100, func() { parent.FSContext() }); n != 0 {
		t.Errorf("FSContext allocates %v times a call", n)
	}
	d := &vfs.Dentry{}
	if err := child.tg.Chroot(d); err != nil {
		t.Fatal(err)
	}
	if c2 := parent.FSContext(); c2 == c || c2.Root != d {
		t.Errorf("after the sharer's chroot the parent's context has root %p, want %p (rebuilt)", c2.Root, d)
	}
}
