package vfs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
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

func write(t *testing.T, v *vfs.VFS, path, data string) {
	t.Helper()
	f, _, err := v.OpenAt(root, nil, path, fs.OpenFlags{Write: true, Create: true, Truncate: true, Mode: 0o644}, 0)
	must(t, err)
	if _, err := f.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func read(t *testing.T, f fs.File) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 5)
	for {
		n, err := f.Read(buf)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// newTree builds the namespace the walking tests use: a tmpfs root with
// files, directories, symlinks of every sort, and a second tmpfs mounted
// on /mnt.
func newTree(t *testing.T) *vfs.VFS {
	t.Helper()
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	must(t, v.Mkdir(root, nil, "/dir", 0o755))
	must(t, v.Mkdir(root, nil, "/dir/sub", 0o755))
	write(t, v, "/dir/file", "hello")
	write(t, v, "/top", "top")
	for name, target := range map[string]string{
		"/link-dir": "dir",
		"/abs-link": "/dir/file",
		"/rel-link": "dir/file",
		"/up-link":  "../../../../top",
		"/loop1":    "loop2",
		"/loop2":    "loop1",
		"/dangling": "nowhere",
		"/to-mnt":   "/mnt/inner",
		"/dir/back": "../top",
	} {
		must(t, v.Symlink(root, target, nil, name))
	}
	// chain/l0 -> l1 -> ... -> l40 -> /top: 41 links from l0.
	must(t, v.Mkdir(root, nil, "/chain", 0o755))
	for i := 0; i <= 40; i++ {
		target := fmt.Sprintf("l%d", i+1)
		if i == 40 {
			target = "/top"
		}
		must(t, v.Symlink(root, target, nil, fmt.Sprintf("/chain/l%d", i)))
	}
	must(t, v.Mkdir(root, nil, "/mnt", 0o755))
	must(t, v.Mount(root, nil, "/mnt", tmpfs.New(0o755, 0, 0), vfs.MountOptions{}))
	write(t, v, "/mnt/inner", "inner")
	must(t, v.Mkdir(root, nil, "/mnt/d", 0o755))
	return v
}

func TestOpenWalk(t *testing.T) {
	v := newTree(t)
	ro := fs.OpenFlags{Read: true}
	cases := []struct {
		name  string
		start string // resolved first, "" for nil
		path  string
		flags fs.OpenFlags
		how   vfs.Resolve
		want  string // contents, or the error's name
	}{
		{"plain", "", "/dir/file", ro, 0, "hello"},
		{"dots", "", "/./dir/../dir/./file", ro, 0, "hello"},
		{"double slashes", "", "//dir///file", ro, 0, "hello"},
		{"dotdot at root", "", "/../../../top", ro, 0, "top"},
		{"relative", "/dir", "file", ro, 0, "hello"},
		{"relative dotdot", "/dir/sub", "../../top", ro, 0, "top"},
		{"abs symlink", "", "/abs-link", ro, 0, "hello"},
		{"rel symlink", "", "/rel-link", ro, 0, "hello"},
		{"symlink escaping root", "", "/up-link", ro, 0, "top"},
		{"dir symlink mid-path", "", "/link-dir/file", ro, 0, "hello"},
		{"symlink in subdir", "", "/dir/back", ro, 0, "top"},
		{"loop", "", "/loop1", ro, 0, "ELOOP"},
		{"dangling", "", "/dangling", ro, 0, "ENOENT"},
		{"40 links", "", "/chain/l1", ro, 0, "top"},
		{"41 links", "", "/chain/l0", ro, 0, "ELOOP"},
		{"nofollow on link", "", "/abs-link", fs.OpenFlags{Read: true, NoFollow: true}, 0, "ELOOP"},
		{"nofollow mid-path ok", "", "/link-dir/file", fs.OpenFlags{Read: true, NoFollow: true}, 0, "hello"},
		{"trailing slash on file", "", "/dir/file/", ro, 0, "ENOTDIR"},
		{"file as dir", "", "/dir/file/x", ro, 0, "ENOTDIR"},
		{"O_DIRECTORY on file", "", "/dir/file", fs.OpenFlags{Read: true, Directory: true}, 0, "ENOTDIR"},
		{"O_DIRECTORY on dir link", "", "/link-dir", fs.OpenFlags{Read: true, Directory: true}, 0, ""},
		{"write dir", "", "/dir", fs.OpenFlags{Write: true}, 0, "EISDIR"},
		{"missing", "", "/dir/nope", ro, 0, "ENOENT"},
		{"empty path", "", "", ro, 0, "ENOENT"},
		{"long component", "", "/" + strings.Repeat("a", 256), ro, 0, "ENAMETOOLONG"},
		{"255 is fine", "", "/" + strings.Repeat("a", 255), ro, 0, "ENOENT"},
		{"long path", "", strings.Repeat("/dir/..", 600) + "/top", ro, 0, "ENAMETOOLONG"},
		{"into mount", "", "/mnt/inner", ro, 0, "inner"},
		{"symlink into mount", "", "/to-mnt", ro, 0, "inner"},
		{"dotdot across mount", "/mnt/d", "../../top", ro, 0, "top"},
		{"dotdot from mount root", "/mnt", "../dir/file", ro, 0, "hello"},
		{"beneath ok", "/dir", "sub/../file", ro, vfs.ResolveBeneath, "hello"},
		{"beneath dotdot", "/dir", "../top", ro, vfs.ResolveBeneath, "EXDEV"},
		{"beneath absolute", "/dir", "/top", ro, vfs.ResolveBeneath, "EXDEV"},
		{"beneath abs symlink", "/", "abs-link", ro, vfs.ResolveBeneath, "EXDEV"},
		{"beneath rel symlink out", "/dir", "back", ro, vfs.ResolveBeneath, "EXDEV"},
		{"in root dotdot", "/dir", "../../file", ro, vfs.ResolveInRoot, "hello"},
		{"in root absolute", "/dir", "/file", ro, vfs.ResolveInRoot, "hello"},
		{"in root symlink out", "/dir", "back", ro, vfs.ResolveInRoot, "ENOENT"},
		{"no symlinks", "", "/rel-link", ro, vfs.ResolveNoSymlinks, "ELOOP"},
		{"no symlinks mid", "", "/link-dir/file", ro, vfs.ResolveNoSymlinks, "ELOOP"},
		{"no xdev down", "", "/mnt/inner", ro, vfs.ResolveNoXdev, "EXDEV"},
		{"no xdev up", "/mnt/d", "../../top", ro, vfs.ResolveNoXdev, "EXDEV"},
		{"no xdev same mount", "/mnt", "d/../inner", ro, vfs.ResolveNoXdev, "inner"},
		{"O_PATH nofollow on link", "", "/abs-link", fs.OpenFlags{Path: true, NoFollow: true}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var start *vfs.Dentry
			if c.start != "" {
				d, err := v.Lookup(root, nil, c.start, 0)
				must(t, err)
				start = d
			}
			f, _, err := v.OpenAt(root, start, c.path, c.flags, c.how)
			got := ""
			if err != nil {
				got = err.(kerr.Error).Name()
			} else {
				defer f.Close()
				st, _ := f.Stat()
				if st.Mode&fs.ModeTypeMask == fs.ModeRegular && !c.flags.Path {
					got = read(t, f)
				}
			}
			if got != c.want {
				t.Errorf("OpenAt(%q, %+v, %#x) = %q, want %q", c.path, c.flags, c.how, got, c.want)
			}
		})
	}
}

