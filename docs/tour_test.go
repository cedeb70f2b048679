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
	name := regexp.MustCompile("`([A-Za-z][A-Za-z0-9]*)`")
	checked := 0
	for _, fb := range fileBullets(t, "tour.md") {
		for _, n := range name.FindAllStringSubmatch(fb.text, -1) {
			id := n[1]
			if notCode[id] {
				continue
			}
			decl := regexp.MustCompile(`(?m)^(func (\([^)]*\) )?|type )` + id + `\b`)
			if !decl.Match(fb.src) {
				t.Errorf("tour.md says %s declares %s; it does not", fb.file, id)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("only %d names checked: the tour's format changed and this test no longer reads it", checked)
	}
}

// fileBullet is a guide's list item that starts with a Go file's path:
// the path, the rest of the item, and the file's source.
type fileBullet struct {
	file, text string
	src        []byte
}

// fileBullets reads the guide md (in this folder) and returns its items
// that start with a Go file's path, as "- `fs/vfs/walk.go`: ..."; a path
// that does not exist is an error of t.
func fileBullets(t *testing.T, md string) []fileBullet {
	t.Helper()
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile("^- `([a-z/_.]+\\.go)`:")
	var out []fileBullet
	for _, bl := range bullets(string(b)) {
		m := head.FindStringSubmatch(bl)
		if m == nil {
			continue
		}
		src, err := os.ReadFile(filepath.Join("..", m[1]))
		if err != nil {
			t.Errorf("%s names %s, which does not exist", md, m[1])
			continue
		}
		out = append(out, fileBullet{file: m[1], text: bl[len(m[0]):], src: src})
	}
	return out
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
