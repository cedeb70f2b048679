package vfs_test

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
)

// TestStatfs checks that statfs reports the filesystem a path is on, by
// its type name, with the flags of the mount it is reached through.
func TestStatfs(t *testing.T) {
	root := tmpfs.New(0o755, 0, 0)
	v := vfs.New(root, vfs.MountOptions{Flags: fs.MountRelAtime})
	ctx := &vfs.Context{Creds: vfs.Root}
	for _, p := range []string{"/ro", "/sys", "/ro/sub"} {
		if err := v.Mkdir(ctx, nil, p, 0o755); err != nil {
			t.Fatalf("mkdir %s: %v", p, err)
		}
	}
	ro := tmpfs.New(0o755, 0, 0)
	if err := v.Mount(ctx, nil, "/ro", ro, vfs.MountOptions{ReadOnly: true, Flags: fs.MountNoSuid | fs.MountNoDev}); err != nil {
		t.Fatal(err)
	}
	if err := v.Mount(ctx, nil, "/sys", tmpfs.New(0o555, 0, 0).Named("sysfs"), vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path      string
		wantType  string
		wantFlags fs.MountFlags
	}{
		{"/", "tmpfs", fs.MountRelAtime},
		{"/ro", "tmpfs", fs.MountReadOnly | fs.MountNoSuid | fs.MountNoDev},
		{"/sys", "sysfs", 0},
		{"/sys/..", "tmpfs", fs.MountRelAtime},
	} {
		t.Run(c.path, func(t *testing.T) {
			s, err := v.Statfs(ctx, nil, c.path, 0)
			if err != nil {
				t.Fatalf("Statfs(%q): %v", c.path, err)
			}
			if s.Type != c.wantType || s.Flags != c.wantFlags {
				t.Errorf("Statfs(%q) = type %q flags %#x, want %q %#x", c.path, s.Type, s.Flags, c.wantType, c.wantFlags)
			}
			if s.Bsize != 4096 || s.Namelen != vfs.NameMax || s.Blocks == 0 || s.Bfree > s.Blocks {
				t.Errorf("Statfs(%q) = %+v: want 4 KiB blocks, NAME_MAX names and a capacity", c.path, s)
			}
		})
	}
	if _, err := v.Statfs(ctx, nil, "/none", 0); err == nil {
		t.Error("Statfs of a missing path succeeded")
	}
}

// TestTmpfsStatfsUsage checks that a tmpfs counts the pages and inodes
// it holds, each hard-linked inode once.
func TestTmpfsStatfsUsage(t *testing.T) {
	root := tmpfs.New(0o755, 0, 0)
	v := vfs.New(root, vfs.MountOptions{})
	ctx := &vfs.Context{Creds: vfs.Root}
	before, err := root.Statfs()
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := v.OpenAt(ctx, nil, "/f", fs.OpenFlags{Write: true, Create: true, Mode: 0o644}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 3*4096)); err != nil {
		t.Fatal(err)
	}
	if err := v.Link(ctx, nil, "/f", nil, "/g", 0); err != nil {
		t.Fatal(err)
	}
	after, err := root.Statfs()
	if err != nil {
		t.Fatal(err)
	}
	if used := before.Bfree - after.Bfree; used != 3 {
		t.Errorf("blocks used by a 12 KiB file = %d, want 3", used)
	}
	if used := before.Ffree - after.Ffree; used != 1 {
		t.Errorf("inodes used by a file with two links = %d, want 1", used)
	}
}
