package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStraceGolden runs guest/tracee.c under strace(1) -f and under
// runos --strace, and compares the two traces line by line, process by
// process, after masking what legitimately differs: addresses, pids,
// random bytes, and the one call runos answers differently by design
// (rseq: ENOSYS, see `runos syscalls`).
func TestStraceGolden(t *testing.T) {
	skipIfNativeOnly(t)
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed")
	}
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"tracee", gccStatic})
	data := filepath.Join(t.TempDir(), "known.txt")
	if err := os.WriteFile(data, []byte("some known text\x00\x01\x7f\tin a file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		exit int
	}{
		{"hello", []string{"hello"}, 0},
		{"read", []string{"read", data}, 0},
		{"enoent", []string{"enoent"}, 0},
		{"mmap", []string{"mmap"}, 0},
		{"kill", []string{"kill"}, 0},
		{"segv", []string{"segv"}, 139},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			argv := append([]string{bin}, tc.args...)
			native := run(t, "", invocation{Argv: append([]string{"strace", "-f", "-q"}, argv...)})
			if strings.Contains(native.Stderr, "Operation not permitted") {
				t.Skipf("strace cannot trace here:\n%s", native.Stderr)
			}
			got := run(t, runos, invocation{Argv: append([]string{"--strace"}, argv...)})
			if got.Exit != tc.exit {
				t.Errorf("runos --strace exit = %d, want %d; stderr:\n%s", got.Exit, tc.exit, got.Stderr)
			}
			want, have := traceByProcess(native.Stderr), traceByProcess(got.Stderr)
			if len(want["P1"]) < 10 {
				t.Fatalf("strace's output has too few lines to compare:\n%s", native.Stderr)
			}
			if d := cmp.Diff(want, have); d != "" {
				t.Errorf("trace differs (-strace +runos):\n%s\nstrace:\n%s\nrunos:\n%s", d, native.Stderr, got.Stderr)
			}
		})
	}
}

var (
	pidPrefix     = regexp.MustCompile(`^\[pid +(\d+)\] `)
	hexNumber     = regexp.MustCompile(`0x[0-9a-f]+`)
	resultSpacing = regexp.MustCompile(`\s+= `)
	randomBytes   = regexp.MustCompile(`^getrandom\("[^"]*"`)
	// Where a pid appears in a trace line.
	pidContexts = []*regexp.Regexp{
		regexp.MustCompile(`si_pid=(\d+)`),
		regexp.MustCompile(`^(?:kill|wait4|tgkill|tkill)\((\d+)`),
		regexp.MustCompile(`^(?:set_tid_address|getpid|gettid|clone|clone3|fork|vfork|wait4)\(.*\) = (\d+)$`),
	}
)

