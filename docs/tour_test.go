package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// notCode are backquoted words in the tour that are not Go declarations.
var notCode = map[string]bool{"rax": true, "syscall": true, "EFAULT": true, "sys_write": true}

// TestTourNamesExist reads tour.md: in each bullet that starts with a Go
// file path, every `Name` in backquotes that looks like a function must be
// declared in that file.
func TestTourNamesExist(t *testing.T) {
	b, err := os.ReadFile("tour.md")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile("^- `([a-z/_.]+\\.go)`:")
	name := regexp.MustCompile("`([A-Za-z][A-Za-z0-9]*)`")
	checked := 0
	for _, bl := range bullets(string(b)) {
		m := head.FindStringSubmatch(bl)
		if m == nil {
			continue
		}
		file, text := m[1], bl[len(m[0]):]
		src, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Errorf("tour.md names %s, which does not exist", file)
			continue
		}
		for _, n := range name.FindAllStringSubmatch(text, -1) {
			id := n[1]
			if notCode[id] {
				continue
			}
			decl := regexp.MustCompile(`(?m)^(func (\([^)]*\) )?|type )` + id + `\b`)
			if !decl.Match(src) {
				t.Errorf("tour.md says %s declares %s; it does not", file, id)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("only %d names checked: the tour's format changed and this test no longer reads it", checked)
	}
}

// bullets splits markdown into list items, each with its continuation
// lines.
func bullets(md string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "- "):
			if cur != "" {
				out = append(out, cur)
			}
			cur = line
		case strings.HasPrefix(line, "  ") && cur != "":
			cur += " " + strings.TrimSpace(line)
		default:
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
