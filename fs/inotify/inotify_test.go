package inotify

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// testFormat is struct inotify_event's layout, as the Linux personality
// lays it out.
type testFormat struct{}

func (testFormat) Size(e *Event) int { return 16 + padded(e.Name) }

func (testFormat) Put(b []byte, e *Event) {
	binary.LittleEndian.PutUint32(b[0:], uint32(e.WD))
	binary.LittleEndian.PutUint32(b[4:], uint32(e.Mask))
	binary.LittleEndian.PutUint32(b[8:], e.Cookie)
	binary.LittleEndian.PutUint32(b[12:], uint32(padded(e.Name)))
	copy(b[16:], e.Name)
}

func padded(name string) int {
	if name == "" {
		return 0
	}
	return (len(name) + 16) &^ 15
}

// maskNames renders a mask for test output.
func maskNames(m Mask) string {
	names := []struct {
		m Mask
		s string
	}{
		{Access, "ACCESS"}, {Modify, "MODIFY"}, {Attrib, "ATTRIB"}, {CloseWrite, "CLOSE_WRITE"},
		{CloseNoWrite, "CLOSE_NOWRITE"}, {Open, "OPEN"}, {MovedFrom, "MOVED_FROM"},
		{MovedTo, "MOVED_TO"}, {Create, "CREATE"}, {Delete, "DELETE"}, {DeleteSelf, "DELETE_SELF"},
		{MoveSelf, "MOVE_SELF"}, {QOverflow, "Q_OVERFLOW"}, {Ignored, "IGNORED"}, {IsDir, "ISDIR"},
	}
	var parts []string
	for _, n := range names {
		if m&n.m != 0 {
			parts = append(parts, n.s)
		}
	}
	return strings.Join(parts, "|")
}

// drain reads every queued event, rendered as "wd MASK name".
func drain(t *testing.T, in *Instance) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 4096)
	for {
		n, err := in.Read(buf)
		if err == kerr.EAGAIN {
			return out
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for p := buf[:n]; len(p) > 0; {
			wd := int32(binary.LittleEndian.Uint32(p))
			m := Mask(binary.LittleEndian.Uint32(p[4:]))
			l := int(binary.LittleEndian.Uint32(p[12:]))
			name := strings.TrimRight(string(p[16:16+l]), "\x00")
			out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s", wd, maskNames(m), name)))
			p = p[16+l:]
		}
	}
}

// setup makes a tmpfs namespace with a hub installed and one instance.
func setup(t *testing.T) (*vfs.VFS, *vfs.Context, *Instance) {
	t.Helper()
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	hub := v.Notifier(func() vfs.Notifier { return NewHub() }).(*Hub)
	return v, &vfs.Context{Creds: vfs.Root}, New(hub, testFormat{})
}

