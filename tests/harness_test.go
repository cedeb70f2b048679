package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The harness builds runos once per `go test` run and each guest program at
// most once, into one temporary directory removed when the run ends.
var (
	moduleRoot string // the directory holding go.mod
	workDir    string // temporary directory for binaries

	// nativeOnly is set by RUNOS_NATIVE_ONLY=1: run the guests natively and
	// check them, but neither build nor run runos.
	nativeOnly bool

	runosBin      string // path of the runos binary, "" if it failed to build
	runosBuildErr string // go build output when runos did not build
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		fmt.Fprintf(os.Stderr, "tests: cannot find the module root (go env GOMOD): %v\n", err)
		return 1
	}
	moduleRoot = filepath.Dir(strings.TrimSpace(string(out)))

	workDir, err = os.MkdirTemp("", "runos-tests-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "tests: %v\n", err)
		return 1
	}
	defer os.RemoveAll(workDir)

	nativeOnly = os.Getenv("RUNOS_NATIVE_ONLY") == "1"
	switch {
	case nativeOnly:
	case os.Getenv("RUNOS_BIN") != "":
		runosBin = os.Getenv("RUNOS_BIN")
		if fi, err := os.Stat(runosBin); err != nil || fi.IsDir() {
			runosBin = ""
			runosBuildErr = fmt.Sprintf("RUNOS_BIN=%s is not a file: %v", os.Getenv("RUNOS_BIN"), err)
		}
	default:
		bin := filepath.Join(workDir, "runos")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/runos")
		cmd.Dir = moduleRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			runosBuildErr = fmt.Sprintf("go build ./cmd/runos: %v\n%s", err, out)
		} else {
			runosBin = bin
		}
	}
	return m.Run()
}

// requireRunos returns the runos binary, failing the test with the build
// output when it did not build. It must not be called in native-only mode.
func requireRunos(t *testing.T) string {
	t.Helper()
	if runosBin == "" {
		t.Fatalf("runos is not available:\n%s", runosBuildErr)
	}
	return runosBin
}

// skipIfNativeOnly skips tests that only make sense with a runos binary.
func skipIfNativeOnly(t *testing.T) {
	t.Helper()
	if nativeOnly {
		t.Skip("RUNOS_NATIVE_ONLY=1: this test needs runos")
	}
}

// toolchain says how a guest is compiled.
type toolchain string

const (
	gccStatic    toolchain = "gcc-static"     // gcc -static -O1
	gccStaticPIE toolchain = "gcc-static-pie" // gcc -static-pie -fPIE -O1
	muslStatic   toolchain = "musl-static"    // musl-gcc -static -O1
	goStatic     toolchain = "go"             // CGO_ENABLED=0 go build
)

// guest names one guest program built one way: Name is guest/NAME.c for C
// toolchains and guest/go/NAME for Go.
type guest struct {
	Name string
	TC   toolchain
}

func (g guest) String() string { return g.Name + "-" + string(g.TC) }

type buildResult struct {
	once sync.Once
	path string
	err  error
	skip string
}

var (
	buildsMu sync.Mutex
	builds   = map[guest]*buildResult{}
)

// guestBinary builds g (once per test run) and returns its path. It skips
// the test when g's toolchain is not installed.
func guestBinary(t *testing.T, g guest) string {
	t.Helper()
	buildsMu.Lock()
	b, ok := builds[g]
	if !ok {
		b = &buildResult{}
		builds[g] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() { b.path, b.skip, b.err = buildGuest(g) })
	if b.skip != "" {
		t.Skip(b.skip)
	}
	if b.err != nil {
		t.Fatalf("building guest %s: %v", g, b.err)
	}
	return b.path
}

func buildGuest(g guest) (path, skip string, err error) {
	out := filepath.Join(workDir, "guests", g.String())
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", "", err
	}
	src := filepath.Join(moduleRoot, "tests", "guest", g.Name+".c")
	var cmd *exec.Cmd
	switch g.TC {
	case gccStatic:
		cmd = exec.Command("gcc", "-static", "-O1", "-Wall", "-pthread", "-o", out, src)
	case gccStaticPIE:
		cmd = exec.Command("gcc", "-static-pie", "-fPIE", "-O1", "-Wall", "-pthread", "-o", out, src)
	case muslStatic:
		if _, err := exec.LookPath("musl-gcc"); err != nil {
			return "", "musl-gcc is not installed (apt-get install musl-tools)", nil
		}
		cmd = exec.Command("musl-gcc", "-static", "-O1", "-Wall", "-o", out, src)
	case goStatic:
		cmd = exec.Command("go", "build", "-o", out, "./tests/guest/go/"+g.Name)
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	default:
		return "", "", fmt.Errorf("unknown toolchain %q", g.TC)
	}
	if g.TC != goStatic {
		if _, err := exec.LookPath(cmd.Args[0]); err != nil {
			return "", cmd.Args[0] + " is not installed", nil
		}
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, msg)
	}
	return out, "", nil
}

