package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoPath matches a backquoted path inside the repository, such as
// `fs/vfs/walk.go` or `fs/tmpfs`: it starts with one of the top folders.
var repoPath = regexp.MustCompile("`((?:cmd|docs|fs|kernel|mm|personality|platform|tests|bench|labs)/[A-Za-z0-9_./-]*)`")

// TestFilesystemsPathsExist reads filesystems.md: every repository path
// it names in backquotes must exist, so the guide cannot send a reader
// to a file that moved.
func TestFilesystemsPathsExist(t *testing.T) {
	b, err := os.ReadFile("filesystems.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range repoPath.FindAllStringSubmatch(string(b), -1) {
		p := strings.TrimSuffix(m[1], "/")
		if _, err := os.Stat(filepath.Join("..", p)); err != nil {
			t.Errorf("filesystems.md names %s, which does not exist", p)
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("only %d paths checked: the guide's format changed and this test no longer reads it", checked)
	}
}

// TestFilesystemsNamesExist reads filesystems.md as TestTourNamesExist
// reads tour.md: in each bullet that starts with a Go file path, every
// `Name` or `Type.Method` in backquotes must be declared in that file,
// as a function, method, type, constant, variable, field or interface
// method. Names in capitals only (errno values) are not Go names.
func TestFilesystemsNamesExist(t *testing.T) {
	name := regexp.MustCompile("`([A-Za-z][A-Za-z0-9]*)(?:\\.([A-Za-z][A-Za-z0-9]*))?`")
	checked := 0
	for _, fb := range fileBullets(t, "filesystems.md") {
		file, src := fb.file, fb.src
		for _, n := range name.FindAllStringSubmatch(fb.text, -1) {
			id, method := n[1], n[2]
			if strings.ToUpper(id) == id {
				continue
			}
			if method != "" {
				// Type.Method, or pkg.Name where pkg is the file's
				// package.
				recv := regexp.MustCompile(`(?m)^func \([a-z]* ?\*?` + id + `\) ` + method + `\b`)
				pkg := regexp.MustCompile(`(?m)^package ` + id + `$`)
				if recv.Match(src) || pkg.Match(src) && declared(src, method) {
					checked++
					continue
				}
				t.Errorf("filesystems.md says %s declares %s.%s; it does not", file, id, method)
				continue
			}
			if !declared(src, id) {
				t.Errorf("filesystems.md says %s declares %s; it does not", file, id)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d names checked: the guide's format changed and this test no longer reads it", checked)
	}
}

// declared reports whether src declares id at top level, or as a
// constant, variable, struct field or interface method inside a block.
func declared(src []byte, id string) bool {
	top := regexp.MustCompile(`(?m)^(func (\([^)]*\) )?|type |var |const )` + id + `\b`)
	inner := regexp.MustCompile(`(?m)^\t` + id + `\b`)
	return top.Match(src) || inner.Match(src)
}
