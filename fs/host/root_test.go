package host

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

const guestPasswd = "guest:x:0:0::/:/bin/sh\n"

// makeTree builds a sandbox root with a file, a subdirectory and the
// symlinks an escaping guest would try. withEtc adds the guest's own
// /etc/passwd.
func makeTree(t *testing.T, withEtc bool) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "file.txt"), []byte("hello\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "script"), []byte("#!/bin/sh\n"), 0o755))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "sub", "inner.txt"), []byte("inner\n"), 0o644))
	for name, target := range map[string]string{
		"abs-passwd":  "/etc/passwd",
		"rel-passwd":  "../../../../etc/passwd",
		"proc-passwd": "/proc/self/root/etc/passwd",
		"dirlink":     "sub",
		"dangling":    "nowhere",
		"loop1":       "loop2",
		"loop2":       "loop1",
	} {
		must(os.Symlink(target, filepath.Join(dir, name)))
	}
	must(unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	if withEtc {
		must(os.Mkdir(filepath.Join(dir, "etc"), 0o755))
		must(os.WriteFile(filepath.Join(dir, "etc", "passwd"), []byte(guestPasswd), 0o644))
	}
	return dir
}

func openRoot(t *testing.T, dir string) *Root {
	t.Helper()
	r, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func readAll(t *testing.T, f fs.File) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 7)
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

// TestOpenStaysInRoot tries the classic ways out of a root. With the
// guest's own /etc/passwd they must read it; without, ENOENT; never the
// host's file.
func TestOpenStaysInRoot(t *testing.T) {
	hostPasswd, _ := os.ReadFile("/etc/passwd")
	paths := []string{
		"/etc/passwd",
		"/../../etc/passwd",
		"/sub/../../../etc/passwd",
		"../etc/passwd",
		"/abs-passwd",
		"/rel-passwd",
		"/sub/../rel-passwd",
	}
	for _, withEtc := range []bool{true, false} {
		r := openRoot(t, makeTree(t, withEtc))
		for _, p := range paths {
			name := p + map[bool]string{true: " with etc", false: " without etc"}[withEtc]
			t.Run(name, func(t *testing.T) {
				f, err := r.Open(p, OpenRead)
				if !withEtc {
					if err != kerr.ENOENT {
						t.Fatalf("Open(%q) error = %v, want ENOENT", p, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Open(%q): %v", p, err)
				}
				defer f.Close()
				got := readAll(t, f)
				if got != guestPasswd {
					t.Errorf("Open(%q) read %q, want the guest's %q", p, got, guestPasswd)
				}
				if len(hostPasswd) > 0 && bytes.Equal([]byte(got), hostPasswd) {
					t.Errorf("Open(%q) read the host's /etc/passwd", p)
				}
			})
		}
		t.Run("proc-passwd", func(t *testing.T) {
			// There is no /proc inside the root, so the absolute link
			// resolves beneath it and finds nothing.
			if _, err := r.Open("/proc-passwd", OpenRead); err != kerr.ENOENT {
				t.Errorf("Open(/proc-passwd) error = %v, want ENOENT", err)
			}
		})
	}
}

// TestOpenRefusesMagicLinks puts a real procfs inside the root, so that
// /proc/self/root exists there: it is a magic link to the host's root and
// must be refused, not followed.
func TestOpenRefusesMagicLinks(t *testing.T) {
	dir := makeTree(t, false)
	procDir := filepath.Join(dir, "proc")
	if err := os.Mkdir(procDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("proc", procDir, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		t.Skipf("cannot mount procfs inside the test root: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(procDir, unix.MNT_DETACH) })
	r := openRoot(t, dir)
	for _, p := range []string{"/proc-passwd", "/proc/self/root/etc/passwd", "/proc/1/root/etc/passwd", "/proc/self/cwd"} {
		t.Run(p, func(t *testing.T) {
			f, err := r.Open(p, OpenRead)
			if err == nil {
				f.Close()
				t.Fatalf("Open(%q) succeeded through a magic link", p)
			}
			// Following another process's root link may first fail its
			// ptrace access check (EACCES); either way it is not followed.
			if err != kerr.ELOOP && err != kerr.EACCES {
				t.Errorf("Open(%q) error = %v, want ELOOP (or EACCES)", p, err)
			}
		})
	}
	// The ordinary files of procfs remain readable.
	f, err := r.Open("/proc/self/stat", OpenRead)
	if err != nil {
		t.Fatalf("Open(/proc/self/stat): %v", err)
	}
	f.Close()
}

func TestOpenErrors(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	tests := []struct {
		path  string
		flags OpenFlags
		want  error
	}{
		{"/missing", OpenRead, kerr.ENOENT},
		{"", OpenRead, kerr.ENOENT},
		{"/dangling", OpenRead, kerr.ENOENT},
		{"/file.txt/", OpenRead, kerr.ENOTDIR},
		{"/file.txt/x", OpenRead, kerr.ENOTDIR},
		{"/file.txt", OpenRead | OpenDirectory, kerr.ENOTDIR},
		{"/loop1", OpenRead, kerr.ELOOP},
		{"/loop1/x", OpenRead, kerr.ELOOP},
		{"/dirlink", OpenRead | OpenNoFollow, kerr.ELOOP},
		{"/file.txt", OpenWrite, kerr.EROFS},
		{"/file.txt", OpenRead | OpenWrite | OpenAppend, kerr.EROFS},
		{"/file.txt", OpenRead | OpenTruncate, kerr.EROFS},
		{"/sub", OpenWrite, kerr.EISDIR},
		{"/sub", OpenRead | OpenCreate, kerr.EISDIR},
		{"/missing", OpenWrite, kerr.ENOENT},
		{"/new", OpenWrite | OpenCreate, kerr.EROFS},
		{"/sub/new", OpenWrite | OpenCreate | OpenExclusive, kerr.EROFS},
		{"/nodir/new", OpenWrite | OpenCreate, kerr.ENOENT},
		{"/file.txt/new", OpenWrite | OpenCreate, kerr.ENOTDIR},
		{"/file.txt", OpenWrite | OpenCreate | OpenExclusive, kerr.EEXIST},
		{"/dangling", OpenWrite | OpenCreate | OpenExclusive, kerr.EEXIST},
		{"/file.txt", 1 << 20, kerr.EINVAL},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			f, err := r.Open(tc.path, tc.flags)
			if err == nil {
				f.Close()
			}
			if err != tc.want {
				t.Errorf("Open(%q, %#x) error = %v, want %v", tc.path, tc.flags, err, tc.want)
			}
		})
	}
}

func TestOpenSucceeds(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	tests := []struct {
		path  string
		flags OpenFlags
		want  string // content; "" for a directory
	}{
		{"/file.txt", OpenRead, "hello\n"},
		{"/file.txt", OpenRead | OpenCreate, "hello\n"}, // exists: O_CREAT does nothing
		{"/file.txt", OpenRead | OpenAppend, "hello\n"},
		{"/file.txt", OpenRead | OpenNoFollow, "hello\n"},
		{"/dirlink/inner.txt", OpenRead | OpenNoFollow, "inner\n"}, // only the last component counts
		{"/sub/../sub/./inner.txt", OpenRead, "inner\n"},
		{"//sub///inner.txt", OpenRead, "inner\n"},
		{"sub/inner.txt", OpenRead, "inner\n"},
		{"/fifo", OpenRead, ""}, // must not block waiting for a writer
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			f, err := r.Open(tc.path, tc.flags)
			if err != nil {
				t.Fatalf("Open(%q, %#x): %v", tc.path, tc.flags, err)
			}
			defer f.Close()
			if got := readAll(t, f); got != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpenDirectory(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	for _, p := range []string{"/", "/sub", "/dirlink", "/sub/", "/.."} {
		t.Run(p, func(t *testing.T) {
			f, err := r.Open(p, OpenRead|OpenDirectory)
			if err != nil {
				t.Fatalf("Open(%q, O_DIRECTORY): %v", p, err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil || st.Mode&fs.ModeTypeMask != fs.ModeDir {
				t.Errorf("Stat = %o, %v; want a directory", st.Mode, err)
			}
			if _, err := f.Read(make([]byte, 10)); err != kerr.EISDIR {
				t.Errorf("Read error = %v, want EISDIR", err)
			}
		})
	}
}

func TestOpenRefusesDevices(t *testing.T) {
	dir := makeTree(t, false)
	// The host's /dev/null: reading it would be harmless, but a node for
	// a disk would not be, and both look alike to a lookup.
	if err := unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod needs privilege: %v", err)
	}
	r := openRoot(t, dir)
	if _, err := r.Open("/null", OpenRead); err != kerr.EACCES {
		t.Errorf("Open(/null) error = %v, want EACCES", err)
	}
	st, err := r.Stat("/null", true)
	if err != nil || st.Mode&fs.ModeTypeMask != fs.ModeChar || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("Stat(/null) = mode %o rdev %#x, %v; want the char device 1,3", st.Mode, st.Rdev, err)
	}
}

func TestFileOperations(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	f, err := r.Open("/file.txt", OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if n, err := f.ReadAt(buf, 2); n != 3 || err != nil || string(buf) != "llo" {
		t.Errorf("ReadAt(3, 2) = %d, %v, %q; want 3, nil, \"llo\"", n, err, buf[:n])
	}
	if n, err := f.ReadAt(make([]byte, 4096), 0); n != 6 || err != nil {
		t.Errorf("ReadAt past EOF = %d, %v; want the short count 6, nil", n, err)
	}
	if _, err := f.ReadAt(buf, -1); err != kerr.EINVAL {
		t.Errorf("ReadAt(-1) error = %v, want EINVAL", err)
	}
	if off, err := f.Seek(-2, 2); off != 4 || err != nil {
		t.Errorf("Seek(-2, END) = %d, %v; want 4", off, err)
	}
	if got := readAll(t, f); got != "o\n" {
		t.Errorf("Read after Seek = %q, want \"o\\n\"", got)
	}
	if _, err := f.Seek(-100, 0); err != kerr.EINVAL {
		t.Errorf("Seek(-100, SET) error = %v, want EINVAL", err)
	}
	if _, err := f.Write([]byte("x")); err != kerr.EBADF {
		t.Errorf("Write error = %v, want EBADF", err)
	}
	if _, err := f.WriteAt([]byte("x"), 0); err != kerr.EBADF {
		t.Errorf("WriteAt error = %v, want EBADF", err)
	}
	st, err := f.Stat()
	if err != nil || st.Size != 6 || st.Mode != fs.ModeRegular|0o644 || st.Nlink != 1 {
		t.Errorf("Stat = %+v, %v; want a 6-byte regular file, mode 0644", st, err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := f.Close(); err != kerr.EBADF {
		t.Errorf("second Close error = %v, want EBADF", err)
	}
	if _, err := f.Read(buf); err != kerr.EBADF {
		t.Errorf("Read after Close error = %v, want EBADF", err)
	}
}

func TestStat(t *testing.T) {
	r := openRoot(t, makeTree(t, true))
	tests := []struct {
		path     string
		follow   bool
		wantType uint32
		wantSize int64 // -1: don't care
		wantErr  error
	}{
		{"/file.txt", true, fs.ModeRegular, 6, nil},
		{"/dirlink", true, fs.ModeDir, -1, nil},
		{"/dirlink", false, fs.ModeSymlink, int64(len("sub")), nil},
		{"/abs-passwd", true, fs.ModeRegular, int64(len(guestPasswd)), nil},
		{"/abs-passwd", false, fs.ModeSymlink, int64(len("/etc/passwd")), nil},
		{"/fifo", true, fs.ModeFIFO, 0, nil},
		{"/dangling", true, 0, 0, kerr.ENOENT},
		{"/dangling", false, fs.ModeSymlink, int64(len("nowhere")), nil},
		{"/loop1", true, 0, 0, kerr.ELOOP},
		{"/file.txt/", true, 0, 0, kerr.ENOTDIR},
		{"/missing", false, 0, 0, kerr.ENOENT},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			st, err := r.Stat(tc.path, tc.follow)
			if err != tc.wantErr {
				t.Fatalf("Stat(%q, %v) error = %v, want %v", tc.path, tc.follow, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if st.Mode&fs.ModeTypeMask != tc.wantType || tc.wantSize >= 0 && st.Size != tc.wantSize {
				t.Errorf("Stat(%q, %v) = mode %o size %d; want type %o size %d", tc.path, tc.follow, st.Mode, st.Size, tc.wantType, tc.wantSize)
			}
		})
	}
}

func TestReadlink(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	tests := []struct {
		path, want string
		wantErr    error
	}{
		{"/abs-passwd", "/etc/passwd", nil},
		{"/rel-passwd", "../../../../etc/passwd", nil},
		{"/dangling", "nowhere", nil},
		{"/sub/../dirlink", "sub", nil},
		{"/file.txt", "", kerr.EINVAL},
		{"/sub", "", kerr.EINVAL},
		{"/missing", "", kerr.ENOENT},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := r.Readlink(tc.path)
			if got != tc.want || err != tc.wantErr {
				t.Errorf("Readlink(%q) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestReadlinkLong(t *testing.T) {
	dir := makeTree(t, false)
	target := string(bytes.Repeat([]byte("a/"), 1000)) + "end"
	if err := os.Symlink(target, filepath.Join(dir, "long")); err != nil {
		t.Fatal(err)
	}
	r := openRoot(t, dir)
	if got, err := r.Readlink("/long"); got != target || err != nil {
		t.Errorf("Readlink(/long) = %d bytes, %v; want %d bytes", len(got), err, len(target))
	}
}

func TestAccess(t *testing.T) {
	r := openRoot(t, makeTree(t, false))
	root := os.Geteuid() == 0
	tests := []struct {
		path string
		mode int
		want error
	}{
		{"/file.txt", 0, nil},
		{"/file.txt", AccessRead, nil},
		{"/file.txt", AccessWrite, kerr.EROFS},
		{"/sub", AccessWrite | AccessExec, kerr.EROFS},
		{"/script", AccessRead | AccessExec, nil},
		{"/sub", AccessExec, nil},
		{"/dirlink", AccessExec, nil},
		{"/missing", 0, kerr.ENOENT},
		{"/loop1", 0, kerr.ELOOP},
		{"/file.txt", 8, kerr.EINVAL},
	}
	if root {
		// Even root may execute only files with some execute bit.
		tests = append(tests, struct {
			path string
			mode int
			want error
		}{"/file.txt", AccessExec, kerr.EACCES})
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if err := r.Access(tc.path, tc.mode); err != tc.want {
				t.Errorf("Access(%q, %d) = %v, want %v", tc.path, tc.mode, err, tc.want)
			}
		})
	}
}

func TestFromErrno(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{nil, nil},
		{unix.ENOENT, kerr.ENOENT},
		{unix.EWOULDBLOCK, kerr.EAGAIN},
		{unix.ENOTSUP, kerr.EOPNOTSUPP},
		{unix.EHOSTDOWN, kerr.EIO}, // no kernel equivalent yet
		{kerr.EPIPE, kerr.EPIPE},
		{errors.New("not an errno"), kerr.EIO},
		{&os.PathError{Op: "open", Path: "x", Err: unix.ELOOP}, kerr.ELOOP},
	}
	for _, tc := range tests {
		if got := FromErrno(tc.in); got != tc.want {
			t.Errorf("FromErrno(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	// Every kernel error but the internal restart codes has a host errno.
	mapped := map[kerr.Error]bool{}
	for _, ke := range errnoTable {
		mapped[ke] = true
	}
	for e := kerr.Error(1); int(e) < kerr.NumErrors; e++ {
		if !e.IsRestart() && !mapped[e] {
			t.Errorf("%v has no host errno in the table", e)
		}
	}
}
