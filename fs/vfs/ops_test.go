package vfs_test

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

func errName(err error) string {
	if err == nil {
		return ""
	}
	return err.(kerr.Error).Name()
}

func stat(t *testing.T, v *vfs.VFS, p string) fs.Stat {
	t.Helper()
	st, err := v.Stat(root, nil, p, vfs.AtNoFollow)
	must(t, err)
	return st
}

func TestCreateFlags(t *testing.T) {
	v := newTree(t)
	cases := []struct {
		name  string
		path  string
		flags fs.OpenFlags
		want  string
	}{
		{"create new", "/new", fs.OpenFlags{Write: true, Create: true}, ""},
		{"excl existing", "/top", fs.OpenFlags{Write: true, Create: true, Exclusive: true}, "EEXIST"},
		{"excl on symlink", "/dangling", fs.OpenFlags{Write: true, Create: true, Exclusive: true}, "EEXIST"},
		{"creat through dangling link", "/dangling", fs.OpenFlags{Write: true, Create: true}, ""},
		{"creat on dir", "/dir", fs.OpenFlags{Read: true, Create: true}, "EISDIR"},
		{"creat trailing slash", "/newdir/", fs.OpenFlags{Write: true, Create: true}, "EISDIR"},
		{"creat missing parent", "/nope/x", fs.OpenFlags{Write: true, Create: true}, "ENOENT"},
		{"creat with O_DIRECTORY", "/x", fs.OpenFlags{Create: true, Directory: true}, "EINVAL"},
		{"creat nofollow link", "/abs-link", fs.OpenFlags{Write: true, Create: true, NoFollow: true}, "ELOOP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.flags.Mode = 0o600
			f, _, err := v.OpenAt(root, nil, c.path, c.flags, 0)
			if errName(err) != c.want {
				t.Fatalf("OpenAt(%q) = %v, want %q", c.path, err, c.want)
			}
			if f != nil {
				f.Close()
			}
		})
	}
	if st := stat(t, v, "/nowhere"); st.Mode != fs.ModeRegular|0o600 {
		t.Errorf("file created through the dangling link: mode %o", st.Mode)
	}
}

func TestTruncAppendSparse(t *testing.T) {
	v := newTree(t)
	write(t, v, "/f", "0123456789")
	f, _, err := v.OpenAt(root, nil, "/f", fs.OpenFlags{Write: true, Append: true}, 0)
	must(t, err)
	f.Seek(0, 0)
	f.Write([]byte("ab"))
	f.Close()
	f, _, _ = v.OpenAt(root, nil, "/f", fs.OpenFlags{Read: true}, 0)
	if got := read(t, f); got != "0123456789ab" {
		t.Errorf("after O_APPEND: %q", got)
	}
	// Sparse: a write far away leaves a hole that reads as zeros and
	// takes no blocks.
	f, _, _ = v.OpenAt(root, nil, "/f", fs.OpenFlags{Write: true}, 0)
	f.WriteAt([]byte("Z"), 1<<20)
	f.Close()
	st := stat(t, v, "/f")
	if st.Size != 1<<20+1 || st.Blocks != 16 {
		t.Errorf("sparse file: size %d blocks %d, want %d and 16", st.Size, st.Blocks, 1<<20+1)
	}
	f, _, _ = v.OpenAt(root, nil, "/f", fs.OpenFlags{Read: true}, 0)
	buf := make([]byte, 8)
	n, _ := f.ReadAt(buf, 100000)
	if n != 8 || string(buf) != "\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("hole read %d %q", n, buf)
	}
	if off, err := f.Seek(0, 4); off != 4096 || err != nil { // SEEK_HOLE
		t.Errorf("SEEK_HOLE = %d, %v", off, err)
	}
	if off, _ := f.Seek(4096, 3); off != 1<<20 { // SEEK_DATA
		t.Errorf("SEEK_DATA = %d", off)
	}
	f.Close()
	// Truncate down then up: the old bytes do not come back.
	must(t, v.Truncate(root, nil, "/f", 3))
	must(t, v.Truncate(root, nil, "/f", 6))
	f, _, _ = v.OpenAt(root, nil, "/f", fs.OpenFlags{Read: true}, 0)
	if got := read(t, f); got != "012\x00\x00\x00" {
		t.Errorf("after truncate: %q", got)
	}
	f.Close()
	// O_TRUNC empties and bumps mtime.
	f, _, _ = v.OpenAt(root, nil, "/f", fs.OpenFlags{Write: true, Truncate: true}, 0)
	f.Close()
	if st := stat(t, v, "/f"); st.Size != 0 {
		t.Errorf("after O_TRUNC: size %d", st.Size)
	}
	if err := v.Truncate(root, nil, "/dir", 0); err != kerr.EISDIR {
		t.Errorf("truncate dir: %v", err)
	}
}

