package tests

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const modulePath = "github.com/runos-project/runos"

// neutralPatterns are the personality- and platform-neutral parts of the
// kernel (DESIGN.md, "Dependency rules").
var neutralPatterns = []string{"./kernel/core/...", "./mm/...", "./fs/...", "./net/..."}

// layeringViolations returns the dependencies in deps that a neutral package
// must not have: any personality, and any concrete platform. The abstract
// platform package itself (the interfaces) is allowed.
func layeringViolations(deps []string) []string {
	var bad []string
	for _, d := range deps {
		switch {
		case d == modulePath+"/personality" || strings.HasPrefix(d, modulePath+"/personality/"):
			bad = append(bad, d)
		case strings.HasPrefix(d, modulePath+"/platform/"):
			bad = append(bad, d)
		}
	}
	return bad
}

func TestLayeringRule(t *testing.T) {
	cases := []struct {
		name string
		deps []string
		want []string
	}{
		{"standard library only", []string{"fmt", "sync"}, nil},
		{"abstract platform allowed", []string{modulePath + "/platform", modulePath + "/kernel/arch"}, nil},
		{"linux personality", []string{"os", modulePath + "/personality/linux"}, []string{modulePath + "/personality/linux"}},
		{"personality root", []string{modulePath + "/personality"}, []string{modulePath + "/personality"}},
		{"concrete platforms", []string{modulePath + "/platform/ptrace", modulePath + "/platform/kvm"}, []string{modulePath + "/platform/ptrace", modulePath + "/platform/kvm"}},
		{"look-alike names are not matched", []string{modulePath + "/platformx", modulePath + "/personalityx", "example.com/personality/linux"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, layeringViolations(c.deps)); d != "" {
				t.Errorf("layeringViolations(%q) (-want +got):\n%s", c.deps, d)
			}
		})
	}
}

// TestLayering applies the rule to the real dependency graph, one neutral
// package pattern at a time; patterns with no packages yet are skipped.
func TestLayering(t *testing.T) {
	for _, pattern := range neutralPatterns {
		t.Run(pattern, func(t *testing.T) {
			pkgs := goList(t, "-e", "-f", "{{if .GoFiles}}{{.ImportPath}}{{end}}", pattern)
			if len(pkgs) == 0 {
				t.Skipf("no Go packages match %s yet", pattern)
			}
			for _, pkg := range pkgs {
				deps := goList(t, "-e", "-deps", "-f", "{{.ImportPath}}", pkg)
				if bad := layeringViolations(deps); len(bad) > 0 {
					t.Errorf("%s depends on %q; kernel/core, mm, fs and net must reach personalities and platforms only through interfaces (DESIGN.md)", pkg, bad)
				}
			}
		})
	}
}

// TestPackageDocs checks that every package in the module opens with a
// package doc comment (STYLE.md: packages say what they own).
func TestPackageDocs(t *testing.T) {
	lines := goList(t, "-e", "-f", "{{.ImportPath}}\t{{if .Doc}}doc{{end}}\t{{len .GoFiles}}", "./...")
	if len(lines) == 0 {
		t.Fatal("go list ./... found no packages")
	}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[2] == "0" {
			continue // test-only or empty directory: nothing to document yet
		}
		if f[1] != "doc" {
			t.Errorf("package %s has no package doc comment", f[0])
		}
	}
}

// goList runs `go list ARGS` in the module root and returns its non-empty
// output lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		// A pattern matching nothing is not an error for the callers.
		if strings.Contains(msg, "matched no packages") || strings.Contains(msg, "no Go files") || strings.Contains(msg, "directory not found") {
			return nil
		}
		t.Fatalf("go list %q: %v\n%s", args, err, msg)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
