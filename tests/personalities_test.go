package tests

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runos-project/runos/personality/custom/xv6"
)

// TestPersonalitiesList checks `runos personalities`: a header, then one
// line per personality with its syscall count, implemented count and
// description.
func TestPersonalitiesList(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	o := run(t, "", invocation{Argv: []string{runos, "personalities"}})
	if o.Exit != 0 || o.Stderr != "" {
		t.Fatalf("runos personalities: exit %d, stderr %q", o.Exit, o.Stderr)
	}
	lines := strings.Split(strings.TrimSuffix(o.Stdout, "\n"), "\n")
	if len(lines) == 0 || !regexp.MustCompile(`^NAME +SYSCALLS +IMPLEMENTED +DESCRIPTION$`).MatchString(lines[0]) {
		t.Fatalf("header: got %q", o.Stdout)
	}
	row := regexp.MustCompile(`^(\S+) +(\d+) +(\d+) +(.+)$`)
	type entry struct{ total, impl, desc string }
	got := map[string]entry{}
	var order []string
	for _, l := range lines[1:] {
		m := row.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not NAME SYSCALLS IMPLEMENTED DESCRIPTION", l)
		}
		got[m[1]] = entry{m[2], m[3], m[4]}
		order = append(order, m[1])
	}
	if want := "linux linux-deterministic skeleton xv6"; strings.Join(order, " ") != want {
		t.Errorf("personalities: got %q, want %q", strings.Join(order, " "), want)
	}
	tests := []struct {
		name, total, impl, descWord string
	}{
		{"skeleton", "3", "3", "smallest"},
		{"xv6", "21", "21", "xv6"},
		{"linux", "", "", "Linux"},
		{"linux-deterministic", "", "", "--seed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := got[tc.name]
			if !ok {
				t.Fatalf("not listed:\n%s", o.Stdout)
			}
			if tc.total != "" && (e.total != tc.total || e.impl != tc.impl) {
				t.Errorf("counts: got %s/%s, want %s/%s", e.total, e.impl, tc.total, tc.impl)
			}
			if !strings.Contains(e.desc, tc.descWord) {
				t.Errorf("description %q lacks %q", e.desc, tc.descWord)
			}
		})
	}
	// The derived personality has Linux's whole table.
	if l, d := got["linux"], got["linux-deterministic"]; l.total != d.total || l.impl != d.impl {
		t.Errorf("linux-deterministic counts %s/%s differ from linux's %s/%s", d.total, d.impl, l.total, l.impl)
	}
}

// xv6Echo builds xv6's echo: a program carrying the runos note "xv6".
func xv6Echo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	user := filepath.Join(moduleRoot, "personality", "custom", "xv6", "user")
	out := filepath.Join(t.TempDir(), "echo")
	c := xv6.BuildCommand(out, user, filepath.Join(user, "echo.c"))
	if msg, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, msg)
	}
	return out
}

// TestWrongPersonality runs programs under a personality they were not
// built for: one clear line on stderr and exit 126, as a shell reports a
// file it cannot execute, and never a crash or a hang.
func TestWrongPersonality(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	xv6Prog := xv6Echo(t)
	linuxProg := guestBinary(t, guest{"hello", gccStatic})
	tests := []struct {
		name        string
		personality string
		prog        string
		wantErr     string
	}{
		{"xv6 program as linux", "linux", xv6Prog, "cannot execute: built for the xv6 personality, not linux"},
		{"xv6 program as linux-deterministic", "linux-deterministic", xv6Prog, "cannot execute: built for the xv6 personality, not linux-deterministic"},
		{"linux program as xv6", "xv6", linuxProg, `cannot execute: not an xv6 program (no runos note "xv6")`},
		{"linux program as skeleton", "skeleton", linuxProg, "cannot execute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, runos, invocation{Argv: []string{"--personality=" + tc.personality, tc.prog, "hi"}})
			if o.Exit != 126 {
				t.Errorf("exit %d, want 126; stderr %q", o.Exit, o.Stderr)
			}
			if o.Stdout != "" {
				t.Errorf("stdout %q, want nothing", o.Stdout)
			}
			if strings.Count(o.Stderr, "\n") != 1 || !strings.HasPrefix(o.Stderr, "runos: "+tc.prog+": ") || !strings.Contains(o.Stderr, tc.wantErr) {
				t.Errorf("stderr %q, want one line with %q", o.Stderr, tc.wantErr)
			}
		})
	}
	// Chosen by its note, the xv6 program runs.
	if o := run(t, runos, invocation{Argv: []string{xv6Prog, "hi"}}); o.Exit != 0 || o.Stdout != "hi\n" {
		t.Errorf("xv6 echo chosen by its note: exit %d, stdout %q, stderr %q", o.Exit, o.Stdout, o.Stderr)
	}
}

// TestLinuxDeterministic runs a program that prints random bytes, the
// clocks and its pid, and execs itself: twice with one seed the output is
// the same, and another seed changes it. Plain Linux, for contrast,
// differs between runs.
func TestLinuxDeterministic(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	prog := guestBinary(t, guest{"determinism", gccStatic})
	runWith := func(args ...string) string {
		t.Helper()
		o := run(t, runos, invocation{Argv: append(args, prog)})
		if o.Exit != 0 {
			t.Fatalf("runos %v: exit %d, stderr %q", args, o.Exit, o.Stderr)
		}
		return o.Stdout
	}
	det := []string{"--personality=linux-deterministic", "--seed"}
	a, b := runWith(append(det, "42")...), runWith(append(det, "42")...)
	if a != b {
		t.Errorf("two runs with --seed 42 differ:\n%s\n---\n%s", a, b)
	}
	if !strings.Contains(a, "child pid 2\n") {
		t.Errorf("the exec'd child did not run:\n%s", a)
	}
	c := runWith(append(det, "43")...)
	for _, w := range []string{"getrandom", "urandom", "realtime"} {
		if line(a, w) == line(c, w) {
			t.Errorf("--seed 42 and 43 give the same %s line: %q", w, line(a, w))
		}
	}
	if x, y := runWith(), runWith(); line(x, "getrandom") == line(y, "getrandom") {
		t.Errorf("plain linux gave the same random bytes twice: %q", line(x, "getrandom"))
	}
}

// line returns the first line of out that starts with word.
func line(out, word string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, word+" ") {
			return l
		}
	}
	return ""
}