func TestLinkCounts(t *testing.T) {
	v := newTree(t)
	write(t, v, "/a", "x")
	must(t, v.Link(root, nil, "/a", nil, "/dir/b", vfs.AtNoFollow))
	if st := stat(t, v, "/a"); st.Nlink != 2 {
		t.Errorf("nlink after link = %d", st.Nlink)
	}
	if a, b := stat(t, v, "/a"), stat(t, v, "/dir/b"); a.Ino != b.Ino {
		t.Error("links have different inodes")
	}
	must(t, v.Unlink(root, nil, "/a"))
	if st := stat(t, v, "/dir/b"); st.Nlink != 1 {
		t.Errorf("nlink after unlink = %d", st.Nlink)
	}
	before := stat(t, v, "/dir").Nlink
	must(t, v.Mkdir(root, nil, "/dir/new", 0o755))
	if got := stat(t, v, "/dir").Nlink; got != before+1 {
		t.Errorf("parent nlink after mkdir = %d, want %d", got, before+1)
	}
	if st := stat(t, v, "/dir/new"); st.Nlink != 2 {
		t.Errorf("new dir nlink = %d", st.Nlink)
	}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"link dir", v.Link(root, nil, "/dir", nil, "/d2", 0), "EPERM"},
		{"link exists", v.Link(root, nil, "/top", nil, "/dir/b", 0), "EEXIST"},
		{"link across mounts", v.Link(root, nil, "/top", nil, "/mnt/t", 0), "EXDEV"},
		{"unlink dir", v.Unlink(root, nil, "/dir"), "EISDIR"},
		{"unlink trailing slash", v.Unlink(root, nil, "/top/"), "ENOTDIR"},
		{"rmdir file", v.Rmdir(root, nil, "/top"), "ENOTDIR"},
		{"rmdir non-empty", v.Rmdir(root, nil, "/dir"), "ENOTEMPTY"},
		{"rmdir dot", v.Rmdir(root, nil, "/dir/new/."), "EINVAL"},
		{"rmdir root", v.Rmdir(root, nil, "/"), "EBUSY"},
		{"rmdir dotdot", v.Rmdir(root, nil, "/mnt/.."), "ENOTEMPTY"},
		{"rmdir mount point", v.Rmdir(root, nil, "/mnt"), "EBUSY"},
		{"rename mount point", v.Rename(root, nil, "/mnt", nil, "/mnt2", 0), "EBUSY"},
		{"mkdir exists", v.Mkdir(root, nil, "/dir", 0o755), "EEXIST"},
		{"mkdir trailing slash", v.Mkdir(root, nil, "/dir/x/", 0o755), ""},
		{"symlink trailing slash", v.Symlink(root, "x", nil, "/dir/y/"), "ENOENT"},
		{"symlink empty target", v.Symlink(root, "", nil, "/dir/y"), "ENOENT"},
	} {
		if errName(c.err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.want)
		}
	}
	must(t, v.Rmdir(root, nil, "/dir/new"))
	if got := stat(t, v, "/dir").Nlink; got != before+1 { // x/ remains
		t.Errorf("parent nlink after rmdir = %d, want %d", got, before+1)
	}
}

