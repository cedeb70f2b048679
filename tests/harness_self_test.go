package tests

import (
	"strings"
	"testing"
)

// TestDiffOutcomes checks the harness's own comparison, so that a behaviour
// test cannot pass because the comparison is broken.
func TestDiffOutcomes(t *testing.T) {
	big := strings.Repeat("line of output\n", 5000)
	cases := []struct {
		name      string
		want, got outcome
		mentions  []string // substrings the diff must contain; nil means no diff
	}{
		{"equal", outcome{"a\n", "", 0}, outcome{"a\n", "", 0}, nil},
		{"exit status", outcome{"a\n", "", 0}, outcome{"a\n", "", 139}, []string{"Exit", "139"}},
		{"stderr", outcome{"", "", 0}, outcome{"", "runos: oops\n", 0}, []string{"runos: oops"}},
		{"big stdout summarized", outcome{big + "end\n", "", 0}, outcome{big + "END\n", "", 0}, []string{"first differing line 5001: \"end\\n\"", "first differing line 5001: \"END\\n\""}},
		{"big stdout cut short", outcome{big, "", 0}, outcome{big[:1000], "", 0}, []string{"length: 75000 bytes", "length: 1000 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := diffOutcomes(c.want, c.got)
			if c.mentions == nil {
				if d != "" {
					t.Errorf("diffOutcomes of equal outcomes = %q, want none", d)
				}
				return
			}
			if d == "" {
				t.Fatalf("diffOutcomes(%+v, %+v) found no difference", truncateTo(c.want.Stdout, 40), truncateTo(c.got.Stdout, 40))
			}
			if len(d) > 9<<10 {
				t.Errorf("diff is %d bytes; it must be truncated near 8 KiB", len(d))
			}
			for _, m := range c.mentions {
				if !strings.Contains(d, m) {
					t.Errorf("diff lacks %q:\n%s", m, d)
				}
			}
		})
	}
}

func TestInternalErrorLines(t *testing.T) {
	cases := []struct {
		stderr string
		want   int
	}{
		{"", 0},
		{"runos: openat: not implemented (ENOSYS)\n", 0},
		{"panic: runtime error: index out of range\n\ngoroutine 1 [running]:\n", 2},
		{"runos: internal error: vma overlap\n", 1},
		{"fatal error: concurrent map writes\n", 1},
	}
	for _, c := range cases {
		if got := internalErrorLines(c.stderr); len(got) != c.want {
			t.Errorf("internalErrorLines(%q) = %q, want %d lines", c.stderr, got, c.want)
		}
	}
}
