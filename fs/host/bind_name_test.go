package host

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runos-project/runos/fs/vfs"
)

// TestBindNamesStayBeneath: the calls that change the tree take one
// directory entry; a name that is a path ("../x") must never reach the
// host call, which would resolve it relative to the directory and change
// the host beside the bind's root.
func TestBindNamesStayBeneath(t *testing.T) {
	src, outside := bindTree(t)
	b, err := NewBind(src, false)
	if err != nil {
		t.Fatal(err)
	}
	root := b.Root()
	sub, err := root.Lookup("sub")
	if err != nil {
		t.Fatal(err)
	}
	attr := vfs.CreateAttr{Mode: 0o755, UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	file, err := root.Lookup("file")
	if err != nil {
		t.Fatal(err)
	}
	escape := "../outside/made"
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"mkdir", func() error { _, err := root.Mkdir(escape, attr); return err }},
		{"mkdir from sub", func() error { _, err := sub.Mkdir("../../outside/made", attr); return err }},
		{"mknod", func() error {
			_, err := root.Mknod(escape, vfs.CreateAttr{Mode: 0o10644, UID: attr.UID, GID: attr.GID})
			return err
		}},
		{"symlink", func() error { _, err := root.Symlink(escape, "/x", attr); return err }},
		{"link", func() error { return root.Link(escape, file) }},
		{"rename to", func() error { return root.Rename("file", root, escape, 0) }},
		{"rename from", func() error { return root.Rename("../outside/secret", root, "made", 0) }},
		{"unlink", func() error { return root.Unlink("../outside/secret") }},
		{"rmdir", func() error { return root.Rmdir("..") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err == nil {
				t.Errorf("%s with a path for a name succeeded", c.name)
			}
			if _, err := os.Lstat(filepath.Join(outside, "made")); err == nil {
				t.Fatalf("%s created %s outside the bind", c.name, filepath.Join(outside, "made"))
			}
			if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
				t.Fatalf("%s removed the secret outside the bind: %v", c.name, err)
			}
			if _, err := os.Stat(filepath.Join(src, "file")); err != nil {
				t.Fatalf("%s moved the bind's file: %v", c.name, err)
			}
		})
	}
}