// traceByProcess turns a strace -f transcript into each process's lines
// in order ("P1", "P2", ... by first appearance), with split calls joined
// and the differences that do not matter masked.
func traceByProcess(s string) map[string][]string {
	type line struct{ pid, text string }
	var lines []line
	main := ""
	for _, l := range strings.Split(s, "\n") {
		if l == "" || strings.HasPrefix(l, "strace: ") || strings.HasPrefix(l, "runos: ") {
			continue
		}
		pid := ""
		if m := pidPrefix.FindStringSubmatch(l); m != nil {
			pid, l = m[1], l[len(m[0]):]
		}
		if pid == "" {
			pid = "main"
		}
		lines = append(lines, line{pid, l})
		if main == "" && strings.HasPrefix(l, "set_tid_address(") {
			main = l[strings.LastIndex(l, " ")+1:]
		}
	}
	labels := map[string]string{"main": "P1"}
	if main != "" {
		labels[main] = "P1"
	}
	label := func(pid string) string {
		if _, ok := labels[pid]; !ok {
			labels[pid] = fmt.Sprintf("P%d", len(labels)+1-btoi(main != ""))
		}
		return labels[pid]
	}
	out := map[string][]string{}
	pending := map[string]string{}
	for _, l := range lines {
		p := label(l.pid)
		text := l.text
		if rest, ok := strings.CutSuffix(text, " <unfinished ...>"); ok {
			pending[p] = rest
			continue
		}
		if strings.HasPrefix(text, "<... ") {
			if i := strings.Index(text, " resumed>"); i >= 0 {
				text = pending[p] + text[i+len(" resumed>"):]
				delete(pending, p)
			}
		}
		text = resultSpacing.ReplaceAllString(text, " = ")
		for _, re := range pidContexts {
			text = replaceGroup(re, text, label)
		}
		text = randomBytes.ReplaceAllString(text, `getrandom("RANDOM"`)
		text = hexNumber.ReplaceAllString(text, "0xADDR")
		if strings.HasPrefix(text, "rseq(") {
			continue
		}
		out[p] = append(out[p], text)
	}
	for p, rest := range pending {
		out[p] = append(out[p], rest+" <unfinished ...>")
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// replaceGroup replaces the first submatch of each match of re with f of it.
func replaceGroup(re *regexp.Regexp, s string, f func(string) string) string {
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	return s[:m[2]] + f(s[m[2]:m[3]]) + s[m[3]:]
}

// TestStraceSummary checks that --strace-summary (strace -c) counts the
// calls --strace shows: one per completed call, exit_group excluded as
// strace -c excludes it.
func TestStraceSummary(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"tracee", gccStatic})
	trace := run(t, runos, invocation{Argv: []string{"--strace", bin, "kill"}})
	summary := run(t, runos, invocation{Argv: []string{"--strace-summary", bin, "kill"}})
	lines := 0
	for _, l := range strings.Split(trace.Stderr, "\n") {
		l = pidPrefix.ReplaceAllString(l, "")
		if l == "" || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++") ||
			strings.HasPrefix(l, "<... ") || strings.HasSuffix(l, "= ?") {
			continue
		}
		lines++
	}
	var total int
	for _, l := range strings.Split(summary.Stderr, "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && f[len(f)-1] == "total" {
			total, _ = strconv.Atoi(f[3])
		}
	}
	if total == 0 || total != lines {
		t.Errorf("--strace-summary total = %d calls, --strace shows %d\nsummary:\n%s\ntrace:\n%s", total, lines, summary.Stderr, trace.Stderr)
	}
	if !strings.HasPrefix(summary.Stderr, "% time     seconds  usecs/call     calls    errors syscall\n") {
		t.Errorf("summary does not start with strace -c's header:\n%s", summary.Stderr)
	}
}

// TestStraceOptions covers the trace set, the output file and -s.
func TestStraceOptions(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"tracee", gccStatic})
	out := filepath.Join(t.TempDir(), "trace.txt")
	got := run(t, runos, invocation{Argv: []string{"--strace=%file,write", "--strace-out", out, "-s", "5", bin, "hello"}})
	if got.Exit != 0 || got.Stderr != "" {
		t.Fatalf("exit %d, stderr %q", got.Exit, got.Stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		calls = append(calls, resultSpacing.ReplaceAllString(hexNumber.ReplaceAllString(l, "0xADDR"), " = "))
	}
	want := []string{
		fmt.Sprintf(`execve(%q, [%q...], 0xADDR /* 4 vars */) = 0`, bin, bin[:5]),
		fmt.Sprintf(`readlink("/proc/self/exe", %q..., 4096) = %d`, bin[:5], len(bin)),
		`write(1, "hello"..., 13) = 13`,
		`+++ exited with 0 +++`,
	}
	// -s cuts argv strings too, but execve's path is shown whole.
	want[0] = fmt.Sprintf(`execve(%q, [%q..., "hello"], 0xADDR /* 4 vars */) = 0`, bin, bin[:5])
	if d := cmp.Diff(want, calls); d != "" {
		t.Errorf("--strace=%%file,write -s 5 (-want +got):\n%s", d)
	}
	if bad := run(t, runos, invocation{Argv: []string{"--strace=nosuchcall", bin}}); bad.Exit != 2 {
		t.Errorf("--strace=nosuchcall: exit %d, want 2 (usage)", bad.Exit)
	}
}
