package overlay

import (
	"crypto/sha256"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/host"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

var root = &vfs.Context{Creds: vfs.Root}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hostTree makes the lower layer: a small system tree in a temporary
// host directory.
func hostTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"etc/passwd":          "host-passwd\n",
		"etc/hosts":           "127.0.0.1\n",
		"usr/bin/tool":        "#!tool\n",
		"usr/share/doc/a.txt": "a",
		"usr/share/doc/b.txt": "b",
	}
	for p, data := range files {
		full := filepath.Join(dir, p)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(data), 0o644))
	}
	must(t, os.Chmod(filepath.Join(dir, "usr/bin/tool"), 0o755))
	must(t, os.Symlink("etc/passwd", filepath.Join(dir, "link")))
	must(t, os.Mkdir(filepath.Join(dir, "emptydir"), 0o755))
	f, err := os.Create(filepath.Join(dir, "sparse"))
	must(t, err)
	f.WriteAt([]byte("end"), 1<<20)
	f.Close()
	return dir
}

// snapshot describes every file under dir: type, mode, size, mtime and
// contents (or link target).
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		var sum string
		switch {
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(b))
		case info.Mode()&os.ModeSymlink != 0:
			sum, _ = os.Readlink(p)
		}
		out = append(out, fmt.Sprintf("%s %v %d %d %s", p, info.Mode(), info.Size(), info.ModTime().UnixNano(), sum))
		return nil
	})
	must(t, err)
	return out
}

func newOverlay(t *testing.T, dir string) *vfs.VFS {
	t.Helper()
	r, err := host.OpenRoot(dir)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	o, err := New(HostLower(r))
	must(t, err)
	return vfs.New(o, vfs.MountOptions{})
}

