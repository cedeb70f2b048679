package loader

import (
	"bytes"
	"os"
	"testing"

	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// nullAddressSpace accepts every mapping: the test reads guest memory
// through the mm's copy routines, never by running the guest.
type nullAddressSpace struct{}

func (nullAddressSpace) Map(addr, length uintptr, off uint64, p platform.Perms) error { return nil }
func (nullAddressSpace) Unmap(addr, length uintptr) error                             { return nil }
func (nullAddressSpace) Release()                                                     {}

// newMM makes a real address space, skipping the test while mm is still
// a draft that panics.
func newMM(t *testing.T) (m *mm.MM) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Skipf("mm not ready: %v", r)
		}
	}()
	mf, err := mm.NewMemoryFile(0)
	if err != nil {
		t.Skipf("no memory file: %v", err)
	}
	t.Cleanup(mf.Close)
	m = mm.New(mf, nullAddressSpace{}, userTop)
	t.Cleanup(m.Release)
	return m
}

// TestLoadIntoMM loads real static binaries into a real mm and checks
// every byte of every segment: file bytes up to p_filesz, zeros after,
// up to the end of the last page when the segment has bss.
func TestLoadIntoMM(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		build func(t *testing.T) string
		bias  uintptr
	}{
		{"gcc-static", func(t *testing.T) string { return buildTool(t, dir, "static", helloC, "gcc", "-static", "-O1") }, 0},
		{"gcc-static-pie", func(t *testing.T) string { return buildTool(t, dir, "spie", helloC, "gcc", "-static-pie", "-O1") }, DefaultDynBase},
		{"musl-static", func(t *testing.T) string { return buildTool(t, dir, "musl", helloC, "musl-gcc", "-static", "-O1") }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.build(t)
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			img, err := Parse(bytes.NewReader(content), int64(len(content)))
			if err != nil {
				t.Fatal(err)
			}
			m := newMM(t)
			info, err := Load(m, img, bytes.NewReader(content), path, tc.bias)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for i, s := range img.Segments {
				start := tc.bias + uintptr(s.Vaddr)
				// Past p_memsz the last page is zero only if there is
				// bss; otherwise it holds whatever follows in the file.
				end := start + uintptr(s.Memsz)
				if s.Memsz > s.Filesz {
					end = pageUp(end)
				}
				got := make([]byte, end-start)
				if n, err := m.CopyIn(start, got); n != len(got) || err != nil {
					t.Fatalf("segment %d %v: CopyIn = %d, %v", i, s, n, err)
				}
				want := make([]byte, len(got))
				copy(want, content[s.Offset:s.Offset+s.Filesz])
				if !bytes.Equal(got, want) {
					t.Errorf("segment %d %v: memory differs from file bytes + zeros", i, s)
				}
			}
			if info.End != tc.bias+uintptr(img.Segments[len(img.Segments)-1].End()) {
				t.Errorf("End = %#x", info.End)
			}
			var mapped uintptr
			for _, v := range m.Maps() {
				mapped += v.End - v.Start
			}
			if mapped == 0 {
				t.Errorf("Maps() shows nothing after Load")
			}
		})
	}
}
