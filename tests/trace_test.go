package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// traceJSON is the part of a --trace-out file the tests read.
type traceJSON struct {
	TraceEvents []struct {
		Name  string         `json:"name"`
		Phase string         `json:"ph"`
		TS    float64        `json:"ts"`
		Dur   *float64       `json:"dur"`
		PID   int            `json:"pid"`
		TID   int            `json:"tid"`
		Args  map[string]any `json:"args"`
	} `json:"traceEvents"`
}

// straceNames are the syscall names of a --strace transcript, one per
// call (a call split by "<unfinished ...>" counts once).
func straceNames(s string) []string {
	var names []string
	for _, l := range strings.Split(s, "\n") {
		l = pidPrefix.ReplaceAllString(l, "")
		if l == "" || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++") ||
			strings.HasPrefix(l, "<... ") || strings.HasPrefix(l, "runos: ") {
			continue
		}
		if i := strings.IndexByte(l, '('); i > 0 {
			names = append(names, l[:i])
		}
	}
	sort.Strings(names)
	return names
}

// TestTraceOut runs one program under --strace and --trace-out together
// and checks that the timeline holds one slice per --strace line, with the
// same names, a named track per task, the fork/exec/signal/exit instants
// and the counters; then that `runos trace summary` and `runos trace svg`
// read it.
func TestTraceOut(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"tracee", gccStatic})
	dir := t.TempDir()
	out := filepath.Join(dir, "trace.json")
	got := run(t, runos, invocation{Argv: []string{"--strace", "--trace-out", out, bin, "kill"}})
	if got.Exit != 0 {
		t.Fatalf("exit %d; stderr:\n%s", got.Exit, got.Stderr)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var tr traceJSON
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatalf("the trace is not JSON: %v\n%s", err, raw)
	}
	var slices []string
	threads := map[int]string{}
	tasks := map[int]bool{}
	phases := map[string]bool{}
	for _, ev := range tr.TraceEvents {
		switch ev.Phase {
		case "X":
			slices = append(slices, ev.Name)
			tasks[ev.TID] = true
			if _, ok := ev.Args["result"].(string); !ok {
				t.Errorf("slice %s has no result: %v", ev.Name, ev.Args)
			}
		case "M":
			if ev.Name == "thread_name" {
				threads[ev.TID], _ = ev.Args["name"].(string)
			}
		case "i", "C":
			phases[ev.Phase+" "+ev.Name] = true
		}
	}
	sort.Strings(slices)
	if d := cmp.Diff(straceNames(got.Stderr), slices); d != "" {
		t.Errorf("slices differ from --strace lines (-strace +trace):\n%s\nstrace:\n%s", d, got.Stderr)
	}
	if len(tasks) != 2 {
		t.Errorf("slices on %d tasks, want 2 (parent and child)", len(tasks))
	}
	for tid := range tasks {
		// comm is the program's base name, cut to 15 bytes as Linux's.
		comm := filepath.Base(bin)
		comm = comm[:min(len(comm), 15)]
		if want := comm + " " + strconv.Itoa(tid); threads[tid] != want {
			t.Errorf("task %d's track is named %q, want %q", tid, threads[tid], want)
		}
	}
	for _, want := range []string{"i fork", "i exec", "i signal", "i exit", "C page faults", "C resident memory"} {
		if !phases[want] {
			t.Errorf("no %q event in the trace", want)
		}
	}

	t.Run("summary", func(t *testing.T) {
		sum := run(t, runos, invocation{Argv: []string{"trace", "summary", out}})
		lines := strings.Split(sum.Stdout, "\n")
		// tracee kill makes five brk calls, more than any other.
		if sum.Exit != 0 || len(lines) < 3 || !strings.HasSuffix(lines[2], " brk") {
			t.Errorf("runos trace summary: exit %d, want brk on the first row:\n%s%s", sum.Exit, sum.Stdout, sum.Stderr)
		}
	})
	t.Run("svg", func(t *testing.T) {
		svgPath := filepath.Join(dir, "trace.svg")
		r := run(t, runos, invocation{Argv: []string{"trace", "svg", out, "-o", svgPath}})
		if r.Exit != 0 {
			t.Fatalf("runos trace svg: exit %d\n%s", r.Exit, r.Stderr)
		}
		svg, err := os.ReadFile(svgPath)
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(strings.NewReader(string(svg)))
		rects := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("SVG is not well-formed: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
				rects++
			}
		}
		if rects < len(slices) {
			t.Errorf("SVG has %d titled shapes, want at least one per syscall (%d)", rects, len(slices))
		}
	})
}

