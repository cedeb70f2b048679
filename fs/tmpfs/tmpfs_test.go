package tmpfs

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

func TestAllocate(t *testing.T) {
	cases := []struct {
		name       string
		mode       vfs.AllocMode
		off, len   int64
		wantErr    error
		wantSize   int64
		wantBlocks int64
		wantByte   byte // at offset 5000
		zeroRange  bool // FS.ZeroRange
	}{
		{"extend", 0, 0, 3 * pageSize, nil, 3 * pageSize, 24, 'x', false},
		{"keep size", vfs.AllocKeepSize, 0, 3 * pageSize, nil, 2 * pageSize, 24, 'x', false},
		{"punch needs keep size", vfs.AllocPunchHole, 0, 10, kerr.EOPNOTSUPP, 2 * pageSize, 16, 'x', false},
		{"punch hole", vfs.AllocPunchHole | vfs.AllocKeepSize, pageSize, pageSize, nil, 2 * pageSize, 8, 0, false},
		{"zero range refused", vfs.AllocZeroRange, 4096, 8192, kerr.EOPNOTSUPP, 2 * pageSize, 16, 'x', false},
		{"zero range too large", vfs.AllocZeroRange, MaxFileSize, 1, kerr.EFBIG, 2 * pageSize, 16, 'x', false},
		{"zero range allowed", vfs.AllocZeroRange, 4096, 8192, nil, 3 * pageSize, 24, 0, true},
		{"bad length", 0, 0, 0, kerr.EINVAL, 2 * pageSize, 16, 'x', false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := New(0o755, 0, 0)
			f.ZeroRange = c.zeroRange
			ino, err := f.Root().Create("f", vfs.CreateAttr{Mode: 0o644})
			if err != nil {
				t.Fatal(err)
			}
			file, _ := ino.Open(fs.OpenFlags{Read: true, Write: true})
			buf := make([]byte, 2*pageSize)
			for i := range buf {
				buf[i] = 'x'
			}
			file.WriteAt(buf, 0)
			if err := file.(vfs.Allocator).Allocate(c.mode, c.off, c.len); err != c.wantErr {
				t.Fatalf("Allocate: %v, want %v", err, c.wantErr)
			}
			st, _ := ino.Getattr()
			b := make([]byte, 1)
			file.ReadAt(b, 5000)
			if st.Size != c.wantSize || st.Blocks != c.wantBlocks || b[0] != c.wantByte {
				t.Errorf("size %d blocks %d byte %q; want %d %d %q", st.Size, st.Blocks, b[0], c.wantSize, c.wantBlocks, c.wantByte)
			}
		})
	}
}

func TestExchangeDirsAcrossParents(t *testing.T) {
	f := New(0o755, 0, 0)
	r := f.Root()
	a, _ := r.Mkdir("a", vfs.CreateAttr{Mode: 0o755})
	b, _ := r.Mkdir("b", vfs.CreateAttr{Mode: 0o755})
	a.Mkdir("sub", vfs.CreateAttr{Mode: 0o755})
	b.Create("file", vfs.CreateAttr{Mode: 0o644})
	if err := a.Rename("sub", b, "file", vfs.RenameExchange); err != nil {
		t.Fatal(err)
	}
	sa, _ := a.Getattr()
	sb, _ := b.Getattr()
	if sa.Nlink != 2 || sb.Nlink != 3 {
		t.Errorf("nlink a=%d b=%d, want 2 and 3", sa.Nlink, sb.Nlink)
	}
	moved, err := b.Lookup("file")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := moved.Getattr(); st.Mode&fs.ModeTypeMask != fs.ModeDir {
		t.Error("b/file is not the directory")
	}
}
