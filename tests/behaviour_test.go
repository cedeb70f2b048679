package tests

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"
)

// behaviourCase is one program run natively and under runos. The two runs
// must agree on stdout, exit status and (unless IgnoreStderr) stderr; the
// native run must also meet the case's own expectations, so that a broken
// guest or harness shows up in RUNOS_NATIVE_ONLY=1 mode.
type behaviourCase struct {
	Name      string
	Guest     guest
	Args      []string
	Env       []string // extra environment, on top of baseEnv
	Stdin     string   // fed through a pipe
	StdinFile string   // a file opened as stdin (so it can be seeked)
	Shell     string   // see invocation.Shell

	WantExit   int
	WantStdout string   // exact native stdout, if set
	WantLines  []string // lines the native stdout must contain
	// IgnoreStderr skips the stderr comparison, for programs whose stderr
	// is not part of their behaviour.
	IgnoreStderr bool
	// Filter, if set, normalises both outcomes before they are compared,
	// for output that legitimately differs between Linux and runos. Every
	// use must say in a comment what it removes and why. No case needs one
	// today: the guests print stable values (booleans, constants, errno
	// names) instead of addresses, pids or auxv pointers.
	Filter func(outcome) outcome
}

// helloEnv includes variables the guest must and must not print.
var helloEnv = []string{"RUNOS_TEST_ALPHA=1", "NOT_RUNOS_TEST=hidden", "RUNOS_TEST_EMPTY=", "RUNOS_TEST_SPACES=a b  c"}

func behaviourCases() []behaviourCase {
	var cs []behaviourCase
	for _, tc := range []toolchain{gccStatic, muslStatic, gccStaticPIE} {
		cs = append(cs, behaviourCase{
			Name:      "hello/" + string(tc),
			Guest:     guest{"hello", tc},
			Args:      []string{"one", "two words", "", "--flag=x"},
			Env:       helloEnv,
			WantLines: []string{"argc: 5", "argv[2]: two words", "env: RUNOS_TEST_SPACES=a b  c", "AT_PAGESZ: 4096", "AT_SECURE: 0", "AT_CLKTCK: 100", "AT_PLATFORM: x86_64", "hello, world"},
		})
	}
	for _, tc := range []toolchain{gccStatic, muslStatic} {
		cs = append(cs,
			behaviourCase{
				Name:      "memory/" + string(tc),
				Guest:     guest{"memory", tc},
				WantLines: []string{"memory: 0 failures"},
			},
			behaviourCase{
				Name:      "threads/" + string(tc),
				Guest:     guest{"threads", tc},
				WantLines: []string{"counter: 160000 (want 160000)", "threads: ok"},
			},
			behaviourCase{
				Name:       "segv/" + string(tc),
				Guest:      guest{"segv", tc},
				WantExit:   139, // 128 + SIGSEGV
				WantStdout: "about to write to NULL\n",
			},
		)
	}
	cs = append(cs, behaviourCase{
		Name:      "gorun",
		Guest:     guest{"gorun", goStatic},
		WantLines: []string{"spinning goroutine was preempted and went on: ok", "map entries: 1000000, sum of values: 1499998500000", "gorun: ok"},
	})
	cs = append(cs, behaviourCase{
		Name:       "txtbsy",
		Guest:      guest{"txtbsy", gccStatic},
		Args:       []string{"/tmp"},
		WantStdout: "exec while open for writing: ETXTBSY\nexec after close: ran\n",
	})
	for _, status := range []int{0, 1, 42, 255, 256} {
		cs = append(cs, behaviourCase{
			Name:       fmt.Sprintf("exitcode/%d", status),
			Guest:      guest{"exitcode", gccStatic},
			Args:       []string{fmt.Sprint(status)},
			WantExit:   status & 0xff, // exit(3): only the low 8 bits reach the parent
			WantStdout: fmt.Sprintf("exiting with %d\n", status),
		})
	}
	cs = append(cs, behaviourCase{
		Name:       "bigwrite|sha256sum",
		Guest:      guest{"bigwrite", gccStatic},
		Shell:      `"$@" | sha256sum`,
		WantStdout: fmt.Sprintf("%x  -\n", sha256.Sum256(bigwritePattern())),
	})
	return cs
}

// bigwritePattern is the 100 MiB stream guest/bigwrite.c writes.
func bigwritePattern() []byte {
	b := make([]byte, 100<<20)
	for i := range b {
		b[i] = byte(i*7 + i>>12)
	}
	return b
}

func TestBehaviour(t *testing.T) {
	for _, c := range behaviourCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}

// runBehaviour runs c natively, checks the native run against c's
// expectations, and then (unless native-only) compares runos with it.
func runBehaviour(t *testing.T, c behaviourCase) {
	t.Helper()
	bin := guestBinary(t, c.Guest)
	inv := invocation{
		Argv:  append([]string{bin}, c.Args...),
		Env:   c.Env,
		Shell: c.Shell,
	}
	native := run(t, "", withStdin(t, inv, c))
	checkNative(t, c, native)
	if nativeOnly {
		return
	}
	runos := requireRunos(t)
	got := run(t, runos, withStdin(t, inv, c))
	want := native
	if c.IgnoreStderr {
		want.Stderr, got.Stderr = "", ""
	}
	if c.Filter != nil {
		want, got = c.Filter(want), c.Filter(got)
	}
	if d := diffOutcomes(want, got); d != "" {
		t.Errorf("runos %q differs from the native run (-native +runos):\n%s", inv.Argv, d)
	}
}

// withStdin gives each run its own standard input: a fresh reader over
// c.Stdin (which os/exec turns into a pipe), or c.StdinFile opened anew so
// that every run starts at offset 0 of its own open file description.
func withStdin(t *testing.T, inv invocation, c behaviourCase) invocation {
	t.Helper()
	switch {
	case c.StdinFile != "":
		f, err := os.Open(c.StdinFile)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		inv.Stdin = f
	case c.Stdin != "":
		inv.Stdin = strings.NewReader(c.Stdin)
	}
	return inv
}

func checkNative(t *testing.T, c behaviourCase, o outcome) {
	t.Helper()
	if o.Exit != c.WantExit {
		t.Errorf("native run exited %d, want %d\nstdout:\n%s\nstderr:\n%s", o.Exit, c.WantExit, truncate(o.Stdout), truncate(o.Stderr))
	}
	if c.WantStdout != "" && o.Stdout != c.WantStdout {
		t.Errorf("native stdout = %q, want %q", truncate(o.Stdout), c.WantStdout)
	}
	lines := strings.Split(o.Stdout, "\n")
	for _, want := range c.WantLines {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("native stdout lacks the line %q:\n%s", want, truncate(o.Stdout))
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "FAIL") {
			t.Errorf("native run reports a failed check: %q", l)
		}
	}
}
