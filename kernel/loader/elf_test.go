package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

const helloC = `#include <stdio.h>
int bss[4096];
int data = 7;
int main(void) { printf("hello %d\n", data); return bss[1]; }
`

const helloGo = `package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
`

// buildTool compiles src into dir with the given command and returns the
// binary's path, skipping the test if the tool or its libraries are missing.
func buildTool(t *testing.T, dir, name, src string, cmd ...string) string {
	t.Helper()
	if _, err := exec.LookPath(cmd[0]); err != nil {
		t.Skipf("%s not installed", cmd[0])
	}
	srcPath := filepath.Join(dir, name+".c")
	if cmd[0] == "go" {
		srcPath = filepath.Join(dir, name+".go")
	}
	if err := os.WriteFile(srcPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	args := append(cmd[1:], "-o", out, srcPath)
	c := exec.Command(cmd[0], args...)
	c.Dir = dir
	if cmd[0] == "go" {
		c.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	}
	if b, err := c.CombinedOutput(); err != nil {
		t.Skipf("%v failed (toolchain or static libraries missing?): %v\n%s", cmd, err, b)
	}
	return out
}

// oracle reads the program headers with debug/elf, which is fine for
// trusted, well-formed files built by the test itself.
func oracle(t *testing.T, path string) (typ uint16, entry uint64, segs []Segment, interp string, gnuStack *elf.Prog) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_LOAD:
			segs = append(segs, Segment{
				Vaddr: p.Vaddr, Memsz: p.Memsz, Filesz: p.Filesz, Offset: p.Off, Align: p.Align,
				Perms: platform.Perms{Read: p.Flags&elf.PF_R != 0, Write: p.Flags&elf.PF_W != 0, Exec: p.Flags&elf.PF_X != 0},
			})
		case elf.PT_INTERP:
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				t.Fatal(err)
			}
			interp = strings.TrimRight(string(b), "\x00")
		case elf.PT_GNU_STACK:
			gnuStack = p
		}
	}
	return uint16(f.Type), f.Entry, segs, interp, gnuStack
}

func parseFile(t *testing.T, path string) *Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	img, err := Parse(f, st.Size())
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return img
}

func TestParseRealBinaries(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		build    func(t *testing.T) string
		wantType uint16
		interp   string
	}{
		{"gcc-static", func(t *testing.T) string { return buildTool(t, dir, "static", helloC, "gcc", "-static", "-O1") }, ET_EXEC, ""},
		{"gcc-static-pie", func(t *testing.T) string { return buildTool(t, dir, "spie", helloC, "gcc", "-static-pie", "-O1") }, ET_DYN, ""},
		{"musl-static", func(t *testing.T) string { return buildTool(t, dir, "musl", helloC, "musl-gcc", "-static", "-O1") }, ET_EXEC, ""},
		{"go-static", func(t *testing.T) string { return buildTool(t, dir, "gohello", helloGo, "go", "build") }, ET_EXEC, ""},
		{"bin-ls", func(t *testing.T) string {
			if _, err := os.Stat("/bin/ls"); err != nil {
				t.Skip("no /bin/ls")
			}
			return "/bin/ls"
		}, ET_DYN, "/lib64/ld-linux-x86-64.so.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.build(t)
			img := parseFile(t, path)
			typ, entry, segs, interp, gnuStack := oracle(t, path)
			if img.Type != tc.wantType || typ != tc.wantType {
				t.Errorf("Type = %d (debug/elf %d), want %d", img.Type, typ, tc.wantType)
			}
			if img.Entry != entry {
				t.Errorf("Entry = %#x, want %#x", img.Entry, entry)
			}
			if diff := cmp.Diff(segs, img.Segments); diff != "" {
				t.Errorf("Segments mismatch (-debug/elf +Parse):\n%s", diff)
			}
			if img.Interp != tc.interp || interp != tc.interp {
				t.Errorf("Interp = %q (debug/elf %q), want %q", img.Interp, interp, tc.interp)
			}
			wantExec := gnuStack != nil && gnuStack.Flags&elf.PF_X != 0
			if img.HasGNUStack != (gnuStack != nil) || img.ExecStack != wantExec {
				t.Errorf("HasGNUStack, ExecStack = %v, %v; want %v, %v", img.HasGNUStack, img.ExecStack, gnuStack != nil, wantExec)
			}
			// AT_PHDR must point at a copy of the program headers in
			// some segment's file image.
			if img.PhdrVaddr == 0 {
				t.Errorf("PhdrVaddr not found")
			} else if off, ok := vaddrToOffset(img.Segments, img.PhdrVaddr); !ok || off != img.Phoff {
				t.Errorf("PhdrVaddr %#x maps to file offset %#x (found %v), want e_phoff %#x", img.PhdrVaddr, off, ok, img.Phoff)
			}
			if strings.HasPrefix(tc.name, "gcc") && !hasNote(img, "GNU") {
				t.Errorf("no GNU note among %d notes", len(img.Notes))
			}
			if tc.name == "go-static" && !hasNote(img, "Go") {
				t.Errorf("no Go build-id note among %d notes", len(img.Notes))
			}
		})
	}
}