// TestTraceSkeleton checks that a personality with its own numbering is
// traced with its own names and decoded arguments.
func TestTraceSkeleton(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	prog := filepath.Join(t.TempDir(), "hello")
	src := filepath.Join(moduleRoot, "personality", "custom", "skeleton", "testdata", "hello.c")
	if msg, err := exec.Command("gcc", "-nostdlib", "-static", "-O1", "-fno-stack-protector", "-o", prog, src).CombinedOutput(); err != nil {
		t.Skipf("cannot build the skeleton program: %v\n%s", err, msg)
	}
	got := run(t, runos, invocation{Argv: []string{"--strace", prog}})
	for _, want := range []string{
		`write(1, "hello from the skeleton personal"..., 36) = 36`,
		"getpid() = 1",
		"exit(42) = ?",
	} {
		if !strings.Contains(resultSpacing.ReplaceAllString(got.Stderr, " = "), want) {
			t.Errorf("--strace of the skeleton program lacks %q:\n%s", want, got.Stderr)
		}
	}
}

// TestStateDump sends SIGUSR1 to runos while a three-thread program waits,
// and checks the dump on stderr: each thread, its address space (the
// program and [stack]) and its descriptors; and that the program never saw
// the signal (it ends with status 0 when its stdin closes).
func TestStateDump(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"dumpee", gccStatic})
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, runos, bin)
	cmd.Env = baseEnv
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("first line %q (%v), want ready", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	var dump strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		dump.WriteString(sc.Text() + "\n")
		if sc.Text() == "=== end of dump ===" {
			break
		}
	}
	stdin.Close()
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		t.Errorf("runos %s after SIGUSR1: %v, want exit 0 (the signal is runos's, not the program's)\n%s", bin, err, dump.String())
	}
	s := dump.String()
	// The threads may still be on their way to read(2) when "ready" is
	// out, so their state and call are not checked, only their form.
	tasks := regexp.MustCompile(`(?m)^task (\d+) \(pid (\d+)\) comm "dumpee[^"]*" personality linux state (running|blocked) syscall (\S+)\n  rip [0-9a-f]{16} rsp [0-9a-f]{16}`).FindAllStringSubmatch(s, -1)
	seen := map[string]bool{}
	for _, m := range tasks {
		seen[m[1]] = true
		if m[2] != tasks[0][2] {
			t.Errorf("task %s is in process %s, want %s", m[1], m[2], tasks[0][2])
		}
	}
	if len(seen) != 3 {
		t.Errorf("dump shows %d distinct dumpee tasks, want 3:\n%s", len(seen), s)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^--- address space of tasks \[\d+ \d+ \d+\] ---$`),
		regexp.MustCompile(`(?m)^[0-9a-f]+-[0-9a-f]+ r-xp [0-9a-f]+ 00:00 0 +` + regexp.QuoteMeta(bin) + `  \[\d+ resident\]$`),
		regexp.MustCompile(`(?m)^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 +\[stack\]  \[[1-9]\d* resident\]$`),
		regexp.MustCompile(`(?m)^ +3 -> pipe:.* \(O_RDONLY\)$`),
	} {
		if !want.MatchString(s) {
			t.Errorf("dump does not match %s:\n%s", want, s)
		}
	}
}

// TestDumpOnExit checks that --dump-on-exit prints the dump while the
// program's memory is still there.
func TestDumpOnExit(t *testing.T) {
	skipIfNativeOnly(t)
	runos := requireRunos(t)
	bin := guestBinary(t, guest{"tracee", gccStatic})
	got := run(t, runos, invocation{Argv: []string{"--dump-on-exit", bin, "hello"}})
	if got.Exit != 0 || got.Stdout != "hello, world\n" {
		t.Errorf("exit %d, stdout %q", got.Exit, got.Stdout)
	}
	for _, want := range []string{"=== runos state dump: 1 tasks ===", "syscall exit_group", "[stack]", bin} {
		if !strings.Contains(got.Stderr, want) {
			t.Errorf("--dump-on-exit output lacks %q:\n%s", want, got.Stderr)
		}
	}
}
