package main

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/syscalls-*.md from the tables")

// TestSyscallsDocIsGenerated keeps docs/syscalls-linux.md equal to what
// the table says; run `go test ./cmd/runos -update` after changing it.
func TestSyscallsDocIsGenerated(t *testing.T) {
	p, ok := lookupPersonality("linux")
	if !ok {
		t.Fatal("no linux personality")
	}
	var b bytes.Buffer
	writeSyscallsMarkdown(&b, p)
	const path = "../../docs/syscalls-linux.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/runos -update)", err)
	}
	if d := cmp.Diff(b.String(), string(got)); d != "" {
		t.Errorf("docs/syscalls-linux.md is stale (run go test ./cmd/runos -update):\n%s", d)
	}
}

// TestEveryLinuxNumberIsInTheTable checks the table covers x86-64 Linux
// from read (0) to the newest call, with no gap inside the classic range
// 0..334 and the 424.. range.
func TestEveryLinuxNumberIsInTheTable(t *testing.T) {
	p, _ := lookupPersonality("linux")
	tb := p.Table()
	for nr := 0; nr <= 334; nr++ {
		if tb.Lookup(uintptr(nr)) == nil {
			t.Errorf("syscall %d missing from the table", nr)
		}
	}
	for nr := 424; nr <= 462; nr++ {
		if tb.Lookup(uintptr(nr)) == nil {
			t.Errorf("syscall %d missing from the table", nr)
		}
	}
	for _, name := range []string{"read", "write", "mmap", "clone", "futex", "execve", "exit_group"} {
		found := false
		for _, nr := range tb.Numbers() {
			if e := tb.Lookup(uintptr(nr)); e.Name == name && e.Handler != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no handler", name)
		}
	}
}
