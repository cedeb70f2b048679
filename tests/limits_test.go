package tests

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestCredentialsAndLimits runs the guests about ids, resource limits and
// scheduling natively and under runos, as root, and compares them: root
// can do everything these guests try, including dropping to other users
// and checking what is then refused.
func TestCredentialsAndLimits(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the guests change user ids: needs root natively")
	}
	cases := []struct {
		name string
		want string // the native run's last line
	}{
		{"creds", "creds: 0 failures"},
		{"rlimits", "rlimits: 0 failures"},
		{"sched", "sched: 0 failures"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bin := guestBinary(t, guest{c.name, gccStatic})
			// The creds guest execs itself by argv[0] after giving up
			// root, so natively its copy must be readable by anyone.
			dir, prog := fuzzDir(t, bin)
			inv := invocation{Argv: []string{prog}, Dir: dir}
			native := run(t, "", inv)
			if native.Exit != 0 || !strings.HasSuffix(native.Stdout, c.want+"\n") {
				t.Fatalf("native %s: exit %d, want 0 and %q; stdout:\n%s\nstderr:\n%s", c.name, native.Exit, c.want, native.Stdout, native.Stderr)
			}
			if nativeOnly {
				return
			}
			got := run(t, requireRunos(t), inv)
			if d := diffOutcomes(native, got); d != "" {
				t.Errorf("%s under runos differs from native (-native +runos):\n%s", c.name, d)
			}
		})
	}
}

// TestSandboxUser runs the creds guest's unprivileged checks as user
// 65534:65534 with no supplementary groups: natively by starting it with
// those credentials, under runos with --user 65534:65534 (runos itself
// stays root).
func TestSandboxUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("starting the native run as 65534 needs root")
	}
	bin := guestBinary(t, guest{"creds", gccStatic})
	dir, prog := fuzzDir(t, bin) // a copy user 65534 may run
	native := run(t, "", invocation{
		Argv: []string{prog, "unpriv"},
		Dir:  dir,
		Attr: &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}},
	})
	const want = "creds unpriv: 0 failures\n"
	if native.Exit != 0 || !strings.HasSuffix(native.Stdout, want) {
		t.Fatalf("native creds unpriv: exit %d, want 0 and %q; stdout:\n%s\nstderr:\n%s", native.Exit, want, native.Stdout, native.Stderr)
	}
	skipIfNativeOnly(t)
	got := run(t, requireRunos(t), invocation{Argv: []string{"--user", "65534:65534", prog, "unpriv"}, Dir: dir})
	if d := diffOutcomes(native, got); d != "" {
		t.Errorf("creds unpriv under runos --user 65534:65534 differs from native (-native +runos):\n%s", d)
	}
}

// TestForkBomb runs a program that forks until fork fails under
// --max-procs=64: fork must fail with EAGAIN once the sandbox holds 64
// processes (the bomb and its 63 children), the program must reap them
// all, and runos must exit with the program's status. It has no native
// run: natively the bomb would only stop at the host's limits.
func TestForkBomb(t *testing.T) {
	skipIfNativeOnly(t)
	bin := guestBinary(t, guest{"forkbomb", gccStatic})
	o := run(t, requireRunos(t), invocation{Argv: []string{"--max-procs=64", bin}})
	want := "fork failed with: EAGAIN\nchildren: 63\nreaped: 63\nforkbomb: 0 failures\n"
	if o.Exit != 0 || o.Stdout != want {
		t.Errorf("runos --max-procs=64 forkbomb: exit %d, stdout:\n%s\nwant exit 0, stdout:\n%s\nstderr:\n%s", o.Exit, o.Stdout, want, truncate(o.Stderr))
	}
	if bad := internalErrorLines(o.Stderr); len(bad) > 0 {
		t.Errorf("runos reported internal errors:\n%s", strings.Join(bad, "\n"))
	}
}

// TestMemoryLimit runs a program that allocates and touches memory until
// it fails, under --memory=256M. Linux allows two endings: malloc returns
// NULL, or the out-of-memory killer ends the program with SIGKILL. runos
// enforces the limit when a page is first touched, so it takes the second
// and says so on stderr; either way runos itself must exit normally with
// the program's status (run fails the test if runos dies of a signal).
func TestMemoryLimit(t *testing.T) {
	skipIfNativeOnly(t)
	bin := guestBinary(t, guest{"memhog", gccStatic})
	o := run(t, requireRunos(t), invocation{Argv: []string{"--memory=256M", bin}})
	switch {
	case o.Exit == 128+int(syscall.SIGKILL):
		if !strings.Contains(o.Stderr, "runos: out of memory: killing process 1\n") {
			t.Errorf("memhog was killed but runos did not say why; stderr:\n%s", truncate(o.Stderr))
		}
	case o.Exit == 0 && strings.HasPrefix(o.Stdout, "malloc failed after "):
	default:
		t.Errorf("runos --memory=256M memhog: exit %d, stdout %q; want 137 (killed) or 0 with malloc failing\nstderr:\n%s", o.Exit, o.Stdout, truncate(o.Stderr))
	}
	if bad := internalErrorLines(o.Stderr); len(bad) > 0 {
		t.Errorf("runos reported internal errors:\n%s", strings.Join(bad, "\n"))
	}
}

// TestMemoryLimitAtMmap: under --memory=256M, a 512 MiB private mapping
// and a 400 MiB malloc fail with ENOMEM at once; without the flag both
// succeed (the memory is never touched).
func TestMemoryLimitAtMmap(t *testing.T) {
	skipIfNativeOnly(t)
	bin := guestBinary(t, guest{"bigmap", gccStatic})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--memory=256M", bin}, "mmap 512M: Cannot allocate memory\nmalloc 400M: NULL\n"},
		{[]string{bin}, "mmap 512M: ok\nmalloc 400M: ok\n"},
	} {
		o := run(t, requireRunos(t), invocation{Argv: c.args})
		if o.Exit != 0 || o.Stdout != c.want {
			t.Errorf("runos %v: exit %d, stdout %q; want 0 and %q\nstderr:\n%s", c.args, o.Exit, o.Stdout, c.want, truncate(o.Stderr))
		}
	}
}

// TestLimitFlags checks that malformed --user, --memory and --max-procs
// values are usage errors (exit 2) that name the flag.
func TestLimitFlags(t *testing.T) {
	skipIfNativeOnly(t)
	bin := guestBinary(t, guest{"exitcode", gccStatic})
	cases := []struct {
		name string
		args []string
		flag string
	}{
		{"user without gid", []string{"--user", "1000"}, "--user"},
		{"user not numeric", []string{"--user", "nobody:nogroup"}, "--user"},
		{"memory not a size", []string{"--memory", "lots"}, "--memory"},
		{"memory unknown suffix", []string{"--memory", "1X"}, "--memory"},
		{"negative max-procs", []string{"--max-procs=-1"}, "--max-procs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := run(t, requireRunos(t), invocation{Argv: append(c.args, bin, "0")})
			if o.Exit != 2 || !strings.Contains(o.Stderr, c.flag) {
				t.Errorf("runos %v: exit %d, stderr %q; want exit 2 naming %s", c.args, o.Exit, o.Stderr, c.flag)
			}
		})
	}
}
