package tests

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// processCase is one check of a process guest (guest/proc*.c, built with
// gcc -static): argv[1] names the check. Like a behaviourCase it runs
// natively and under runos, and the two runs must agree on stdout, stderr
// and exit status; the native run must meet the case's expectations. Each
// run gets a fresh temporary cwd.
type processCase struct {
	Name     string
	Guest    string // guest/NAME.c
	Check    string // argv[1]
	WantExit int
	// WantStdout is the exact native stdout; when empty the native run must
	// end with the guest's "NAME: 0 failures" line instead (and print no
	// FAIL line, as for every case).
	WantStdout string
	// Files fills the cwd of each run before it starts; bin is the guest.
	Files func(t *testing.T, dir, bin string)
	// OwnPIDNamespace runs the native guest as PID 1 of a new PID namespace,
	// which is how runos always runs its guest. Checks about PID 1 need it,
	// and kill(-1) must not reach the host's processes. Needs root.
	OwnPIDNamespace bool
}

func processCases() []processCase {
	var cs []processCase
	add := func(guest string, checks ...string) {
		for _, c := range checks {
			cs = append(cs, processCase{Name: guest + "/" + c, Guest: guest, Check: c})
		}
	}
	add("procwait", "exit", "signal")
	// See core(5): the core bit is set only when a core file was written.
	// The native run writes it into its temporary cwd when core_pattern is
	// a file name ("core" here; the test logs the host's value), or hands
	// it to a helper when core_pattern is a pipe. runos writes no core files
	// and its root is read-only, so what it should report for RLIMIT_CORE
	// unlimited is an open question; the case shows what it does today.
	add("procwait", "core", "stop", "waitid", "echild", "nocldwait")
	cs = append(cs,
		processCase{Name: "procwait/die-term", Guest: "procwait", Check: "die-term", WantExit: 128 + 15, WantStdout: "raising SIGTERM\n"},
		processCase{Name: "procwait/die-kill", Guest: "procwait", Check: "die-kill", WantExit: 128 + 9, WantStdout: "raising SIGKILL\n"},
	)
	add("procfork", "cow", "shared", "vfork")
	add("procsig", "siginfo", "restart", "sigsuspend", "rtqueue-kill", "rtqueue-sigqueue", "blocked-ignored")
	cs = append(cs, processCase{Name: "procsig/kill-1", Guest: "procsig", Check: "kill-1", OwnPIDNamespace: true})
	add("procgroup", "pgrp", "session", "orphan-subreaper")
	cs = append(cs,
		processCase{Name: "procgroup/orphan-init", Guest: "procgroup", Check: "orphan-init", OwnPIDNamespace: true},
		processCase{Name: "procexec/shebang", Guest: "procexec", Check: "shebang", Files: execFiles},
		processCase{Name: "procexec/errors", Guest: "procexec", Check: "errors", Files: execFiles},
		processCase{Name: "procexec/cloexec", Guest: "procexec", Check: "cloexec"},
	)
	return cs
}

// execFiles makes the scripts and broken executables that guest/procexec.c
// runs from its cwd. See execve(2): the "#!" line's interpreter path ends at
// the first blank; the rest, without surrounding blanks, is one argument.
func execFiles(t *testing.T, dir, bin string) {
	t.Helper()
	files := []struct {
		name, text string
		mode       os.FileMode
	}{
		{"script1", "#!" + bin + " interp\nnot read by the interpreter\n", 0o755},
		{"script2", "#!" + bin + "   interp  two words  \n", 0o755},
		{"script3", "#!./script1\n", 0o755}, // an interpreter that is itself a script
		{"script4", "#! " + bin + "\n", 0o755},
		{"noexec", "#!/bin/sh\n", 0o644},
		{"garbage", "this is not a program\n", 0o755},
		{"empty", "", 0o755},
		{"badinterp", "#!/nonexistent/interpreter\n", 0o755},
		{"loop1", "#!./loop2\n", 0o755},
		{"loop2", "#!./loop1\n", 0o755},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.text), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil { // not narrowed by the umask
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestProcess(t *testing.T) {
	if b, err := os.ReadFile("/proc/sys/kernel/core_pattern"); err == nil {
		t.Logf("host core_pattern: %q", strings.TrimSpace(string(b)))
	}
	for _, c := range processCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runProcess(t, c)
		})
	}
}

func runProcess(t *testing.T, c processCase) {
	t.Helper()
	bin := guestBinary(t, guest{c.Guest, gccStatic})
	if c.OwnPIDNamespace && os.Geteuid() != 0 {
		t.Skip("the native run needs a new PID namespace, which needs root")
	}
	inv := func() invocation {
		dir := t.TempDir()
		if c.Files != nil {
			c.Files(t, dir, bin)
		}
		return invocation{Argv: []string{bin, c.Check}, Dir: dir}
	}

	nat := inv()
	if c.OwnPIDNamespace {
		nat.Attr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	}
	native := run(t, "", nat)
	want := behaviourCase{WantExit: c.WantExit, WantStdout: c.WantStdout}
	if c.WantStdout == "" {
		want.WantLines = []string{c.Guest + ": 0 failures"}
	}
	checkNative(t, want, native)
	if nativeOnly {
		return
	}
	got := run(t, requireRunos(t), inv())
	if d := diffOutcomes(native, got); d != "" {
		t.Errorf("runos %s %s differs from the native run (-native +runos):\n%s", c.Guest, c.Check, d)
	}
}
