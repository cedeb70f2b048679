package loader

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// mapOp is one call the loader made on the fake Mapper.
type mapOp struct {
	Mmap    *mm.MmapOpts
	ZeroOut [2]uintptr // addr, n
}

// recordingMapper records calls; a non-fixed Mmap is placed at anywhere.
type recordingMapper struct {
	ops      []mapOp
	anywhere uintptr
}

func (r *recordingMapper) Mmap(o mm.MmapOpts) (uintptr, error) {
	r.ops = append(r.ops, mapOp{Mmap: &o})
	if !o.Fixed {
		return r.anywhere, nil
	}
	return o.Addr, nil
}

func (r *recordingMapper) ZeroOut(addr, n uintptr) error {
	r.ops = append(r.ops, mapOp{ZeroOut: [2]uintptr{addr, n}})
	return nil
}

// testMappable stands for the executable file; it has no fields so cmp
// can compare MmapOpts.File.
type testMappable struct{}

func (testMappable) ReadAt(p []byte, off int64) (int, error) { return 0, nil }

var (
	rx = platform.Perms{Read: true, Exec: true}
	rw = platform.Perms{Read: true, Write: true}
	r_ = platform.Perms{Read: true}
)

func TestLoad(t *testing.T) {
	file := testMappable{}
	tests := []struct {
		name     string
		img      *Image
		bias     uintptr
		wantOps  []mapOp
		wantInfo LoadInfo
	}{
		{
			name: "exec with bss",
			img: &Image{Type: ET_EXEC, Entry: 0x400100, PhdrVaddr: 0x400040, Segments: []Segment{
				{Vaddr: 0x400000, Memsz: 0x200, Filesz: 0x200, Offset: 0, Perms: rx},
				{Vaddr: 0x401200, Memsz: 0x1800, Filesz: 0x80, Offset: 0x200, Perms: rw},
			}},
			wantOps: []mapOp{
				{Mmap: &mm.MmapOpts{Addr: 0x400000, Length: 0x1000, Perms: rx, Fixed: true, File: file, Offset: 0, Name: "/bin/prog"}},
				{Mmap: &mm.MmapOpts{Addr: 0x401000, Length: 0x1000, Perms: rw, Fixed: true, File: file, Offset: 0, Name: "/bin/prog"}},
				{ZeroOut: [2]uintptr{0x401280, 0xd80}},
				{Mmap: &mm.MmapOpts{Addr: 0x402000, Length: 0x1000, Perms: rw, Fixed: true}},
			},
			wantInfo: LoadInfo{Base: 0x400000, Entry: 0x400100, Phdr: 0x400040, End: 0x402a00},
		},
		{
			name: "pie with bias, bss within the last file page",
			img: &Image{Type: ET_DYN, Entry: 0x1100, PhdrVaddr: 0x40, Segments: []Segment{
				{Vaddr: 0, Memsz: 0x800, Filesz: 0x800, Offset: 0, Perms: r_},
				{Vaddr: 0x1000, Memsz: 0x2345, Filesz: 0x2345, Offset: 0x1000, Perms: rx},
				{Vaddr: 0x4e10, Memsz: 0x100, Filesz: 0x10, Offset: 0x3e10, Perms: rw},
			}},
			bias: DefaultDynBase,
			wantOps: []mapOp{
				{Mmap: &mm.MmapOpts{Addr: DefaultDynBase, Length: 0x1000, Perms: r_, Fixed: true, File: file, Name: "/bin/prog"}},
				{Mmap: &mm.MmapOpts{Addr: DefaultDynBase + 0x1000, Length: 0x3000, Perms: rx, Fixed: true, File: file, Offset: 0x1000, Name: "/bin/prog"}},
				{Mmap: &mm.MmapOpts{Addr: DefaultDynBase + 0x4000, Length: 0x1000, Perms: rw, Fixed: true, File: file, Offset: 0x3000, Name: "/bin/prog"}},
				{ZeroOut: [2]uintptr{DefaultDynBase + 0x4e20, 0x1e0}},
			},
			wantInfo: LoadInfo{Bias: DefaultDynBase, Base: DefaultDynBase, Entry: DefaultDynBase + 0x1100, Phdr: DefaultDynBase + 0x40, End: DefaultDynBase + 0x4f10},
		},
		{
			name: "pure bss segment and empty segment",
			img: &Image{Type: ET_EXEC, Entry: 0x400000, Segments: []Segment{
				{Vaddr: 0x400000, Memsz: 0x10, Filesz: 0x10, Offset: 0, Perms: rx},
				{Vaddr: 0x500000, Memsz: 0, Filesz: 0, Perms: rw},
				{Vaddr: 0x600000, Memsz: 0x2001, Filesz: 0, Perms: rw},
			}},
			wantOps: []mapOp{
				{Mmap: &mm.MmapOpts{Addr: 0x400000, Length: 0x1000, Perms: rx, Fixed: true, File: file, Name: "/bin/prog"}},
				{Mmap: &mm.MmapOpts{Addr: 0x600000, Length: 0x3000, Perms: rw, Fixed: true}},
			},
			wantInfo: LoadInfo{Base: 0x400000, Entry: 0x400000, End: 0x602001},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &recordingMapper{}
			info, err := Load(m, tc.img, file, "/bin/prog", tc.bias)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantOps, m.ops); diff != "" {
				t.Errorf("mapper calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantInfo, info); diff != "" {
				t.Errorf("LoadInfo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadAnywhere(t *testing.T) {
	file := testMappable{}
	img := &Image{Type: ET_DYN, Entry: 0x100, Segments: []Segment{
		{Vaddr: 0, Memsz: 0x100, Filesz: 0x100, Perms: rx},
		{Vaddr: 0x3000, Memsz: 0x100, Filesz: 0x100, Offset: 0x1000, Perms: rw},
	}}
	const at = 0x7ffff7fc0000
	m := &recordingMapper{anywhere: at}
	info, err := LoadAnywhere(m, img, file, "/lib/ld.so")
	if err != nil {
		t.Fatal(err)
	}
	want := []mapOp{
		{Mmap: &mm.MmapOpts{Length: 0x4000, Name: "/lib/ld.so"}},
		{Mmap: &mm.MmapOpts{Addr: at, Length: 0x1000, Perms: rx, Fixed: true, File: file, Name: "/lib/ld.so"}},
		{Mmap: &mm.MmapOpts{Addr: at + 0x3000, Length: 0x1000, Perms: rw, Fixed: true, File: file, Offset: 0x1000, Name: "/lib/ld.so"}},
	}
	if diff := cmp.Diff(want, m.ops); diff != "" {
		t.Errorf("mapper calls (-want +got):\n%s", diff)
	}
	if info.Bias != at || info.Base != at || info.Entry != at+0x100 {
		t.Errorf("LoadInfo = %+v, want bias, base %#x", info, at)
	}
}

func TestLoadRefuses(t *testing.T) {
	seg := []Segment{{Vaddr: 0x1000, Memsz: 0x10, Filesz: 0x10, Offset: 0, Perms: rx}}
	tests := []struct {
		name string
		img  *Image
		bias uintptr
		want error
	}{
		{"exec with bias", &Image{Type: ET_EXEC, Segments: seg}, 0x1000, kerr.EINVAL},
		{"unaligned bias", &Image{Type: ET_DYN, Segments: seg}, 0x1234, kerr.EINVAL},
		{"bias past the top", &Image{Type: ET_DYN, Segments: seg}, 1<<47 - 0x1000, kerr.ENOMEM},
		{"no segments", &Image{Type: ET_DYN}, 0, kerr.ENOEXEC},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &recordingMapper{}
			_, err := Load(m, tc.img, testMappable{}, "x", tc.bias)
			if !errors.Is(err, tc.want) {
				t.Errorf("Load error = %v, want %v", err, tc.want)
			}
			if len(m.ops) != 0 {
				t.Errorf("Load mapped %d things before failing", len(m.ops))
			}
		})
	}
}

// TestLoadParsed runs Load on what Parse made of a synthetic file, so the
// two agree on types and units.
func TestLoadParsed(t *testing.T) {
	b := validTestFile().bytes()
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := &recordingMapper{}
	info, err := Load(m, img, testMappable{}, "prog", 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.End != 0x402a00 || info.Entry != 0x400100 || info.Phdr != 0x400040 {
		t.Errorf("LoadInfo = %+v", info)
	}
	if len(m.ops) != 4 {
		t.Errorf("got %d mapper calls, want 4: %+v", len(m.ops), m.ops)
	}
}

// TestLoadAnywhereBelowLinkAddress places an ET_DYN linked at 0x400000
// lower than that: the bias is negative modulo 2^64 and must still work.
func TestLoadAnywhereBelowLinkAddress(t *testing.T) {
	img := &Image{Type: ET_DYN, Entry: 0x400100, Segments: []Segment{
		{Vaddr: 0x400000, Memsz: 0x100, Filesz: 0x100, Perms: rx},
	}}
	m := &recordingMapper{anywhere: 0x10000}
	info, err := LoadAnywhere(m, img, testMappable{}, "lib")
	if err != nil {
		t.Fatal(err)
	}
	if info.Base != 0x10000 || info.Entry != 0x10100 || info.End != 0x10100 {
		t.Errorf("LoadInfo = %+v; want base 0x10000, entry and end 0x10100", info)
	}
	if got := m.ops[1].Mmap.Addr; got != 0x10000 {
		t.Errorf("segment mapped at %#x, want 0x10000", got)
	}
}
