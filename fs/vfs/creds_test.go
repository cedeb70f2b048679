package vfs_test

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// TestCapabilities checks that the bypasses come from the capabilities in
// the context, not from uid 0: uid 0 without capabilities is an ordinary
// user, and each capability lifts only its own check (capabilities(7)).
func TestCapabilities(t *testing.T) {
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	must(t, v.Mkdir(root, nil, "/private", 0o700))
	write(t, v, "/private/secret", "s")
	must(t, v.Chmod(root, nil, "/private/secret", 0o600, 0))
	must(t, v.Mkdir(root, nil, "/tmp", 0o1777))
	write(t, v, "/tmp/theirs", "t")
	must(t, v.Chown(root, nil, "/tmp/theirs", 2000, 2000, 0))
	write(t, v, "/owned", "o")
	must(t, v.Chown(root, nil, "/owned", 2000, 2000, 0))

	caps := func(uid uint32, c vfs.Caps) *vfs.Context {
		return &vfs.Context{Creds: &vfs.Creds{UID: uid, GID: uid, Caps: c}}
	}
	cases := []struct {
		name string
		ctx  *vfs.Context
		op   func(ctx *vfs.Context) error
		want error
	}{
		{"uid 0 without caps reads 0600 of uid 0", caps(0, 0), func(c *vfs.Context) error {
			_, err := v.Stat(c, nil, "/private/secret", 0)
			return err
		}, nil},
		{"uid 1 without caps cannot search 0700", caps(1, 0), func(c *vfs.Context) error {
			_, err := v.Stat(c, nil, "/private/secret", 0)
			return err
		}, kerr.EACCES},
		{"dac_read_search searches and reads", caps(1, vfs.CapDacReadSearch), func(c *vfs.Context) error {
			f, _, err := v.OpenAt(c, nil, "/private/secret", fs.OpenFlags{Read: true}, 0)
			if err == nil {
				f.Close()
			}
			return err
		}, nil},
		{"dac_read_search does not write", caps(1, vfs.CapDacReadSearch), func(c *vfs.Context) error {
			_, _, err := v.OpenAt(c, nil, "/private/secret", fs.OpenFlags{Write: true}, 0)
			return err
		}, kerr.EACCES},
		{"dac_override writes", caps(1, vfs.CapDacOverride), func(c *vfs.Context) error {
			f, _, err := v.OpenAt(c, nil, "/private/secret", fs.OpenFlags{Write: true}, 0)
			if err == nil {
				f.Close()
			}
			return err
		}, nil},
		{"chown without cap_chown", caps(2000, vfs.CapFowner), func(c *vfs.Context) error {
			return v.Chown(c, nil, "/owned", 1, vfs.NoID, 0)
		}, kerr.EPERM},
		{"chown with cap_chown", caps(5, vfs.CapChown), func(c *vfs.Context) error {
			return v.Chown(c, nil, "/owned", 2001, vfs.NoID, 0)
		}, nil},
		{"chmod of another's file", caps(5, 0), func(c *vfs.Context) error {
			return v.Chmod(c, nil, "/owned", 0o600, 0)
		}, kerr.EPERM},
		{"chmod with cap_fowner", caps(5, vfs.CapFowner), func(c *vfs.Context) error {
			return v.Chmod(c, nil, "/owned", 0o644, 0)
		}, nil},
		{"sticky unlink of another's file", caps(5, 0), func(c *vfs.Context) error {
			return v.Unlink(c, nil, "/tmp/theirs")
		}, kerr.EPERM},
		{"mknod device without cap_mknod", caps(0, vfs.FileCaps&^vfs.CapMknod), func(c *vfs.Context) error {
			return v.Mknod(c, nil, "/dev0", fs.ModeChar|0o600, 0x0103)
		}, kerr.EPERM},
		{"chdir into 0700 of another", caps(5, 0), func(c *vfs.Context) error {
			_, err := v.Chdir(c, nil, "/private", 0)
			return err
		}, kerr.EACCES},
		{"chdir into a file", root, func(c *vfs.Context) error {
			_, err := v.Chdir(c, nil, "/owned", 0)
			return err
		}, kerr.ENOTDIR},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.op(c.ctx); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestDentryFollowsRenames checks what the syscall layer relies on for
// descriptors and working directories: a dentry stays the same file
// across renames of it and its parents, AtEmptyPath acts on it even after
// it is removed, and a removed directory takes no new names.
func TestDentryFollowsRenames(t *testing.T) {
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	must(t, v.Mkdir(root, nil, "/a", 0o755))
	must(t, v.Mkdir(root, nil, "/a/dir", 0o755))
	write(t, v, "/a/dir/file", "x")
	dir, err := v.Chdir(root, nil, "/a/dir", 0)
	must(t, err)
	file, err := v.Lookup(root, dir, "file", 0)
	must(t, err)

	must(t, v.Rename(root, nil, "/a", nil, "/b", 0))
	must(t, v.Rename(root, dir, "file", dir, "renamed", 0))
	if got := v.PathOf(root, dir); got != "/b/dir" {
		t.Errorf("PathOf(dir) after renaming its parent = %q, want /b/dir", got)
	}
	if got := v.PathOf(root, file); got != "/b/dir/renamed" {
		t.Errorf("PathOf(file) after rename = %q, want /b/dir/renamed", got)
	}
	must(t, v.Chmod(root, file, "", 0o600, vfs.AtEmptyPath))
	st, err := v.Stat(root, nil, "/b/dir/renamed", 0)
	must(t, err)
	if st.Mode&0o7777 != 0o600 {
		t.Errorf("mode after chmod through the dentry = %o, want 600", st.Mode&0o7777)
	}
	must(t, v.Mkdir(root, dir, "sub", 0o755))
	if _, err := v.Stat(root, nil, "/b/dir/sub", 0); err != nil {
		t.Errorf("mkdir relative to a moved dentry: %v", err)
	}

	must(t, v.Unlink(root, dir, "renamed"))
	must(t, v.Chmod(root, file, "", 0o640, vfs.AtEmptyPath))
	if st, err := v.Stat(root, file, "", vfs.AtEmptyPath); err != nil || st.Mode&0o7777 != 0o640 || st.Nlink != 0 {
		t.Errorf("stat of the removed file = %o nlink %d, %v; want 640 nlink 0", st.Mode&0o7777, st.Nlink, err)
	}
	must(t, v.Rmdir(root, dir, "sub"))
	must(t, v.Rmdir(root, nil, "/b/dir"))
	if !dir.Deleted() {
		t.Error("a removed directory's dentry is not marked deleted")
	}
	if err := v.Mkdir(root, dir, "late", 0o755); err != kerr.ENOENT {
		t.Errorf("mkdir in a removed directory: %v, want ENOENT", err)
	}
}