func vaddrToOffset(segs []Segment, v uint64) (uint64, bool) {
	for _, s := range segs {
		if v >= s.Vaddr && v < s.Vaddr+s.Filesz {
			return s.Offset + (v - s.Vaddr), true
		}
	}
	return 0, false
}

func hasNote(img *Image, name string) bool {
	for _, n := range img.Notes {
		if n.Name == name {
			return true
		}
	}
	return false
}

func TestParseSynthetic(t *testing.T) {
	b := validTestFile().withInterp("/lib/ld.so").bytes()
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Image{
		Type: ET_EXEC, Entry: 0x400100, Phoff: 64, Phentsize: phdrSize, Phnum: 6,
		Segments: []Segment{
			{Vaddr: 0x400000, Memsz: 0x200, Filesz: 0x200, Offset: 0, Align: 0x1000, Perms: platform.Perms{Read: true, Exec: true}},
			{Vaddr: 0x401200, Memsz: 0x1800, Filesz: 0x80, Offset: 0x200, Align: 0x1000, Perms: platform.Perms{Read: true, Write: true}},
		},
		Interp:      "/lib/ld.so",
		HasGNUStack: true,
		Notes:       []Note{{Name: "GNU", Type: 1, Desc: []byte{0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}}},
		PhdrVaddr:   0x400040,
	}
	if diff := cmp.Diff(want, img); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestParseWithoutPTPhdr(t *testing.T) {
	f := validTestFile()
	f.phdrs[0].typ = 0 // PT_NULL instead of PT_PHDR
	img, err := Parse(bytes.NewReader(f.bytes()), int64(f.size))
	if err != nil {
		t.Fatal(err)
	}
	if img.PhdrVaddr != 0x400040 {
		t.Errorf("PhdrVaddr = %#x, want 0x400040 (from the text segment)", img.PhdrVaddr)
	}
}

func TestParseMalformed(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		mutate func(f *testFile, b []byte) []byte // may change the file or the bytes
		reason string                             // substring of the FormatError reason
	}{
		{"empty", func(_ *testFile, b []byte) []byte { return nil }, "not an ELF"},
		{"bad magic", func(_ *testFile, b []byte) []byte { b[1] = 'X'; return b }, "not an ELF"},
		{"script", func(_ *testFile, b []byte) []byte { return []byte("#!/bin/sh\necho hi\n") }, "not an ELF"},
		{"32-bit", func(_ *testFile, b []byte) []byte { b[4] = 1; return b }, "not a 64-bit"},
		{"big-endian", func(_ *testFile, b []byte) []byte { b[5] = 2; return b }, "not a little-endian"},
		{"truncated header", func(_ *testFile, b []byte) []byte { return b[:40] }, "truncated ELF header"},
		{"aarch64", func(_ *testFile, b []byte) []byte { le.PutUint16(b[18:], 183); return b }, "not an x86-64"},
		{"ET_REL", func(_ *testFile, b []byte) []byte { le.PutUint16(b[16:], 1); return b }, "not an executable"},
		{"ET_CORE", func(_ *testFile, b []byte) []byte { le.PutUint16(b[16:], 4); return b }, "not an executable"},
		{"phentsize", func(_ *testFile, b []byte) []byte { le.PutUint16(b[54:], 32); return b }, "e_phentsize"},
		{"no phdrs", func(_ *testFile, b []byte) []byte { le.PutUint16(b[56:], 0); return b }, "no program headers"},
		{"phnum absurd", func(_ *testFile, b []byte) []byte { le.PutUint16(b[56:], 0xffff); return b }, "too many program headers"},
		{"phdrs beyond file", func(_ *testFile, b []byte) []byte { le.PutUint64(b[32:], 0x2f0); return b }, "program headers"},
		{"phoff huge", func(_ *testFile, b []byte) []byte { le.PutUint64(b[32:], ^uint64(0)-8); return b }, "program headers"},
		{"truncated phdrs", func(_ *testFile, b []byte) []byte { return b[:elfHeaderSize+2*phdrSize+3] }, "program headers"},
		{"filesz > memsz", func(f *testFile, _ []byte) []byte { f.phdrs[2].filesz = 0x1900; return nil }, "p_filesz"},
		{"segment beyond file", func(f *testFile, _ []byte) []byte { f.phdrs[2].filesz = 0x180; return nil }, "beyond the file"},
		{"segment offset overflow", func(f *testFile, _ []byte) []byte {
			f.phdrs[2].offset = ^uint64(0) - 0xfff + 0x200
			return nil
		}, "beyond the file"},
		{"vaddr+memsz overflow", func(f *testFile, _ []byte) []byte {
			f.phdrs[2].vaddr = ^uint64(0) - 0xfff + 0x200
			f.phdrs[2].memsz = 0x10000
			return nil
		}, "overflows"},
		{"above 2^47", func(f *testFile, _ []byte) []byte { f.phdrs[2].vaddr = 1<<47 - 0x1000 + 0x200; return nil }, "above the user address space"},
		{"unsorted", func(f *testFile, _ []byte) []byte { f.phdrs[2].vaddr = 0x300200; return nil }, "sorted"},
		{"overlap", func(f *testFile, _ []byte) []byte {
			f.phdrs[1].memsz = 0x300 // text now ends at 0x400300
			f.phdrs[2].vaddr = 0x400200
			return nil
		}, "overlaps"},
		{"incongruent", func(f *testFile, _ []byte) []byte { f.phdrs[2].vaddr = 0x401300; return nil }, "modulo the page size"},
		{"no PT_LOAD", func(f *testFile, _ []byte) []byte { f.phdrs[1].typ, f.phdrs[2].typ = 0, 0; return nil }, "no PT_LOAD"},
		{"interp not NUL-terminated", func(f *testFile, _ []byte) []byte {
			f.withInterp("/lib/ld.so")
			f.content[0x2c0][len("/lib/ld.so")] = 'x'
			return nil
		}, "not NUL-terminated"},
		{"interp too long", func(f *testFile, _ []byte) []byte {
			f.withInterp("/lib/ld.so")
			f.phdrs[len(f.phdrs)-1].filesz = pathMax + 1
			return nil
		}, "PT_INTERP size"},
		{"interp beyond file", func(f *testFile, _ []byte) []byte {
			f.withInterp("/lib/ld.so")
			f.phdrs[len(f.phdrs)-1].offset = 0x2f8
			return nil
		}, "PT_INTERP"},
		{"interp empty", func(f *testFile, _ []byte) []byte { f.withInterp("\x00"); return nil }, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := validTestFile()
			b := tc.mutate(f, f.bytes())
			if b == nil && !strings.HasPrefix(tc.name, "empty") {
				b = f.bytes()
			}
			img, err := Parse(bytes.NewReader(b), int64(len(b)))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v; want a format error about %q", img, tc.reason)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			if !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("reason %q does not mention %q", fe.Reason, tc.reason)
			}
			if !errors.Is(err, kerr.ENOEXEC) {
				t.Errorf("errors.Is(%v, ENOEXEC) = false", err)
			}
			var ke kerr.Error
			if !errors.As(err, &ke) || ke != kerr.ENOEXEC {
				t.Errorf("errors.As kerr.Error = %v, want ENOEXEC", ke)
			}
		})
	}
}

// failingReader fails every read, as a file on a broken disk would.
type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, kerr.EIO }

func TestParseReadErrorIsNotFormatError(t *testing.T) {
	_, err := Parse(failingReader{}, 4096)
	var fe *FormatError
	if errors.As(err, &fe) || !errors.Is(err, kerr.EIO) {
		t.Errorf("Parse error = %v; want EIO, not a format error", err)
	}
}

func TestParseNotesBounded(t *testing.T) {
	// A PT_NOTE whose entries claim huge sizes must not be trusted.
	f := validTestFile()
	le := binary.LittleEndian
	le.PutUint32(f.content[0x280][4:], 0xffffffff)
	b := f.bytes()
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Notes) != 0 {
		t.Errorf("Notes = %+v, want none from a lying note", img.Notes)
	}
}
