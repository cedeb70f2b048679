package tests

import (
	"strings"
	"testing"
)

// TestProcfs runs guest/procfs.c natively and under runos: what a program
// reads about itself from /proc (stat, status, maps, cmdline, environ,
// exe, self, thread-self, fd, fdinfo, uptime, statm, limits and the
// system files), from /dev (null, zero, full, urandom, fd, stdout, shm,
// tty) and /sys. The guest prints booleans, so the outputs must be equal.
func TestProcfs(t *testing.T) {
	runBehaviour(t, behaviourCase{
		Name:  "procfs",
		Guest: guest{"procfs", gccStatic},
		Args:  []string{"arg-one"},
		Env:   []string{"PROCFS_TEST=marker"},
		Stdin: "input\n",
		WantLines: []string{
			"stat pid is getpid: yes", "maps has [stack]: yes", "exe names this program: yes",
			"fd lists 0 1 2 and its own: yes", "uptime parses: yes", "null reads eof: yes",
			"procfs: 0 failures",
		},
	})
}

// TestProcfsPID1 checks, under runos only, that /proc describes the
// sandbox: the guest is PID 1, /proc/1 is the guest (never the host's
// init), and no other process is listed.
func TestProcfsPID1(t *testing.T) {
	if nativeOnly {
		t.Skip("the sandbox's PID 1 exists under runos only")
	}
	bin := guestBinary(t, guest{"procfs", gccStatic})
	got := run(t, requireRunos(t), invocation{Argv: []string{bin, "pid1"}})
	if got.Exit != 0 || !strings.HasSuffix(got.Stdout, "procfs: 0 failures\n") {
		t.Errorf("procfs pid1 under runos: exit %d; stdout:\n%s\nstderr:\n%s", got.Exit, got.Stdout, got.Stderr)
	}
}

// TestProcfsShell reads /proc and /dev through the shell and coreutils,
// as scripts do: a pipe read through /dev/stdin, a write through
// /dev/stdout, ls of /proc/self/fd and the /dev links.
func TestProcfsShell(t *testing.T) {
	for _, c := range []struct{ name, script, stdin string }{
		{"dev-stdin", "cat /dev/stdin", "piped\n"},
		{"dev-stdout", "echo out > /dev/stdout", ""},
		{"proc-self-fd", "ls /proc/self/fd | sort -n | head -3", ""},
		{"readlink-dev-fd", "readlink /dev/fd /dev/stdin", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			inv := func() invocation {
				return invocation{Argv: []string{"/bin/sh", "-c", c.script}, Stdin: strings.NewReader(c.stdin)}
			}
			native := run(t, "", inv())
			if native.Exit != 0 {
				t.Fatalf("native %q: exit %d, stderr %q", c.script, native.Exit, native.Stderr)
			}
			if nativeOnly {
				return
			}
			got := run(t, requireRunos(t), inv())
			if d := diffOutcomes(native, got); d != "" {
				t.Errorf("%q under runos differs from native (-native +runos):\n%s", c.script, d)
			}
		})
	}
}
