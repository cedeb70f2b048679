package skeleton

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSkeletonProgram builds testdata/hello.c into a program that carries
// the runos note, runs it under runos, and checks that the skeleton
// personality was chosen (its numbering works; Linux's does not) and that
// the exit status comes through.
func TestSkeletonProgram(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	runos := filepath.Join(dir, "runos")
	prog := filepath.Join(dir, "hello")
	for _, c := range [][]string{
		{"go", "build", "-o", runos, "../../../cmd/runos"},
		{"gcc", "-nostdlib", "-static", "-O1", "-fno-stack-protector", "-o", prog, "testdata/hello.c"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	out, err := exec.Command(runos, prog).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Fatalf("runos %s: %v, want exit status 42\n%s", prog, err, out)
	}
	want := "hello from the skeleton personality\ngetpid: 1\n60: -1\n"
	if string(out) != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}
