package host

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// bindTree makes SRC with a file, a directory and symlinks out of it,
// and OUTSIDE beside it with a secret.
func bindTree(t *testing.T) (src, outside string) {
	t.Helper()
	dir := t.TempDir()
	src, outside = filepath.Join(dir, "src"), filepath.Join(dir, "outside")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(src, 0o755))
	must(os.Mkdir(outside, 0o755))
	must(os.Mkdir(filepath.Join(src, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(src, "file"), []byte("hello\n"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret"), []byte("secret\n"), 0o644))
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(src, "abs")))
	must(os.Symlink("../outside/secret", filepath.Join(src, "rel")))
	must(os.Symlink("/proc/self/root"+outside, filepath.Join(src, "proc")))
	return src, outside
}

func lookupPath(t *testing.T, b *Bind, names ...string) (vfs.Inode, error) {
	t.Helper()
	var n vfs.Inode = b.Root()
	for _, name := range names {
		var err error
		if n, err = n.Lookup(name); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// TestBindConfinement: a Bind never follows a host symlink and never
// takes "..": symlinks are inodes whose targets the VFS interprets, and
// opening one as a file is ELOOP.
func TestBindConfinement(t *testing.T) {
	src, _ := bindTree(t)
	b, err := NewBind(src, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		path   []string
		target string // the link's target, if a symlink
		err    error  // from the lookup
	}{
		{name: "absolute symlink", path: []string{"abs"}, target: filepath.Join(filepath.Dir(src), "outside", "secret")},
		{name: "relative symlink", path: []string{"rel"}, target: "../outside/secret"},
		{name: "proc symlink", path: []string{"proc"}, target: "/proc/self/root" + filepath.Join(filepath.Dir(src), "outside")},
		{name: "dotdot", path: []string{".."}, err: kerr.EINVAL},
		{name: "through a symlink", path: []string{"proc", "secret"}, err: kerr.ENOTDIR},
		{name: "name with a slash", path: []string{"sub/../../outside"}, err: kerr.EXDEV},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := lookupPath(t, b, c.path...)
			if err != c.err {
				t.Fatalf("lookup %q: err %v, want %v", c.path, err, c.err)
			}
			if err != nil {
				return
			}
			target, err := n.Readlink()
			if err != nil || target != c.target {
				t.Errorf("readlink = %q, %v; want %q", target, err, c.target)
			}
			if _, err := n.Open(fs.OpenFlags{Read: true}); err != kerr.ELOOP {
				t.Errorf("open of a symlink: %v, want ELOOP", err)
			}
		})
	}
}

// TestBindChanges makes, renames, links and removes files through a
// writable Bind and checks the host; a read-only Bind refuses each with
// EROFS, and a link to an inode of another Bind is EXDEV.
func TestBindChanges(t *testing.T) {
	src, outside := bindTree(t)
	b, err := NewBind(src, false)
	if err != nil {
		t.Fatal(err)
	}
	root := b.Root()
	f, err := root.Create("new", vfs.CreateAttr{Mode: fs.ModeRegular | 0o640})
	if err != nil {
		t.Fatal(err)
	}
	of, err := f.Open(fs.OpenFlags{Write: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := of.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	of.Close()
	sub, err := root.Lookup("sub")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"mkdir", func() error { _, err := root.Mkdir("dir", vfs.CreateAttr{Mode: fs.ModeDir | 0o700}); return err }},
		{"rename", func() error { return root.Rename("new", sub, "moved", 0) }},
		{"link", func() error { return root.Link("hard", f) }},
		{"chmod", func() error { return f.Setattr(&vfs.SetAttr{Mask: vfs.AttrMode, Mode: 0o600}) }},
		{"truncate", func() error { return f.Setattr(&vfs.SetAttr{Mask: vfs.AttrSize, Size: 2}) }},
		{"symlink", func() error {
			_, err := root.Symlink("ln", "/etc", vfs.CreateAttr{Mode: fs.ModeSymlink | 0o777})
			return err
		}},
		{"unlink", func() error { return root.Unlink("file") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	b2, err := NewBind(outside, false)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := b2.Root().Lookup("secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Link("stolen", secret); err != kerr.EXDEV {
		t.Errorf("link across Binds: %v, want EXDEV", err)
	}
	for p, want := range map[string]os.FileMode{"dir": os.ModeDir | 0o700, "sub/moved": 0o600, "hard": 0o600} {
		st, err := os.Lstat(filepath.Join(src, p))
		if err != nil || st.Mode() != want {
			t.Errorf("%s: %v %v, want mode %v", p, st.Mode(), err, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(src, "sub", "moved")); string(b) != "da" {
		t.Errorf("sub/moved holds %q, want %q", b, "da")
	}
	if _, err := os.Stat(filepath.Join(src, "file")); !os.IsNotExist(err) {
		t.Errorf("file survived unlink: %v", err)
	}

	ro, err := NewBind(src, true)
	if err != nil {
		t.Fatal(err)
	}
	rr := ro.Root()
	hard, err := rr.Lookup("hard")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		do   func() error
	}{
		{"create", func() error { _, err := rr.Create("x", vfs.CreateAttr{Mode: fs.ModeRegular | 0o644}); return err }},
		{"mkdir", func() error { _, err := rr.Mkdir("x", vfs.CreateAttr{Mode: fs.ModeDir | 0o755}); return err }},
		{"unlink", func() error { return rr.Unlink("hard") }},
		{"rename", func() error { return rr.Rename("hard", rr, "x", 0) }},
		{"chmod", func() error { return hard.Setattr(&vfs.SetAttr{Mask: vfs.AttrMode, Mode: 0o777}) }},
		{"open for writing", func() error { _, err := hard.Open(fs.OpenFlags{Write: true}); return err }},
	} {
		if err := s.do(); err != kerr.EROFS {
			t.Errorf("read-only %s: %v, want EROFS", s.name, err)
		}
	}
}

// TestBindKeepsInode: an inode looked up before the host swaps its name
// for a symlink out of SRC still names the original directory, so a file
// made through it lands there and not outside.
func TestBindKeepsInode(t *testing.T) {
	src, outside := bindTree(t)
	b, err := NewBind(src, false)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := b.Root().Lookup("sub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(src, "sub"), filepath.Join(src, "sub-moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(src, "sub")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Create("planted", vfs.CreateAttr{Mode: fs.ModeRegular | 0o644}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "sub-moved", "planted")); err != nil {
		t.Errorf("the file is not in the original directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); err == nil {
		t.Errorf("the file landed outside SRC")
	}
}
