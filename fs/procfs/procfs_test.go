package procfs

import (
	"strings"
	"testing"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/tmpfs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// fakeSource is a sandbox of two processes; the caller is 7.
type fakeSource struct{ procs map[int]*Process }

func (s *fakeSource) Caller() (int, int) { return 7, 8 }
func (s *fakeSource) PIDs() []int {
	var out []int
	for _, pid := range []int{1, 7} {
		if _, ok := s.procs[pid]; ok {
			out = append(out, pid)
		}
	}
	return out
}
func (s *fakeSource) Process(pid int) (*Process, bool) { p, ok := s.procs[pid]; return p, ok }
func (s *fakeSource) OpenFD(pid, fd int) (*fs.FileDescription, error) {
	return nil, kerr.ENOENT
}

func newTestVFS(t *testing.T) (*vfs.VFS, *fakeSource) {
	t.Helper()
	mem := []byte("prog\x00-v\x00HOME=/root\x00")
	src := &fakeSource{procs: map[int]*Process{
		1: {PID: 1, Comm: "init", State: 'S', Threads: []Thread{{TID: 1, Comm: "init", State: 'S'}}, Exe: "/sbin/init", Cwd: "/"},
		7: {PID: 7, PPID: 1, PGID: 7, SID: 1, Comm: "prog", State: 'R', Exe: "/bin/prog", Cwd: "/tmp",
			Threads: []Thread{{TID: 7, Comm: "prog", State: 'R'}, {TID: 8, Comm: "worker", State: 'S'}},
			FDs:     []FD{{Num: 0, Target: "/dev/null"}, {Num: 3, Target: "/etc/passwd", Pos: 42, Flags: 0o2000000}},
			Maps: func() []Map {
				return []Map{{Start: 0x400000, End: 0x401000, Read: true, Exec: true, Name: "/bin/prog", Resident: 1},
					{Start: 0x7ff000, End: 0x800000, Read: true, Write: true, Name: "[stack]", Resident: 1}}
			},
			ArgStart: 0x1000, ArgEnd: 0x1008, EnvStart: 0x1008, EnvEnd: 0x1013,
			ReadMemory: func(addr uintptr, n int) []byte { return mem[addr-0x1000 : int(addr-0x1000)+n] },
		},
	}}
	p := New(src, System{Boot: time.Now().Add(-90 * time.Second), Hostname: func() string { return "box" }, Release: "6.1.0", NumCPU: 2})
	v := vfs.New(tmpfs.New(0o755, 0, 0), vfs.MountOptions{})
	ctx := &vfs.Context{Creds: vfs.Root}
	if err := v.Mkdir(ctx, v.Root(), "/proc", 0o555); err != nil {
		t.Fatal(err)
	}
	if err := v.Mount(ctx, v.Root(), "/proc", p, vfs.MountOptions{}); err != nil {
		t.Fatal(err)
	}
	return v, src
}

func readFile(t *testing.T, v *vfs.VFS, path string) (string, error) {
	t.Helper()
	f, _, err := v.OpenAt(&vfs.Context{Creds: vfs.Root}, v.Root(), path, fs.OpenFlags{Read: true}, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 7) // small reads, to exercise the position
	for {
		n, err := f.Read(buf)
		if err != nil {
			return "", err
		}
		if n == 0 {
			return b.String(), nil
		}
		b.Write(buf[:n])
	}
}

func TestFiles(t *testing.T) {
	v, _ := newTestVFS(t)
	for _, c := range []struct {
		path, want string
		contains   bool
	}{
		{path: "/proc/self/comm", want: "prog\n"},
		{path: "/proc/7/cmdline", want: "prog\x00-v\x00"},
		{path: "/proc/self/environ", want: "HOME=/root\x00"},
		{path: "/proc/thread-self/comm", want: "worker\n"},
		{path: "/proc/self/task/8/stat", want: "8 (worker) S 1 7 1 ", contains: true},
		{path: "/proc/self/stat", want: "7 (prog) R 1 7 1 0 -1 ", contains: true},
		{path: "/proc/self/status", want: "\nPid:\t7\nPPid:\t1\n", contains: true},
		{path: "/proc/self/maps", want: "00400000-00401000 r-xp 00000000 00:00 0" + strings.Repeat(" ", 34) + "/bin/prog\n", contains: true},
		{path: "/proc/self/statm", want: "2 2 0 0 0 1 0\n"},
		{path: "/proc/self/fdinfo/3", want: "pos:\t42\nflags:\t02000000\n", contains: true},
		{path: "/proc/sys/kernel/hostname", want: "box\n"},
		{path: "/proc/sys/kernel/osrelease", want: "6.1.0\n"},
		{path: "/proc/sys/fs/nr_open", want: "1048576\n"},
		{path: "/proc/uptime", want: "9", contains: true},
		{path: "/proc/1/comm", want: "init\n"},
	} {
		t.Run(c.path, func(t *testing.T) {
			got, err := readFile(t, v, c.path)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if c.contains && !strings.Contains(got, c.want) || !c.contains && got != c.want {
				t.Errorf("got %q, want %q (contains=%v)", got, c.want, c.contains)
			}
		})
	}
}

func TestLinks(t *testing.T) {
	v, _ := newTestVFS(t)
	ctx := &vfs.Context{Creds: vfs.Root}
	for _, c := range []struct{ path, want string }{
		{"/proc/self", "7"},
		{"/proc/thread-self", "7/task/8"},
		{"/proc/self/exe", "/bin/prog"},
		{"/proc/7/cwd", "/tmp"},
		{"/proc/self/fd/3", "/etc/passwd"},
		{"/proc/self/root", "/"},
	} {
		t.Run(c.path, func(t *testing.T) {
			got, err := v.Readlink(ctx, v.Root(), c.path, 0)
			if err != nil || got != c.want {
				t.Errorf("readlink = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestGone checks that a process that ended vanishes, even from names
// the VFS has cached.
func TestGone(t *testing.T) {
	v, src := newTestVFS(t)
	if _, err := readFile(t, v, "/proc/1/comm"); err != nil {
		t.Fatal(err)
	}
	delete(src.procs, 1)
	if _, err := readFile(t, v, "/proc/1/comm"); err != kerr.ENOENT {
		t.Errorf("after exit: %v, want ENOENT", err)
	}
	names := listDir(t, v, "/proc")
	if strings.Contains(names, " 1 ") || !strings.Contains(names, " 7 ") {
		t.Errorf("/proc lists %q", names)
	}
}

func listDir(t *testing.T, v *vfs.VFS, path string) string {
	t.Helper()
	f, _, err := v.OpenAt(&vfs.Context{Creds: vfs.Root}, v.Root(), path, fs.OpenFlags{Read: true, Directory: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	f.(fs.DirReader).ReadDir(func(d fs.Dirent) bool { names = append(names, d.Name); return true })
	return " " + strings.Join(names, " ") + " "
}

func TestReadOnly(t *testing.T) {
	v, _ := newTestVFS(t)
	ctx := &vfs.Context{Creds: vfs.Root}
	if _, _, err := v.OpenAt(ctx, v.Root(), "/proc/new", fs.OpenFlags{Write: true, Create: true}, 0); err == nil {
		t.Error("creating /proc/new succeeded")
	}
	if err := v.Unlink(ctx, v.Root(), "/proc/uptime"); err == nil {
		t.Error("unlinking /proc/uptime succeeded")
	}
	if got := listDir(t, v, "/proc/self/fd"); got != " . .. 0 3 " {
		t.Errorf("fd lists %q", got)
	}
}