// baseEnv is the whole environment of every guest run, natively and under
// runos (runos passes its environment on to the program), so that both see
// the same envp.
var baseEnv = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=/nonexistent"}

// invocation is one way to start a program.
type invocation struct {
	Argv  []string // program path and arguments
	Env   []string // appended to baseEnv
	Stdin io.Reader
	// Shell, when set, is a bash script run as `bash -c SCRIPT bash ARGV...`,
	// so "$@" in it is the command (the program natively, runos and the
	// program under runos).
	Shell string
	Dir   string
	// Attr, when set, is used for the started process (credentials,
	// namespaces).
	Attr *syscall.SysProcAttr
}

// outcome is what a run produced. Exit follows the shell's convention: the
// exit status, or 128+N when the process died of signal N.
type outcome struct {
	Stdout string
	Stderr string
	Exit   int
}

// runTimeout bounds a run so that a wedged kernel fails the test instead of
// hanging it. It is a hang guard, not a performance check.
const runTimeout = 2 * time.Minute

// run starts inv (under runos if runos != "") and waits for it. For runos
// itself, death by a signal is a harness error: runos must turn its guest's
// death into an exit status, not die.
func run(t *testing.T, runos string, inv invocation) outcome {
	t.Helper()
	argv := inv.Argv
	if runos != "" {
		argv = append([]string{runos}, argv...)
	}
	if inv.Shell != "" {
		argv = append([]string{"bash", "-c", inv.Shell, "bash"}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append([]string{}, baseEnv...), inv.Env...)
	cmd.Stdin = inv.Stdin
	cmd.Dir = inv.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	attr := &syscall.SysProcAttr{}
	if inv.Attr != nil {
		c := *inv.Attr
		attr = &c
	}
	attr.Setpgid = true // so the timeout kills the whole pipeline
	cmd.SysProcAttr = attr
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q did not finish within %v (killed); stdout so far:\n%s\nstderr:\n%s",
			argv, runTimeout, truncate(stdout.String()), truncate(stderr.String()))
	}
	o := outcome{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			if runos != "" && inv.Shell == "" {
				t.Errorf("runos itself was killed by signal %d (%v); it must exit with 128+N instead", ws.Signal(), ws.Signal())
			}
			o.Exit = 128 + int(ws.Signal())
		} else {
			o.Exit = ws.ExitStatus()
		}
	default:
		t.Fatalf("starting %q: %v", argv, err)
	}
	return o
}

// diffOutcomes returns a readable difference between what the program did
// natively (want) and under runos (got), "" if none. Outputs longer than
// 16 KiB are compared by length, hash and first differing line instead of
// printed whole, and the diff itself is cut at 8 KiB.
func diffOutcomes(want, got outcome) string {
	if want == got {
		return ""
	}
	w, g := want, got
	if len(w.Stdout) > 16<<10 || len(g.Stdout) > 16<<10 {
		w.Stdout, g.Stdout = summarize(want.Stdout, got.Stdout)
	}
	if len(w.Stderr) > 16<<10 || len(g.Stderr) > 16<<10 {
		w.Stderr, g.Stderr = summarize(want.Stderr, got.Stderr)
	}
	d := cmp.Diff(w, g)
	if len(d) > 8<<10 {
		d = d[:8<<10] + "\n... (diff truncated)"
	}
	return d
}

// summarize stands in for two large outputs in a diff.
func summarize(a, b string) (string, string) {
	al, bl := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	first := -1
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			first = i
			break
		}
	}
	if first < 0 && len(al) != len(bl) {
		first = min(len(al), len(bl))
	}
	line := func(ls []string) string {
		if first >= 0 && first < len(ls) {
			return truncateTo(ls[first], 200)
		}
		return "(no such line)"
	}
	// Several lines, so that cmp.Diff compares them line by line.
	s := func(x string, ls []string) string {
		return fmt.Sprintf("(summary of a large output)\nlength: %d bytes\nsha256: %x\nfirst differing line %d: %q\n",
			len(x), sha256.Sum256([]byte(x)), first+1, line(ls))
	}
	return s(a, al), s(b, bl)
}

func truncate(s string) string { return truncateTo(s, 4<<10) }

func truncateTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d more bytes)", len(s)-n)
}
