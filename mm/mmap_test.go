package mm

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

const pg = arch.PageSize

func TestMmap(t *testing.T) {
	base := testTop - mmapGap
	tests := []struct {
		name     string
		setup    func(e *env)
		opts     MmapOpts
		want     uintptr
		wantErr  error
		wantMaps []string // nil: not checked
	}{
		{name: "zero length", opts: MmapOpts{Length: 0, Perms: rw}, wantErr: kerr.EINVAL},
		{name: "length overflows when rounded", opts: MmapOpts{Length: ^uintptr(0), Perms: rw}, wantErr: kerr.ENOMEM},
		{name: "unaligned offset", opts: MmapOpts{Length: pg, Perms: rw, Offset: 100}, wantErr: kerr.EINVAL},
		{name: "fixed unaligned", opts: MmapOpts{Addr: 0x100001, Length: pg, Fixed: true}, wantErr: kerr.EINVAL},
		{name: "fixed beyond top", opts: MmapOpts{Addr: testTop - pg, Length: 2 * pg, Fixed: true}, wantErr: kerr.ENOMEM},
		{name: "fixed below mmap_min_addr", opts: MmapOpts{Addr: 0x1000, Length: pg, Fixed: true}, wantErr: kerr.EPERM},
		{name: "no hint takes the top of the mmap area", opts: MmapOpts{Length: 3 * pg, Perms: rw},
			want: base - 3*pg, wantMaps: []string{hexSpan(base-3*pg, base, "rw-")}},
		{name: "length rounded up", opts: MmapOpts{Length: pg + 1, Perms: ro}, want: base - 2*pg},
		{name: "free hint is used", opts: MmapOpts{Addr: 0x400000, Length: pg, Perms: rw}, want: 0x400000},
		{name: "unaligned hint rounds up", opts: MmapOpts{Addr: 0x400001, Length: pg, Perms: rw}, want: 0x401000},
		{name: "hint below mmap_min_addr is ignored", opts: MmapOpts{Addr: 0x1000, Length: pg, Perms: rw}, want: base - pg},
		{name: "occupied hint falls back", setup: func(e *env) { e.fixed(0x400000, 1, rw) },
			opts: MmapOpts{Addr: 0x400000, Length: pg, Perms: ro}, want: base - pg},
		{name: "top-down skips occupied range", setup: func(e *env) { e.fixed(base-2*pg, 2, rw) },
			opts: MmapOpts{Length: 2 * pg, Perms: ro}, want: base - 4*pg},
		{name: "too large", opts: MmapOpts{Length: testTop, Perms: rw}, wantErr: kerr.ENOMEM},
		{name: "noreplace on occupied range", setup: func(e *env) { e.fixed(0x500000, 1, rw) },
			opts: MmapOpts{Addr: 0x4ff000, Length: 2 * pg, NoReplace: true}, wantErr: kerr.EEXIST},
		{name: "noreplace on free range", opts: MmapOpts{Addr: 0x500000, Length: pg, NoReplace: true, Perms: rw}, want: 0x500000},
		{name: "fixed replaces the middle", setup: func(e *env) { e.fixed(0x500000, 3, rw); e.touch(0x501000) },
			opts: MmapOpts{Addr: 0x501000, Length: pg, Fixed: true, Perms: ro}, want: 0x501000,
			wantMaps: []string{hexSpan(0x500000, 0x501000, "rw-"), hexSpan(0x501000, 0x502000, "r--"), hexSpan(0x502000, 0x503000, "rw-")}},
		{name: "adjacent anonymous mappings merge", setup: func(e *env) { e.fixed(0x500000, 1, rw) },
			opts: MmapOpts{Addr: 0x501000, Length: pg, Fixed: true, Perms: rw}, want: 0x501000,
			wantMaps: []string{hexSpan(0x500000, 0x502000, "rw-")}},
		{name: "file offset overflow", opts: MmapOpts{Length: 2 * pg, File: &fakeFile{}, Offset: 1<<64 - pg}, wantErr: kerr.EOVERFLOW},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			if tc.setup != nil {
				tc.setup(e)
			}
			got, err := e.m.Mmap(tc.opts)
			if !errors.Is(err, tc.wantErr) || (err == nil && got != tc.want) {
				t.Fatalf("Mmap(%+v) = %#x, %v; want %#x, %v", tc.opts, got, err, tc.want, tc.wantErr)
			}
			if tc.wantMaps != nil && !slices.Equal(e.spans(), tc.wantMaps) {
				t.Errorf("maps = %q, want %q", e.spans(), tc.wantMaps)
			}
			e.check()
		})
	}
}

