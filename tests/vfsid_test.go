package tests

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// vfsidFixture makes a fresh directory tree for guest/vfsid.c and returns
// the directory to run in and the guest's path there. "user" gets a
// root-owned 0755 directory with a 0600 secret and a sticky 1777
// directory holding a 0666 root file; "fd" gets an empty directory.
func vfsidFixture(t *testing.T, bin, mode string) (dir, prog string) {
	t.Helper()
	top, err := os.MkdirTemp("", "runos-vfsid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	prog = filepath.Join(top, "vfsid")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(top, "work")
	steps := []func() error{
		func() error { return os.WriteFile(prog, data, 0o755) },
		func() error { return os.Chmod(top, 0o755) },
		func() error { return os.Mkdir(dir, 0o755) },
	}
	if mode == "user" {
		steps = append(steps,
			func() error { return os.WriteFile(filepath.Join(dir, "secret"), []byte("root only\n"), 0o600) },
			func() error { return os.Mkdir(filepath.Join(dir, "sticky"), 0o755) },
			func() error { return os.Chmod(filepath.Join(dir, "sticky"), os.ModeSticky|0o777) },
			func() error { return os.WriteFile(filepath.Join(dir, "sticky", "rootfile"), nil, 0o666) },
			func() error { return os.Chmod(filepath.Join(dir, "sticky", "rootfile"), 0o666) },
		)
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	// The temporary directory's parents must let user 1000 through.
	for p := filepath.Dir(top); p != "/"; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("%s is not searchable by others; the unprivileged run cannot reach the fixture", p)
		}
	}
	return dir, prog
}

// TestVFSIdentity runs guest/vfsid.c natively and under runos, each in a
// fresh tree. "user" checks that file operations are made as the calling
// process (natively started as 1000:1000 with no supplementary groups,
// as `setpriv --reuid=1000 --regid=1000 --clear-groups` would; under
// runos with --user=1000:1000); "fd" checks that descriptors, the working
// directory and directory descriptors follow renames, and chroot(2).
func TestVFSIdentity(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the fixtures and the native unprivileged run need root")
	}
	bin := guestBinary(t, guest{"vfsid", gccStatic})
	cases := []struct {
		mode  string
		attr  *syscall.SysProcAttr
		flags []string
		want  []string
	}{
		{
			mode:  "user",
			attr:  &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1000, Gid: 1000, Groups: []uint32{}}},
			flags: []string{"--user=1000:1000"},
			want:  []string{"open secret: EACCES", "mkdir in root dir: EACCES", "mine uid: 1000", "chown secret: EPERM", "unlink rootfile in sticky: EPERM", "chroot: EPERM"},
		},
		{
			mode: "fd",
			want: []string{"b mode: 416", "cwd after parent rename: /p2/q", "getcwd in removed dir: ENOENT", "cwd after fchdir: /d2", "cwd at new root: /", "child open /x: OK"},
		},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			dir, prog := vfsidFixture(t, bin, c.mode)
			native := run(t, "", invocation{Argv: []string{prog, c.mode}, Dir: dir, Attr: c.attr})
			if native.Exit != 0 || !strings.HasSuffix(native.Stdout, "vfsid: 0 failures\n") {
				t.Fatalf("native vfsid %s: exit %d; stdout:\n%s\nstderr:\n%s", c.mode, native.Exit, native.Stdout, native.Stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(native.Stdout, w+"\n") {
					t.Fatalf("native vfsid %s lacks %q; stdout:\n%s", c.mode, w, native.Stdout)
				}
			}
			skipIfNativeOnly(t)
			dir, prog = vfsidFixture(t, bin, c.mode)
			got := run(t, requireRunos(t), invocation{Argv: append(append([]string{}, c.flags...), prog, c.mode), Dir: dir})
			if d := diffOutcomes(native, got); d != "" {
				t.Errorf("vfsid %s under runos differs from native (-native +runos):\n%s", c.mode, d)
			}
		})
	}
}