func addWatch(t *testing.T, v *vfs.VFS, ctx *vfs.Context, in *Instance, path string, m Mask) int32 {
	t.Helper()
	ino, dir, err := v.WatchTarget(ctx, nil, path, m&DontFollow == 0)
	if err != nil {
		t.Fatalf("watch target %s: %v", path, err)
	}
	wd, err := in.AddWatch(ino, dir, m)
	if err != nil {
		t.Fatalf("add watch %s: %v", path, err)
	}
	return wd
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEvents(t *testing.T) {
	cases := []struct {
		name string
		// prepare runs before the watches are added, do after.
		prepare, do func(t *testing.T, v *vfs.VFS, ctx *vfs.Context)
		watchFile   string // also watch this path, as wd 2
		want        []string
	}{
		{
			name: "create write close",
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				f, _, err := v.OpenAt(ctx, nil, "/d/a", fs.OpenFlags{Create: true, Write: true, Mode: 0o644}, 0)
				must(t, err)
				f.Write([]byte("x"))
				f.Write([]byte("y"))
				f.Close()
			},
			want: []string{"1 CREATE a", "1 OPEN a", "1 MODIFY a", "1 CLOSE_WRITE a"},
		},
		{
			name:    "rename pairs and move self",
			prepare: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) { must(t, v.Mkdir(ctx, nil, "/d/s", 0o755)) },
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				must(t, v.Rename(ctx, nil, "/d/s", nil, "/d/t", 0))
			},
			watchFile: "/d/s",
			want:      []string{"1 MOVED_FROM|ISDIR s", "1 MOVED_TO|ISDIR t", "2 MOVE_SELF"},
		},
		{
			name:    "chmod reaches dir and file",
			prepare: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) { must(t, v.Mknod(ctx, nil, "/d/f", 0o644, 0)) },
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				must(t, v.Chmod(ctx, nil, "/d/f", 0o600, 0))
			},
			watchFile: "/d/f",
			want:      []string{"1 ATTRIB f", "2 ATTRIB"},
		},
		{
			name:    "unlink last link",
			prepare: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) { must(t, v.Mknod(ctx, nil, "/d/f", 0o644, 0)) },
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				must(t, v.Unlink(ctx, nil, "/d/f"))
			},
			watchFile: "/d/f",
			want:      []string{"2 ATTRIB", "2 DELETE_SELF", "2 IGNORED", "1 DELETE f"},
		},
		{
			// Linux reports the deletion when the last reference goes.
			name:    "unlink while open, then close",
			prepare: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) { must(t, v.Mknod(ctx, nil, "/d/f", 0o644, 0)) },
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				f, _, err := v.OpenAt(ctx, nil, "/d/f", fs.OpenFlags{Read: true}, 0)
				must(t, err)
				g, _, err := v.OpenAt(ctx, nil, "/d/f", fs.OpenFlags{Read: true}, 0)
				must(t, err)
				must(t, v.Unlink(ctx, nil, "/d/f"))
				f.Close()
				g.Close()
			},
			watchFile: "/d/f",
			want: []string{"1 OPEN f", "2 OPEN", "1 OPEN f", "2 OPEN", "2 ATTRIB", "1 DELETE f",
				"1 CLOSE_NOWRITE f", "2 CLOSE_NOWRITE", "1 CLOSE_NOWRITE f", "2 CLOSE_NOWRITE",
				"2 DELETE_SELF", "2 IGNORED"},
		},
		{
			name:    "rmdir",
			prepare: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) { must(t, v.Mkdir(ctx, nil, "/d/s", 0o755)) },
			do: func(t *testing.T, v *vfs.VFS, ctx *vfs.Context) {
				must(t, v.Rmdir(ctx, nil, "/d/s"))
			},
			watchFile: "/d/s",
			want:      []string{"2 DELETE_SELF", "2 IGNORED", "1 DELETE|ISDIR s"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, ctx, in := setup(t)
			must(t, v.Mkdir(ctx, nil, "/d", 0o755))
			if c.prepare != nil {
				c.prepare(t, v, ctx)
			}
			addWatch(t, v, ctx, in, "/d", AllEvents)
			if c.watchFile != "" {
				addWatch(t, v, ctx, in, c.watchFile, AllEvents)
			}
			c.do(t, v, ctx)
			got := drain(t, in)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestAddWatchFlags(t *testing.T) {
	v, ctx, in := setup(t)
	must(t, v.Mknod(ctx, nil, "/f", 0o644, 0))
	ino, _, err := v.WatchTarget(ctx, nil, "/f", true)
	must(t, err)
	cases := []struct {
		name    string
		mask    Mask
		wantWD  int32
		wantErr error
	}{
		{"no bits", 0, 0, kerr.EINVAL},
		{"unknown bit", Modify | 0x8000000, 0, kerr.EINVAL},
		{"add and create", Modify | MaskAdd | MaskCreate, 0, kerr.EINVAL},
		{"onlydir on a file", Modify | OnlyDir, 0, kerr.ENOTDIR},
		{"first", Modify, 1, nil},
		{"again", Attrib, 1, nil},
		{"create on watched", Attrib | MaskCreate, 0, kerr.EEXIST},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wd, err := in.AddWatch(ino, false, c.mask)
			if wd != c.wantWD || err != c.wantErr {
				t.Errorf("AddWatch(%#x) = %d, %v; want %d, %v", c.mask, wd, err, c.wantWD, c.wantErr)
			}
		})
	}
	if err := in.RemoveWatch(7); err != kerr.EINVAL {
		t.Errorf("RemoveWatch(unknown) = %v, want EINVAL", err)
	}
	must(t, in.RemoveWatch(1))
	if got := drain(t, in); strings.Join(got, ",") != "1 IGNORED" {
		t.Errorf("after rm_watch: %q", got)
	}
}

