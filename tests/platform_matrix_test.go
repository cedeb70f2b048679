package tests

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// The platform matrix: the other tests run every guest under runos's
// default platform (ptrace); TestPlatformMatrix runs the same cases again
// under each platform in matrixPlatforms, against the same native runs.
// A platform that cannot work on this machine (no /dev/kvm, no permission,
// a hypervisor that refuses the VM) is skipped with the reason runos gives;
// one that starts but runs a program wrongly fails.
var matrixPlatforms = []string{"kvm"}

// matrixSlowBusybox are busybox cases left out of the matrix to keep it
// quick: they test the shell and the kernel's process code, which the
// default platform already covers, at a cost that every exit multiplies
// (about 90 µs per exit on PVM).
var matrixSlowBusybox = map[string]string{
	"fork-exec-1000": "a thousand fork+exec, some 15 s on PVM",
	"stop-continue":  "waits on timed stop/continue rounds, some 6 s",
}

// dynamicCase is a dynamically linked host program (ld.so, libc.so and
// friends come from the host's /), run natively and under runos. Argv is
// used as is, so every program must be given by its full path.
type dynamicCase struct {
	Name string
	Argv []string
}

func dynamicCases() []dynamicCase {
	return []dynamicCase{
		// /usr rather than /: runos shows the guest its own /proc.
		{"ls", []string{"/bin/ls", "-la", "/usr", "/bin/ls"}},
		// dash forks and execs dynamic programs, in pipelines.
		{"sh-pipeline", []string{"/bin/sh", "-c",
			`for i in 1 2 3; do /bin/echo "line $i"; done | /usr/bin/sort -r | /usr/bin/tr '\n' ' '; echo
/usr/bin/env | /usr/bin/sort
/bin/sh -c 'exit 7'; echo "child exit: $?"
/usr/bin/seq 1 5000 | /usr/bin/sha256sum`}},
	}
}

func TestPlatformMatrix(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	for _, plat := range matrixPlatforms {
		t.Run(plat, func(t *testing.T) {
			flag := "--platform=" + plat
			probePlatform(t, runos, plat, flag)
			t.Run("behaviour", func(t *testing.T) {
				t.Parallel()
				var cs []behaviourCase
				cs = append(cs, behaviourCases()...)
				cs = append(cs, futexCases()...)
				cs = append(cs, timerCases()...)
				for _, c := range cs {
					t.Run(c.Name, func(t *testing.T) {
						t.Parallel()
						matrixBehaviour(t, runos, flag, c)
					})
				}
			})
			t.Run("process", func(t *testing.T) {
				t.Parallel()
				for _, c := range processCases() {
					t.Run(c.Name, func(t *testing.T) {
						t.Parallel()
						matrixProcess(t, runos, flag, c)
					})
				}
			})
			t.Run("busybox", func(t *testing.T) {
				t.Parallel()
				bindir := busyboxBin(t)
				for _, c := range busyboxCases() {
					t.Run(c.Name, func(t *testing.T) {
						if why, ok := matrixSlowBusybox[c.Name]; ok {
							t.Skipf("left out of the matrix: %s", why)
						}
						t.Parallel()
						matrixBusybox(t, runos, flag, c, bindir)
					})
				}
			})
			t.Run("dynamic", func(t *testing.T) {
				t.Parallel()
				for _, c := range dynamicCases() {
					t.Run(c.Name, func(t *testing.T) {
						t.Parallel()
						if _, err := os.Stat(c.Argv[0]); err != nil {
							t.Skipf("%s is not installed here: %v", c.Argv[0], err)
						}
						matrixCompare(t, runos, flag, behaviourCase{}, func() invocation {
							return invocation{Argv: c.Argv}
						}, nil)
					})
				}
			})
		})
	}
}

