package devfs

import (
	"strconv"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pty"
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

// TestTTY checks /dev/tty: the open gives a stand-in that open(2)
// replaces with the opener's controlling terminal (core.TerminalAlias),
// falling back on the TTY function's terminal.
func TestTTY(t *testing.T) {
	type alias interface{ Fallback() (fs.File, error) }
	v, ctx := newDev(t, nil)
	f, _, err := v.OpenAt(ctx, v.Root(), "/tty", fs.OpenFlags{Read: true}, 0)
	a, ok := f.(alias)
	if err != nil || !ok {
		t.Fatalf("open /tty = %T, %v; want a stand-in for the controlling terminal", f, err)
	}
	if _, err := a.Fallback(); err != kerr.ENXIO {
		t.Errorf("no terminal: fallback %v, want ENXIO", err)
	}
	if _, err := f.Read(make([]byte, 1)); err != kerr.ENXIO {
		t.Errorf("no terminal: read %v, want ENXIO", err)
	}
	opened := false
	v, ctx = newDev(t, func() (fs.File, error) { opened = true; return nil, kerr.ENXIO })
	v.OpenAt(ctx, v.Root(), "/tty", fs.OpenFlags{Read: true}, 0)
	if !opened {
		t.Error("/dev/tty did not ask for the controlling terminal")
	}
}

// TestPTMX checks that each open of /dev/ptmx makes a new pair, named
// in the devpts the FS hands over for /dev/pts.
func TestPTMX(t *testing.T) {
	d, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := vfs.New(d, vfs.MountOptions{})
	ctx := &vfs.Context{Creds: vfs.Root}
	for want := 0; want < 2; want++ {
		f, _, err := v.OpenAt(ctx, v.Root(), "/ptmx", fs.OpenFlags{Read: true, Write: true}, 0)
		m, ok := f.(*pty.Master)
		if err != nil || !ok {
			t.Fatalf("open /ptmx = %T, %v; want a master", f, err)
		}
		if m.Index() != want {
			t.Errorf("pair %d, want %d", m.Index(), want)
		}
		if _, err := d.PTS().Root().Lookup(strconv.Itoa(want)); err != nil {
			t.Errorf("/dev/pts/%d: %v", want, err)
		}
	}
}
