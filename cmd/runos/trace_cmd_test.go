package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func dur(d float64) *float64 { return &d }

// sampleTrace is two tasks: one with reads and a failed open, one with a
// single write, plus metadata, an instant and a counter.
func sampleTrace() *traceFile {
	return &traceFile{TraceEvents: []traceEvent{
		{Name: "thread_name", Phase: "M", PID: 1, TID: 1, Args: map[string]any{"name": "prog 1"}},
		{Name: "thread_name", Phase: "M", PID: 1, TID: 2, Args: map[string]any{"name": "prog <&> 2"}},
		{Name: "read", Cat: "desc", Phase: "X", TS: 10, Dur: dur(5), PID: 1, TID: 1, Args: map[string]any{"args": `3, "a<b", 1`, "result": "1"}},
		{Name: "read", Cat: "desc", Phase: "X", TS: 20, Dur: dur(5), PID: 1, TID: 1, Args: map[string]any{"args": "3, \"\", 1", "result": "0"}},
		{Name: "read", Cat: "desc", Phase: "X", TS: 30, Dur: dur(5), PID: 1, TID: 1, Args: map[string]any{"args": "3, \"\", 1", "result": "0"}},
		{Name: "openat", Cat: "file", Phase: "X", TS: 40, Dur: dur(100), PID: 1, TID: 1, Args: map[string]any{"args": `AT_FDCWD, "/x", O_RDONLY`, "result": "-1 ENOENT (No such file or directory)"}},
		{Name: "write", Cat: "desc", Phase: "X", TS: 50, Dur: dur(1), PID: 1, TID: 2, Args: map[string]any{"args": `1, "hi\n", 3`, "result": "3"}},
		{Name: "fork", Phase: "i", Scope: "t", TS: 60, PID: 1, TID: 1},
		{Name: "page faults", Phase: "C", TS: 70, PID: 1, TID: 1, Args: map[string]any{"faults": 3}},
	}}
}

func TestTraceSummary(t *testing.T) {
	var b bytes.Buffer
	writeTraceSummary(&b, sampleTrace(), 2)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	cases := []struct {
		name string
		line int
		want []string // fields of the line
	}{
		{"header", 0, []string{"5", "syscalls", "by", "2", "tasks,", "0.116", "ms", "in", "the", "kernel"}},
		{"most calls first", 2, []string{"3", "0", "0.015", "5.0", "12.9", "read"}},
		{"then most time", 3, []string{"1", "1", "0.100", "100.0", "86.2", "openat"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.line >= len(lines) {
				t.Fatalf("summary has %d lines:\n%s", len(lines), b.String())
			}
			if got := strings.Fields(lines[tc.line]); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("line %d = %q, want fields %q\n%s", tc.line, lines[tc.line], tc.want, b.String())
			}
		})
	}
	if len(lines) != 4 {
		t.Errorf("--top 2 printed %d lines, want 4:\n%s", len(lines), b.String())
	}
}

// svgShapes parses an SVG and counts its rects with a title (syscalls)
// and its text nodes.
func svgShapes(t *testing.T, svg string) (calls int, texts []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "title" && len(stack) > 0 && stack[len(stack)-1] == "rect" {
				calls++
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "text" {
				texts = append(texts, string(tok))
			}
		}
	}
	return calls, texts
}

func TestTraceSVG(t *testing.T) {
	svg := traceSVG(sampleTrace())
	if !strings.HasPrefix(svg, "<svg ") {
		t.Fatalf("not an SVG:\n%s", svg)
	}
	calls, texts := svgShapes(t, svg)
	if calls != 5 {
		t.Errorf("SVG has %d syscall rects, want 5", calls)
	}
	for _, want := range []string{"prog 1", "prog <&> 2", "file", "desc"} {
		found := false
		for _, s := range texts {
			found = found || s == want
		}
		if !found {
			t.Errorf("SVG has no text %q (has %q)", want, texts)
		}
	}
}