// probePlatform runs a tiny static guest under the platform and skips the
// test when runos says the platform cannot work here; any other wrong
// outcome is a failure.
func probePlatform(t *testing.T, runos, plat, flag string) {
	t.Helper()
	if plat == "kvm" {
		if _, err := os.Stat("/dev/kvm"); err != nil {
			t.Skipf("platform kvm: /dev/kvm is not usable here (%v); the kvm column is skipped", err)
		}
	}
	bin := guestBinary(t, guest{"exitcode", gccStatic})
	got := run(t, runos, invocation{Argv: []string{flag, bin, "42"}})
	if got.Exit == 125 && strings.Contains(got.Stderr, "runos: --platform "+plat+":") {
		// Like a container runtime, runos exits 125 with one line
		// naming the cause (cmd/runos: newPlatform).
		t.Skipf("platform %s does not work on this machine; the %s column is skipped:\n%s",
			plat, plat, strings.TrimSpace(got.Stderr))
	}
	want := outcome{Stdout: "exiting with 42\n", Exit: 42}
	if d := diffOutcomes(want, got); d != "" {
		t.Fatalf("the probe (a static guest exiting 42) fails under %s (-want +got):\n%s", flag, d)
	}
}

// matrixCompare runs inv() natively, checks the native run against want's
// expectations, then runs it under runos with flag and compares. inv is
// called once per run, so that each run gets fresh stdin and cwd.
// nativeAttr, if set, is the native run's process attributes (runos always
// runs its guest as PID 1 of its own PID namespace).
func matrixCompare(t *testing.T, runos, flag string, want behaviourCase, inv func() invocation, nativeAttr *syscall.SysProcAttr) {
	t.Helper()
	nat := inv()
	nat.Attr = nativeAttr
	native := run(t, "", nat)
	checkNative(t, want, native)
	in := inv()
	in.Argv = append([]string{flag}, in.Argv...)
	got := run(t, runos, in)
	w := native
	if want.IgnoreStderr {
		w.Stderr, got.Stderr = "", ""
	}
	if want.Filter != nil {
		w, got = want.Filter(w), want.Filter(got)
	}
	if d := diffOutcomes(w, got); d != "" {
		t.Errorf("runos %s %q differs from the native run (-native +runos):\n%s", flag, in.Argv[1:], d)
	}
}

// matrixBehaviour is runBehaviour under another platform.
func matrixBehaviour(t *testing.T, runos, flag string, c behaviourCase) {
	t.Helper()
	bin := guestBinary(t, c.Guest)
	matrixCompare(t, runos, flag, c, func() invocation {
		inv := invocation{Argv: append([]string{bin}, c.Args...), Env: c.Env, Shell: c.Shell}
		return withStdin(t, inv, c)
	}, nil)
}

// matrixProcess is runProcess under another platform.
func matrixProcess(t *testing.T, runos, flag string, c processCase) {
	t.Helper()
	var attr *syscall.SysProcAttr
	if c.OwnPIDNamespace {
		if os.Geteuid() != 0 {
			t.Skip("the native run needs a new PID namespace, which needs root")
		}
		attr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	}
	bin := guestBinary(t, guest{c.Guest, gccStatic})
	want := behaviourCase{WantExit: c.WantExit, WantStdout: c.WantStdout}
	if c.WantStdout == "" {
		want.WantLines = []string{c.Guest + ": 0 failures"}
	}
	matrixCompare(t, runos, flag, want, func() invocation {
		dir := t.TempDir()
		if c.Files != nil {
			c.Files(t, dir, bin)
		}
		return invocation{Argv: []string{bin, c.Check}, Dir: dir}
	}, attr)
}

// matrixBusybox is runBusybox under another platform.
func matrixBusybox(t *testing.T, runos, flag string, c busyboxCase, bindir string) {
	t.Helper()
	want := behaviourCase{WantExit: c.WantExit, WantStdout: c.WantStdout}
	matrixCompare(t, runos, flag, want, func() invocation { return busyboxInvocation(t, c, bindir) }, nil)
}
