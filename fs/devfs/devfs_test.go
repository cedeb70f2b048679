package devfs

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

func newDev(t *testing.T, tty TTY) (*vfs.VFS, *vfs.Context) {
	t.Helper()
	d, err := New(tty)
	if err != nil {
		t.Fatal(err)
	}
	return vfs.New(d, vfs.MountOptions{}), &vfs.Context{Creds: vfs.Root}
}

func TestDevices(t *testing.T) {
	v, ctx := newDev(t, nil)
	for _, c := range []struct {
		name    string
		rdev    uint64
		read    int // bytes a 4-byte read returns
		writeOK bool
	}{
		{"null", 1<<8 | 3, 0, true},
		{"zero", 1<<8 | 5, 4, true},
		{"full", 1<<8 | 7, 4, false},
		{"urandom", 1<<8 | 9, 4, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _, err := v.OpenAt(ctx, v.Root(), "/"+c.name, fs.OpenFlags{Read: true, Write: true}, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			if st.Mode&fs.ModeTypeMask != fs.ModeChar || st.Rdev != c.rdev {
				t.Errorf("stat mode %o rdev %#x, want a char device %#x", st.Mode, st.Rdev, c.rdev)
			}
			if n, _ := f.Read(make([]byte, 4)); n != c.read {
				t.Errorf("read %d, want %d", n, c.read)
			}
			if _, err := f.Write([]byte("x")); (err == nil) != c.writeOK {
				t.Errorf("write: %v", err)
			}
		})
	}
}

func TestLinksAndDirs(t *testing.T) {
	v, ctx := newDev(t, nil)
	for name, want := range map[string]string{"/fd": "/proc/self/fd", "/stdin": "/proc/self/fd/0", "/stderr": "/proc/self/fd/2"} {
		if got, err := v.Readlink(ctx, v.Root(), name, 0); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", name, got, err, want)
		}
	}
	st, err := v.Stat(ctx, v.Root(), "/shm", 0)
	if err != nil || st.Mode != fs.ModeDir|0o1777 {
		t.Errorf("/shm: mode %o, %v", st.Mode, err)
	}
}

func TestTTY(t *testing.T) {
	v, ctx := newDev(t, nil)
	if _, _, err := v.OpenAt(ctx, v.Root(), "/tty", fs.OpenFlags{Read: true}, 0); err != kerr.ENXIO {
		t.Errorf("no terminal: %v, want ENXIO", err)
	}
	opened := false
	v, ctx = newDev(t, func() (fs.File, error) { opened = true; return nil, kerr.ENXIO })
	v.OpenAt(ctx, v.Root(), "/tty", fs.OpenFlags{Read: true}, 0)
	if !opened {
		t.Error("/dev/tty did not ask for the controlling terminal")
	}
}