func readFile(t *testing.T, v *vfs.VFS, p string) string {
	t.Helper()
	f, _, err := v.OpenAt(root, nil, p, fs.OpenFlags{Read: true}, 0)
	must(t, err)
	defer f.Close()
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		must(t, err)
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

func writeFile(t *testing.T, v *vfs.VFS, p, data string, flags fs.OpenFlags) {
	t.Helper()
	flags.Write = true
	flags.Mode = 0o644
	f, _, err := v.OpenAt(root, nil, p, flags, 0)
	must(t, err)
	defer f.Close()
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
}

func list(t *testing.T, v *vfs.VFS, p string) []string {
	t.Helper()
	f, _, err := v.OpenAt(root, nil, p, fs.OpenFlags{Read: true, Directory: true}, 0)
	must(t, err)
	defer f.Close()
	var names []string
	must(t, f.(fs.DirReader).ReadDir(func(e fs.Dirent) bool { names = append(names, e.Name); return true }))
	slices.Sort(names)
	return names
}

func statOf(t *testing.T, v *vfs.VFS, p string) fs.Stat {
	t.Helper()
	st, err := v.Stat(root, nil, p, vfs.AtNoFollow)
	must(t, err)
	return st
}

func TestOverlay(t *testing.T) {
	dir := hostTree(t)
	before := snapshot(t, dir)
	cases := []struct {
		name string
		run  func(t *testing.T, v *vfs.VFS)
	}{
		{"read lower", func(t *testing.T, v *vfs.VFS) {
			if got := readFile(t, v, "/etc/passwd"); got != "host-passwd\n" {
				t.Errorf("read %q", got)
			}
			if got := readFile(t, v, "/link"); got != "host-passwd\n" {
				t.Errorf("through link %q", got)
			}
		}},
		{"write copies up", func(t *testing.T, v *vfs.VFS) {
			ino := statOf(t, v, "/etc/passwd").Ino
			writeFile(t, v, "/etc/passwd", "guest\n", fs.OpenFlags{Truncate: true})
			if got := readFile(t, v, "/etc/passwd"); got != "guest\n" {
				t.Errorf("read back %q", got)
			}
			if got := statOf(t, v, "/etc/passwd").Ino; got != ino {
				t.Errorf("inode number changed on copy-up: %d, was %d", got, ino)
			}
		}},
		{"append", func(t *testing.T, v *vfs.VFS) {
			writeFile(t, v, "/etc/hosts", "more\n", fs.OpenFlags{Append: true})
			if got := readFile(t, v, "/etc/hosts"); got != "127.0.0.1\nmore\n" {
				t.Errorf("read back %q", got)
			}
		}},
		{"chmod keeps contents", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Chmod(root, nil, "/usr/bin/tool", 0o700, 0))
			if st := statOf(t, v, "/usr/bin/tool"); st.Mode&0o7777 != 0o700 {
				t.Errorf("mode %o", st.Mode)
			}
			if got := readFile(t, v, "/usr/bin/tool"); got != "#!tool\n" {
				t.Errorf("contents %q", got)
			}
		}},
		{"truncate", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Truncate(root, nil, "/etc/hosts", 3))
			if got := readFile(t, v, "/etc/hosts"); got != "127" {
				t.Errorf("contents %q", got)
			}
		}},
		{"unlink whiteout and recreate", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Unlink(root, nil, "/etc/passwd"))
			if _, err := v.Stat(root, nil, "/etc/passwd", 0); err != kerr.ENOENT {
				t.Errorf("stat after unlink: %v", err)
			}
			if got := list(t, v, "/etc"); !slices.Equal(got, []string{".", "..", "hosts"}) {
				t.Errorf("listing %q", got)
			}
			writeFile(t, v, "/etc/passwd", "new\n", fs.OpenFlags{Create: true, Exclusive: true})
			if got := readFile(t, v, "/etc/passwd"); got != "new\n" {
				t.Errorf("recreated %q", got)
			}
		}},
		{"rmdir and opaque mkdir", func(t *testing.T, v *vfs.VFS) {
			if err := v.Rmdir(root, nil, "/usr/share/doc"); err != kerr.ENOTEMPTY {
				t.Errorf("rmdir non-empty: %v", err)
			}
			must(t, v.Unlink(root, nil, "/usr/share/doc/a.txt"))
			must(t, v.Unlink(root, nil, "/usr/share/doc/b.txt"))
			must(t, v.Rmdir(root, nil, "/usr/share/doc"))
			if got := list(t, v, "/usr/share"); !slices.Equal(got, []string{".", ".."}) {
				t.Errorf("/usr/share after rmdir: %q", got)
			}
			must(t, v.Mkdir(root, nil, "/usr/share/doc", 0o755))
			if got := list(t, v, "/usr/share/doc"); !slices.Equal(got, []string{".", ".."}) {
				t.Errorf("new /usr/share/doc shows lower entries: %q", got)
			}
			must(t, v.Rmdir(root, nil, "/emptydir"))
		}},
		{"rename lower file", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Rename(root, nil, "/etc/hosts", nil, "/etc/hosts2", 0))
			if got := list(t, v, "/etc"); !slices.Equal(got, []string{".", "..", "hosts2", "passwd"}) {
				t.Errorf("listing %q", got)
			}
			if got := readFile(t, v, "/etc/hosts2"); got != "127.0.0.1\n" {
				t.Errorf("renamed file %q", got)
			}
			must(t, v.Rename(root, nil, "/etc/hosts2", nil, "/etc/passwd", 0))
			if got := readFile(t, v, "/etc/passwd"); got != "127.0.0.1\n" {
				t.Errorf("renamed over lower file %q", got)
			}
			if got := list(t, v, "/etc"); !slices.Equal(got, []string{".", "..", "passwd"}) {
				t.Errorf("listing %q", got)
			}
		}},
		{"rename lower dir", func(t *testing.T, v *vfs.VFS) {
			if err := v.Rename(root, nil, "/usr/share", nil, "/usr/s2", 0); err != kerr.EXDEV {
				t.Errorf("rename of a lower dir: %v, want EXDEV", err)
			}
		}},
		{"upper dir onto lower dir name", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Mkdir(root, nil, "/new", 0o755))
			writeFile(t, v, "/new/x", "x", fs.OpenFlags{Create: true})
			must(t, v.Unlink(root, nil, "/usr/bin/tool"))
			must(t, v.Rename(root, nil, "/new", nil, "/usr/bin", 0))
			if got := list(t, v, "/usr/bin"); !slices.Equal(got, []string{".", "..", "x"}) {
				t.Errorf("listing %q", got)
			}
		}},
		{"merged listing", func(t *testing.T, v *vfs.VFS) {
			writeFile(t, v, "/etc/new", "", fs.OpenFlags{Create: true})
			if got := list(t, v, "/etc"); !slices.Equal(got, []string{".", "..", "hosts", "new", "passwd"}) {
				t.Errorf("listing %q", got)
			}
			if got := list(t, v, "/"); !slices.Equal(got, []string{".", "..", "emptydir", "etc", "link", "sparse", "usr"}) {
				t.Errorf("root listing %q", got)
			}
		}},
		{"sparse copy-up", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Chmod(root, nil, "/sparse", 0o600, 0))
			st := statOf(t, v, "/sparse")
			if st.Size != 1<<20+3 || st.Blocks > 16 {
				t.Errorf("size %d blocks %d", st.Size, st.Blocks)
			}
		}},
		{"symlink copy-up", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Chown(root, nil, "/link", 7, 7, vfs.AtNoFollow))
			if st := statOf(t, v, "/link"); st.UID != 7 {
				t.Errorf("uid %d", st.UID)
			}
			if got, err := v.Readlink(root, nil, "/link", 0); got != "etc/passwd" || err != nil {
				t.Errorf("readlink %q %v", got, err)
			}
		}},
		{"hard link of lower file", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Link(root, nil, "/etc/passwd", nil, "/etc/pw2", 0))
			a, b := statOf(t, v, "/etc/passwd"), statOf(t, v, "/etc/pw2")
			if a.Ino != b.Ino || a.Nlink != 2 {
				t.Errorf("ino %d/%d nlink %d", a.Ino, b.Ino, a.Nlink)
			}
		}},
		{"xattrs", func(t *testing.T, v *vfs.VFS) {
			must(t, v.Setxattr(root, nil, "/etc/hosts", "user.k", []byte("v"), 0, 0))
			names, err := v.Listxattr(root, nil, "/etc/hosts", 0)
			if err != nil || !slices.Equal(names, []string{"user.k"}) {
				t.Errorf("list %q %v", names, err)
			}
			must(t, v.Unlink(root, nil, "/etc/passwd"))
			must(t, v.Mkdir(root, nil, "/etc/passwd", 0o755))
			names, _ = v.Listxattr(root, nil, "/etc/passwd", 0)
			if len(names) != 0 {
				t.Errorf("overlay's own xattrs shown: %q", names)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newOverlay(t, dir)) })
	}
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("the host directory changed:\nbefore %q\nafter  %q", before, after)
	}
}