func hexSpan(start, end uintptr, perms string) string {
	return fmt.Sprintf("%#x-%#x %s", start, end, perms)
}

func TestMmapNothingAllocatedUntilTouched(t *testing.T) {
	e := newEnv(t, 0)
	a := e.mmap(MmapOpts{Length: 64 * pg, Perms: rw})
	if got := e.mf.Allocated(); got != 0 {
		t.Fatalf("Allocated after mmap = %d, want 0", got)
	}
	e.touch(a + 5*pg + 7)
	if got := e.mf.Allocated(); got != pg {
		t.Fatalf("Allocated after one touch = %d, want %d", got, pg)
	}
	e.check()
}

func TestMunmap(t *testing.T) {
	tests := []struct {
		name         string
		addr, length uintptr
		wantErr      error
		wantMaps     []string
		wantResident []int
	}{
		{name: "middle splits", addr: 0x503000, length: 2 * pg,
			wantMaps:     []string{hexSpan(0x500000, 0x503000, "rw-"), hexSpan(0x505000, 0x50a000, "rw-")},
			wantResident: []int{3, 5}},
		{name: "head", addr: 0x500000, length: pg + 1,
			wantMaps: []string{hexSpan(0x502000, 0x50a000, "rw-")}, wantResident: []int{8}},
		{name: "tail and beyond", addr: 0x508000, length: 16 * pg,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-")}, wantResident: []int{8}},
		{name: "everything", addr: 0x400000, length: 0x200000, wantMaps: nil, wantResident: nil},
		{name: "unmapped range is fine", addr: 0x700000, length: pg,
			wantMaps: []string{hexSpan(0x500000, 0x50a000, "rw-")}, wantResident: []int{10}},
		{name: "unaligned", addr: 0x500001, length: pg, wantErr: kerr.EINVAL,
			wantMaps: []string{hexSpan(0x500000, 0x50a000, "rw-")}, wantResident: []int{10}},
		{name: "zero length", addr: 0x500000, length: 0, wantErr: kerr.EINVAL,
			wantMaps: []string{hexSpan(0x500000, 0x50a000, "rw-")}, wantResident: []int{10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.fixed(0x500000, 10, rw)
			for a := uintptr(0x500000); a < 0x50a000; a += pg {
				e.touch(a)
			}
			err := e.m.Munmap(tc.addr, tc.length)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Munmap(%#x, %#x) = %v, want %v", tc.addr, tc.length, err, tc.wantErr)
			}
			if !slices.Equal(e.spans(), tc.wantMaps) {
				t.Errorf("maps = %q, want %q", e.spans(), tc.wantMaps)
			}
			var res []int
			for _, v := range e.m.Maps() {
				res = append(res, v.Resident)
			}
			if !slices.Equal(res, tc.wantResident) {
				t.Errorf("resident = %v, want %v", res, tc.wantResident)
			}
			// check also verifies that Allocated dropped with the pages.
			e.check()
		})
	}
}

func TestMunmapFreesPages(t *testing.T) {
	e := newEnv(t, 0)
	a := e.mmap(MmapOpts{Length: 8 * pg, Perms: rw})
	if _, err := e.m.CopyOut(a, make([]byte, 8*pg)); err != nil {
		t.Fatal(err)
	}
	if got := e.mf.Allocated(); got != 8*pg {
		t.Fatalf("Allocated = %d, want %d", got, 8*pg)
	}
	if err := e.m.Munmap(a, 8*pg); err != nil {
		t.Fatal(err)
	}
	if got := e.mf.Allocated(); got != 0 {
		t.Fatalf("Allocated after munmap = %d, want 0", got)
	}
	if last := e.as.calls[len(e.as.calls)-1]; last != fmt.Sprintf("unmap %#x-%#x", a, a+8*pg) {
		t.Errorf("last platform call = %q, want the unmap", last)
	}
}