func TestRename(t *testing.T) {
	cases := []struct {
		name     string
		old, new string
		flags    vfs.RenameFlags
		want     string
		check    func(t *testing.T, v *vfs.VFS)
	}{
		{"file over file", "/f1", "/f2", 0, "", func(t *testing.T, v *vfs.VFS) {
			f, _, err := v.OpenAt(root, nil, "/f2", fs.OpenFlags{Read: true}, 0)
			must(t, err)
			if got := read(t, f); got != "one" {
				t.Errorf("/f2 = %q", got)
			}
			if _, err := v.Stat(root, nil, "/f1", 0); err != kerr.ENOENT {
				t.Errorf("/f1 still there: %v", err)
			}
		}},
		{"noreplace", "/f1", "/f2", vfs.RenameNoReplace, "EEXIST", nil},
		{"noreplace free", "/f1", "/f3", vfs.RenameNoReplace, "", nil},
		{"exchange", "/f1", "/d1", vfs.RenameExchange, "", func(t *testing.T, v *vfs.VFS) {
			if st := stat(t, v, "/f1"); st.Mode&fs.ModeTypeMask != fs.ModeDir {
				t.Error("/f1 is not the directory after exchange")
			}
			if _, err := v.Stat(root, nil, "/f1/in", 0); err != nil {
				t.Errorf("/f1/in: %v", err)
			}
		}},
		{"exchange missing", "/f1", "/none", vfs.RenameExchange, "ENOENT", nil},
		{"both flags", "/f1", "/f2", vfs.RenameExchange | vfs.RenameNoReplace, "EINVAL", nil},
		{"dir over file", "/d1", "/f1", 0, "ENOTDIR", nil},
		{"file over dir", "/f1", "/empty", 0, "EISDIR", nil},
		{"dir over empty dir", "/d1", "/empty", 0, "", nil},
		{"dir over full dir", "/empty", "/d1", 0, "ENOTEMPTY", nil},
		{"dir into itself", "/d1", "/d1/in2", 0, "EINVAL", nil},
		{"across mounts", "/f1", "/mnt/f1", 0, "EXDEV", nil},
		{"missing", "/nope", "/x", 0, "ENOENT", nil},
		{"dot", "/d1/.", "/x", 0, "EBUSY", nil},
		{"file with slash", "/f1/", "/x", 0, "ENOTDIR", nil},
		{"hard links to one file", "/f1", "/f1link", 0, "", func(t *testing.T, v *vfs.VFS) {
			if _, err := v.Stat(root, nil, "/f1", 0); err != nil {
				t.Errorf("rename between links removed /f1: %v", err)
			}
		}},
		{"dir to new parent keeps nlink", "/d1", "/empty/moved", 0, "", func(t *testing.T, v *vfs.VFS) {
			if st := stat(t, v, "/empty"); st.Nlink != 3 {
				t.Errorf("new parent nlink %d, want 3", st.Nlink)
			}
			if _, err := v.Stat(root, nil, "/empty/moved/in", 0); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newTree(t)
			write(t, v, "/f1", "one")
			write(t, v, "/f2", "two")
			must(t, v.Link(root, nil, "/f1", nil, "/f1link", 0))
			must(t, v.Mkdir(root, nil, "/d1", 0o755))
			write(t, v, "/d1/in", "")
			must(t, v.Mkdir(root, nil, "/empty", 0o755))
			err := v.Rename(root, nil, c.old, nil, c.new, c.flags)
			if errName(err) != c.want {
				t.Fatalf("Rename(%q, %q) = %v, want %q", c.old, c.new, err, c.want)
			}
			if c.check != nil {
				c.check(t, v)
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	user := &vfs.Context{Creds: &vfs.Creds{UID: 1000, GID: 1000}}
	other := &vfs.Context{Creds: &vfs.Creds{UID: 1001, GID: 1001}}
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	must(t, v.Mkdir(root, nil, "/tmp", 0o1777))
	must(t, v.Mkdir(root, nil, "/private", 0o700))
	write(t, v, "/private/secret", "s")
	write(t, v, "/rootfile", "r")
	must(t, v.Chmod(root, nil, "/rootfile", 0o644, 0))
	f, _, err := v.OpenAt(user, nil, "/tmp/mine", fs.OpenFlags{Write: true, Create: true, Mode: 0o600}, 0)
	must(t, err)
	f.Close()
	write(t, v, "/noexec", "#!")
	must(t, v.Chmod(root, nil, "/noexec", 0o644, 0))
	cases := []struct {
		name string
		ctx  *vfs.Context
		op   func(ctx *vfs.Context) error
		want string
	}{
		{"root reads 0700 dir", root, func(c *vfs.Context) error { _, err := v.Stat(c, nil, "/private/secret", 0); return err }, ""},
		{"user can't search 0700 dir", user, func(c *vfs.Context) error { _, err := v.Stat(c, nil, "/private/secret", 0); return err }, "EACCES"},
		{"user reads 0644", user, func(c *vfs.Context) error { return v.Access(c, nil, "/rootfile", vfs.MayRead, 0) }, ""},
		{"user can't write 0644", user, func(c *vfs.Context) error {
			_, _, err := v.OpenAt(c, nil, "/rootfile", fs.OpenFlags{Write: true}, 0)
			return err
		}, "EACCES"},
		{"user can't create in /", user, func(c *vfs.Context) error { return v.Mkdir(c, nil, "/x", 0o755) }, "EACCES"},
		{"mkdir existing beats EACCES", user, func(c *vfs.Context) error { return v.Mkdir(c, nil, "/tmp", 0o755) }, "EEXIST"},
		{"root can't exec without x", root, func(c *vfs.Context) error { return v.Access(c, nil, "/noexec", vfs.MayExec, 0) }, "EACCES"},
		{"root writes anything", root, func(c *vfs.Context) error { return v.Access(c, nil, "/tmp/mine", vfs.MayWrite, 0) }, ""},
		{"sticky: other can't unlink", other, func(c *vfs.Context) error { return v.Unlink(c, nil, "/tmp/mine") }, "EPERM"},
		{"sticky: other can't rename", other, func(c *vfs.Context) error { return v.Rename(c, nil, "/tmp/mine", nil, "/tmp/x", 0) }, "EPERM"},
		{"other can't chmod", other, func(c *vfs.Context) error { return v.Chmod(c, nil, "/tmp/mine", 0o777, 0) }, "EPERM"},
		{"user can't give away", user, func(c *vfs.Context) error { return v.Chown(c, nil, "/tmp/mine", 1001, vfs.NoID, 0) }, "EPERM"},
		{"user can't chgrp to foreign group", user, func(c *vfs.Context) error { return v.Chown(c, nil, "/tmp/mine", vfs.NoID, 5, 0) }, "EPERM"},
		{"other can't set explicit times", other, func(c *vfs.Context) error {
			return v.Utimens(c, nil, "/tmp/mine", vfs.SetAttr{Mask: vfs.AttrMtime}, 0)
		}, "EPERM"},
		{"other can't touch without write", other, func(c *vfs.Context) error {
			return v.Utimens(c, nil, "/tmp/mine", vfs.SetAttr{Mask: vfs.AttrAtimeNow | vfs.AttrMtimeNow}, 0)
		}, "EACCES"},
		{"other can't hard link", other, func(c *vfs.Context) error { return v.Link(c, nil, "/tmp/mine", nil, "/tmp/l", 0) }, "EPERM"},
		{"owner chmods", user, func(c *vfs.Context) error { return v.Chmod(c, nil, "/tmp/mine", 0o640, 0) }, ""},
		{"owner unlinks in sticky dir", user, func(c *vfs.Context) error { return v.Unlink(c, nil, "/tmp/mine") }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errName(c.op(c.ctx)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestChownClearsSetID(t *testing.T) {
	v := newTree(t)
	write(t, v, "/s", "")
	must(t, v.Chmod(root, nil, "/s", 0o6755, 0))
	must(t, v.Chown(root, nil, "/s", 5, 5, 0))
	if st := stat(t, v, "/s"); st.Mode&0o7777 != 0o755 || st.UID != 5 || st.GID != 5 {
		t.Errorf("after chown: mode %o uid %d gid %d", st.Mode&0o7777, st.UID, st.GID)
	}
}

func TestReadOnlyMount(t *testing.T) {
	v := newTree(t)
	must(t, v.Mkdir(root, nil, "/ro", 0o755))
	fsys := tmpfs.New(0o755, 0, 0)
	must(t, v.Mount(root, nil, "/ro", fsys, vfs.MountOptions{ReadOnly: true}))
	for _, c := range []struct {
		name string
		err  error
	}{
		{"mkdir", v.Mkdir(root, nil, "/ro/x", 0o755)},
		{"create", func() error {
			_, _, err := v.OpenAt(root, nil, "/ro/f", fs.OpenFlags{Write: true, Create: true}, 0)
			return err
		}()},
		{"chmod", v.Chmod(root, nil, "/ro", 0o700, 0)},
		{"access W", v.Access(root, nil, "/ro", vfs.MayWrite, 0)},
	} {
		if c.err != kerr.EROFS {
			t.Errorf("%s on a read-only mount: %v, want EROFS", c.name, c.err)
		}
	}
}

func TestReadDirStableOffsets(t *testing.T) {
	v := newTree(t)
	must(t, v.Mkdir(root, nil, "/d", 0o755))
	for _, n := range []string{"a", "b", "c", "d"} {
		write(t, v, "/d/"+n, "")
	}
	f, _, err := v.OpenAt(root, nil, "/d", fs.OpenFlags{Read: true, Directory: true}, 0)
	must(t, err)
	dr := f.(fs.DirReader)
	var got []string
	take := 3 // ".", "..", "a"
	dr.ReadDir(func(e fs.Dirent) bool {
		if take == 0 {
			return false
		}
		take--
		got = append(got, e.Name)
		return true
	})
	// Remove one already read and one not yet; add one.
	must(t, v.Unlink(root, nil, "/d/a"))
	must(t, v.Unlink(root, nil, "/d/c"))
	write(t, v, "/d/e", "")
	dr.ReadDir(func(e fs.Dirent) bool { got = append(got, e.Name); return true })
	want := []string{".", "..", "a", "b", "d", "e"}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entries %q, want %q", got, want)
		}
	}
}

func TestXattrs(t *testing.T) {
	v := newTree(t)
	user := &vfs.Context{Creds: &vfs.Creds{UID: 1000, GID: 1000}}
	must(t, v.Setxattr(root, nil, "/top", "user.a", []byte("1"), 0, 0))
	if err := v.Setxattr(root, nil, "/top", "user.a", []byte("2"), vfs.XattrCreate, 0); err != kerr.EEXIST {
		t.Errorf("XATTR_CREATE on existing: %v", err)
	}
	if err := v.Setxattr(root, nil, "/top", "user.b", nil, vfs.XattrReplace, 0); err != kerr.ENODATA {
		t.Errorf("XATTR_REPLACE on missing: %v", err)
	}
	if err := v.Setxattr(root, nil, "/top", "security.x", nil, 0, 0); err != kerr.EOPNOTSUPP {
		t.Errorf("security.*: %v", err)
	}
	if err := v.Setxattr(root, nil, "/abs-link", "user.a", nil, 0, vfs.AtNoFollow); err != kerr.EPERM {
		t.Errorf("user.* on a symlink: %v", err)
	}
	if err := v.Setxattr(user, nil, "/top", "user.c", nil, 0, 0); err != kerr.EACCES {
		t.Errorf("user.* without write permission: %v", err)
	}
	val, err := v.Getxattr(user, nil, "/top", "user.a", 0)
	if err != nil || string(val) != "1" {
		t.Errorf("Getxattr = %q, %v", val, err)
	}
	must(t, v.Setxattr(root, nil, "/top", "trusted.t", []byte("x"), 0, 0))
	names, _ := v.Listxattr(user, nil, "/top", 0)
	if len(names) != 1 || names[0] != "user.a" {
		t.Errorf("Listxattr as user = %q", names)
	}
	must(t, v.Removexattr(root, nil, "/top", "user.a", 0))
	if _, err := v.Getxattr(root, nil, "/top", "user.a", 0); err != kerr.ENODATA {
		t.Errorf("after remove: %v", err)
	}
}

func TestTmpfileAndNodes(t *testing.T) {
	v := newTree(t)
	f, d, err := v.OpenTmpfile(root, nil, "/dir", fs.OpenFlags{Read: true, Write: true, Mode: 0o600}, 0)
	must(t, err)
	f.Write([]byte("anon"))
	if st, _ := f.Stat(); st.Nlink != 0 {
		t.Errorf("tmpfile nlink %d", st.Nlink)
	}
	must(t, v.Link(root, d, "", nil, "/named", vfs.AtEmptyPath))
	g, _, err := v.OpenAt(root, nil, "/named", fs.OpenFlags{Read: true}, 0)
	must(t, err)
	if got := read(t, g); got != "anon" {
		t.Errorf("linked tmpfile reads %q", got)
	}
	// A character node for /dev/null's number opens the kernel device.
	must(t, v.Mknod(root, nil, "/null", fs.ModeChar|0o666, 1<<8|3))
	n, _, err := v.OpenAt(root, nil, "/null", fs.OpenFlags{Write: true}, 0)
	must(t, err)
	if k, err := n.Write([]byte("gone")); k != 4 || err != nil {
		t.Errorf("write to null node: %d %v", k, err)
	}
	if st, _ := n.Stat(); st.Rdev != 1<<8|3 {
		t.Errorf("null node rdev %#x", st.Rdev)
	}
	user := &vfs.Context{Creds: &vfs.Creds{UID: 1000, GID: 1000}}
	if err := v.Mknod(user, nil, "/dir/dev", fs.ModeChar|0o666, 1<<8|3); err != kerr.EPERM {
		t.Errorf("mknod of a device as a user: %v", err)
	}
	// A FIFO carries bytes from a writer to a reader.
	must(t, v.Mknod(root, nil, "/fifo", fs.ModeFIFO|0o644, 0))
	if _, _, err := v.OpenAt(root, nil, "/fifo", fs.OpenFlags{Write: true, Nonblock: true}, 0); err != kerr.ENXIO {
		t.Errorf("non-blocking write open without reader: %v", err)
	}
	r, _, err := v.OpenAt(root, nil, "/fifo", fs.OpenFlags{Read: true, Nonblock: true}, 0)
	must(t, err)
	w, _, err := v.OpenAt(root, nil, "/fifo", fs.OpenFlags{Write: true}, 0)
	must(t, err)
	w.Write([]byte("piped"))
	w.Close()
	if got := read(t, r); got != "piped" {
		t.Errorf("fifo read %q", got)
	}
	if _, ok := r.(fs.Pollable); !ok {
		t.Error("fifo end is not pollable")
	}
}

func TestTimestamps(t *testing.T) {
	fsys := tmpfs.New(0o755, 0, 0)
	now := int64(1000)
	fsys.Now = func() fs.Timespec { return fs.Timespec{Sec: now} }
	v := vfs.New(fsys, vfs.MountOptions{})
	write(t, v, "/f", "x")
	now = 2000
	write(t, v, "/f", "y") // O_TRUNC and a write
	if st := stat(t, v, "/f"); st.Mtime.Sec != 2000 || st.Ctime.Sec != 2000 {
		t.Errorf("after write: mtime %d ctime %d", st.Mtime.Sec, st.Ctime.Sec)
	}
	now = 3000
	must(t, v.Chmod(root, nil, "/f", 0o600, 0))
	if st := stat(t, v, "/f"); st.Mtime.Sec != 2000 || st.Ctime.Sec != 3000 {
		t.Errorf("after chmod: mtime %d ctime %d", st.Mtime.Sec, st.Ctime.Sec)
	}
	now = 4000
	must(t, v.Mkdir(root, nil, "/d", 0o755))
	if st := stat(t, v, "/"); st.Mtime.Sec != 4000 {
		t.Errorf("parent mtime after mkdir: %d", st.Mtime.Sec)
	}
	now = 5000
	f, _, _ := v.OpenAt(root, nil, "/f", fs.OpenFlags{Read: true}, 0)
	read(t, f)
	if st := stat(t, v, "/f"); st.Atime.Sec != 5000 {
		t.Errorf("atime after read: %d", st.Atime.Sec)
	}
	must(t, v.Utimens(root, nil, "/f", vfs.SetAttr{Mask: vfs.AttrMtime, Mtime: fs.Timespec{Sec: 42}}, 0))
	if st := stat(t, v, "/f"); st.Mtime.Sec != 42 || st.Atime.Sec != 5000 {
		t.Errorf("after utimens: mtime %d atime %d", st.Mtime.Sec, st.Atime.Sec)
	}
}
