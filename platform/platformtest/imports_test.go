package platformtest

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNoConcretePlatform keeps the suite neutral: it may import the
// platform interfaces, mm and kernel/arch, the standard library and
// x/sys, never a concrete platform (whose tests import it).
func TestImportsNoConcretePlatform(t *testing.T) {
	const module = "github.com/runos-project/runos/"
	allowed := func(path string) bool {
		switch {
		case path == module+"platform", path == module+"kernel/arch",
			path == module+"mm", strings.HasPrefix(path, "golang.org/x/sys/"):
			return true
		}
		// The standard library: no dot in the first path element.
		return !strings.Contains(strings.Split(path, "/")[0], ".")
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed(path) {
				t.Errorf("%s imports %s: platformtest may import only platform, mm, kernel/arch, the standard library and x/sys", f, path)
			}
		}
	}
}
