package host

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/mm"
)

// TestOpenedFileKeepsItsInterfaces opens a host file through the VFS,
// which wraps every regular file it opens (inotify's reporting), and
// checks that what fsync(2) and mmap(2) look for on the file itself is
// still found through the wrapper: once, Sync was hidden by it and
// fsync of a --mount :rw file wrote nothing back.
func TestOpenedFileKeepsItsInterfaces(t *testing.T) {
	src, _ := bindTree(t)
	b, err := NewBind(src, false)
	if err != nil {
		t.Fatal(err)
	}
	v := vfs.New(b, vfs.MountOptions{})
	f, _, err := v.OpenAt(&vfs.Context{Creds: vfs.Root}, nil, "/file", fs.OpenFlags{Read: true, Write: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, wrapped := f.(fs.Wrapper); !wrapped {
		t.Fatalf("the VFS returned %T, not a wrapper: this test no longer tests anything", f)
	}
	if _, ok := f.(interface{ Sync() error }); ok {
		t.Fatalf("%T has Sync itself: this test no longer tests the unwrapping", f)
	}
	if _, ok := fs.As[interface{ Sync() error }](f); !ok {
		t.Errorf("fs.As finds no Sync through %T", f)
	}
	if _, ok := fs.Underlying(f).(*File); !ok {
		t.Errorf("fs.Underlying(%T) = %T, want *host.File", f, fs.Underlying(f))
	}
	if _, ok := fs.Underlying(f).(mm.CachedFile); !ok {
		t.Errorf("the host file under %T has no page cache for mmap", f)
	}
}
