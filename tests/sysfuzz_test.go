package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fuzzSeeds are the guest/sysfuzz.c runs: a fixed seed each, so a failure
// can be replayed with `sysfuzz SEED COUNT`.
var fuzzSeeds = []int{1, 2, 3}

const fuzzCalls = 100000

// TestSysfuzz runs the syscall fuzzer natively (to check the fuzzer) and
// under runos (to check runos): both must finish with exit 0 and the summary
// line, and runos must not report an internal error or a Go panic. Their
// outputs are not compared: runos answers ENOSYS where it has no handler.
//
// Native runs are made as user nobody: fuzzed calls then cannot change the
// host. Both runs are placed in fresh network, IPC and UTS namespaces so
// that a fuzzed connect(2) cannot reach any address and System V IPC objects
// die with the run. This needs root; elsewhere the test is skipped.
func TestSysfuzz(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the fuzzer in its own namespaces as user nobody")
	}
	for _, seed := range fuzzSeeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			bin := guestBinary(t, guest{"sysfuzz", gccStatic})
			args := []string{fmt.Sprint(seed), fmt.Sprint(fuzzCalls)}
			want := fmt.Sprintf("sysfuzz: %d calls done\n", fuzzCalls)

			t.Run("native", func(t *testing.T) {
				dir, prog := fuzzDir(t, bin)
				o := run(t, "", invocation{
					Argv: append([]string{prog}, args...),
					Dir:  dir,
					Attr: &syscall.SysProcAttr{
						Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS,
						Credential: &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: false},
					},
				})
				if o.Exit != 0 || o.Stdout != want {
					t.Errorf("native sysfuzz %v: exit %d, stdout %q, want exit 0 and %q\nstderr:\n%s", args, o.Exit, o.Stdout, want, truncate(o.Stderr))
				}
			})
			t.Run("runos", func(t *testing.T) {
				skipIfNativeOnly(t)
				runos := requireRunos(t)
				dir, prog := fuzzDir(t, bin)
				o := run(t, runos, invocation{
					Argv: append([]string{prog}, args...),
					Dir:  dir,
					Attr: &syscall.SysProcAttr{
						Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS,
					},
				})
				if o.Exit != 0 || o.Stdout != want {
					t.Errorf("runos sysfuzz %v: exit %d, stdout %q, want exit 0 and %q\nstderr:\n%s", args, o.Exit, o.Stdout, want, truncate(o.Stderr))
				}
				// The guest's own stderr is /dev/null, so all of this is runos's.
				if bad := internalErrorLines(o.Stderr); len(bad) > 0 {
					t.Errorf("runos reported internal errors while fuzzed (seed %d):\n%s", seed, truncate(strings.Join(bad, "\n")))
				}
			})
		})
	}
}

// internalErrorLines returns the lines of runos's stderr that show a bug in
// runos rather than a refused call.
func internalErrorLines(stderr string) []string {
	var bad []string
	for _, l := range strings.Split(stderr, "\n") {
		low := strings.ToLower(l)
		if strings.Contains(low, "internal error") || strings.Contains(low, "panic") ||
			strings.HasPrefix(l, "goroutine ") || strings.Contains(l, "fatal error:") {
			bad = append(bad, l)
		}
	}
	return bad
}

// fuzzDir makes a scratch directory the fuzzer may litter, world-writable
// and reachable by nobody (t.TempDir's parents are not), with a copy of the
// fuzzer binary beside it, and returns both paths.
func fuzzDir(t *testing.T, bin string) (dir, prog string) {
	t.Helper()
	top, err := os.MkdirTemp("", "runos-sysfuzz-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	dir = filepath.Join(top, "work")
	prog = filepath.Join(top, "sysfuzz")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{top, dir} {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	return dir, prog
}