func TestPathOf(t *testing.T) {
	v := newTree(t)
	for _, p := range []string{"/", "/dir/sub", "/mnt", "/mnt/d"} {
		d, err := v.Lookup(root, nil, p, 0)
		must(t, err)
		if got := v.PathOf(root, d); got != p {
			t.Errorf("PathOf(%q) = %q", p, got)
		}
	}
	d, err := v.Lookup(root, nil, "/link-dir/sub", 0)
	must(t, err)
	if got := v.PathOf(root, d); got != "/dir/sub" {
		t.Errorf("PathOf(/link-dir/sub) = %q, want /dir/sub", got)
	}
	must(t, v.Rmdir(root, nil, "/dir/sub"))
	if got := v.PathOf(root, d); got != "/dir/sub (deleted)" {
		t.Errorf("PathOf(removed) = %q", got)
	}
	// A chroot to /dir: its root is "/", and paths outside it are
	// unreachable.
	dir, _ := v.Lookup(root, nil, "/dir", 0)
	jail := &vfs.Context{Creds: vfs.Root, Root: dir}
	top, _ := v.Lookup(root, nil, "/top", 0)
	if got := v.PathOf(jail, dir); got != "/" {
		t.Errorf("PathOf(jail root) = %q", got)
	}
	if got := v.PathOf(jail, top); !strings.HasPrefix(got, "(unreachable)") {
		t.Errorf("PathOf(outside jail) = %q", got)
	}
	if _, err := v.Stat(jail, nil, "/../top", 0); err != kerr.ENOENT {
		t.Errorf("stat /../top in jail: %v, want ENOENT", err)
	}
}