func TestMaskAddAndOneshot(t *testing.T) {
	v, ctx, in := setup(t)
	must(t, v.Mknod(ctx, nil, "/f", 0o644, 0))
	addWatch(t, v, ctx, in, "/f", Modify)
	addWatch(t, v, ctx, in, "/f", Attrib|MaskAdd|Oneshot)
	must(t, v.Truncate(ctx, nil, "/f", 1))
	must(t, v.Chmod(ctx, nil, "/f", 0o600, 0))
	must(t, v.Chmod(ctx, nil, "/f", 0o644, 0))
	want := "1 MODIFY,1 IGNORED"
	if got := strings.Join(drain(t, in), ","); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestExclUnlink: writes to an open file after its unlink reach the
// directory's watch unless it has IN_EXCL_UNLINK.
func TestExclUnlink(t *testing.T) {
	for _, c := range []struct {
		name string
		flag Mask
		want string
	}{
		{"plain", 0, "1 DELETE f,1 MODIFY f"},
		{"excl-unlink", ExclUnlink, "1 DELETE f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, ctx, in := setup(t)
			must(t, v.Mkdir(ctx, nil, "/d", 0o755))
			f, _, err := v.OpenAt(ctx, nil, "/d/f", fs.OpenFlags{Create: true, Write: true, Mode: 0o644}, 0)
			must(t, err)
			addWatch(t, v, ctx, in, "/d", Delete|Modify|c.flag)
			must(t, v.Unlink(ctx, nil, "/d/f"))
			f.Write([]byte("x"))
			if got := strings.Join(drain(t, in), ","); got != c.want {
				t.Errorf("events %q, want %q", got, c.want)
			}
		})
	}
}

func TestQueue(t *testing.T) {
	_, _, in := setup(t)
	in.MaxQueued = 3
	in.mu.Lock()
	for i, name := range []string{"a", "a", "b", "c", "d", "e"} {
		in.queueLocked(Event{WD: 1, Mask: Create, Name: name})
		_ = i
	}
	in.mu.Unlock()
	if got := in.Buffered(); got != 3*32+16 {
		t.Errorf("Buffered = %d, want %d", got, 3*32+16)
	}
	if n, err := in.Read(make([]byte, 31)); err != kerr.EINVAL {
		t.Errorf("short read = %d, %v; want EINVAL", n, err)
	}
	if n, err := in.Read(make([]byte, 70)); n != 64 || err != nil {
		t.Errorf("read of 70 bytes = %d, %v; want two events", n, err)
	}
	want := "1 CREATE c,-1 Q_OVERFLOW"
	if got := strings.Join(drain(t, in), ","); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	if in.Readiness(fs.EventIn) != 0 {
		t.Errorf("empty instance is readable")
	}
}

// TestVFSEventBits checks that the VFS's bits convert to inotify's.
func TestVFSEventBits(t *testing.T) {
	for i, c := range fromVFS {
		if uint32(c.v) != uint32(c.m) {
			t.Errorf("row %d: vfs %#x, inotify %#x", i, c.v, c.m)
		}
	}
}
