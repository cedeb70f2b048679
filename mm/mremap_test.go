package mm

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
)

func TestMremap(t *testing.T) {
	// Every case starts with A = [0x500000, 0x504000) rw-, pages 0 and 3
	// touched and holding a marker, and B = [0x508000, 0x509000) r--.
	const a, b = uintptr(0x500000), uintptr(0x508000)
	tests := []struct {
		name                    string
		oldAddr, oldLen, newLen uintptr
		mayMove, fixed          bool
		newAddr                 uintptr
		want                    uintptr
		wantErr                 error
		wantMaps                []string
	}{
		{name: "grow in place", oldAddr: a, oldLen: 4 * pg, newLen: 6 * pg, want: a,
			wantMaps: []string{hexSpan(a, a+6*pg, "rw-"), hexSpan(b, b+pg, "r--")}},
		{name: "grow blocked, no move", oldAddr: a, oldLen: 4 * pg, newLen: 9 * pg, wantErr: kerr.ENOMEM},
		{name: "grow blocked, moves", oldAddr: a, oldLen: 4 * pg, newLen: 9 * pg, mayMove: true,
			want:     testTop - mmapGap - 9*pg,
			wantMaps: []string{hexSpan(b, b+pg, "r--"), hexSpan(testTop-mmapGap-9*pg, testTop-mmapGap, "rw-")}},
		{name: "shrink", oldAddr: a, oldLen: 4 * pg, newLen: pg, want: a,
			wantMaps: []string{hexSpan(a, a+pg, "rw-"), hexSpan(b, b+pg, "r--")}},
		{name: "same size", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, want: a},
		{name: "fixed", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, mayMove: true, fixed: true, newAddr: 0x600000,
			want: 0x600000, wantMaps: []string{hexSpan(b, b+pg, "r--"), hexSpan(0x600000, 0x604000, "rw-")}},
		{name: "fixed over B replaces it", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, mayMove: true, fixed: true, newAddr: 0x507000,
			want: 0x507000, wantMaps: []string{hexSpan(0x507000, 0x50b000, "rw-")}},
		{name: "fixed and shrink", oldAddr: a, oldLen: 4 * pg, newLen: pg, mayMove: true, fixed: true, newAddr: 0x600000,
			want: 0x600000, wantMaps: []string{hexSpan(b, b+pg, "r--"), hexSpan(0x600000, 0x601000, "rw-")}},
		{name: "fixed without maymove", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, fixed: true, newAddr: 0x600000, wantErr: kerr.EINVAL},
		{name: "fixed unaligned", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, mayMove: true, fixed: true, newAddr: 0x600001, wantErr: kerr.EINVAL},
		{name: "fixed overlapping", oldAddr: a, oldLen: 4 * pg, newLen: 4 * pg, mayMove: true, fixed: true, newAddr: a + 2*pg, wantErr: kerr.EINVAL},
		{name: "across VMAs", oldAddr: a, oldLen: 9 * pg, newLen: 10 * pg, mayMove: true, wantErr: kerr.EFAULT},
		{name: "not mapped", oldAddr: 0x700000, oldLen: pg, newLen: 2 * pg, mayMove: true, wantErr: kerr.EFAULT},
		{name: "unaligned", oldAddr: a + 1, oldLen: pg, newLen: 2 * pg, wantErr: kerr.EINVAL},
		{name: "zero new length", oldAddr: a, oldLen: pg, newLen: 0, wantErr: kerr.EINVAL},
		{name: "zero old length of private mapping", oldAddr: a, oldLen: 0, newLen: pg, mayMove: true, wantErr: kerr.EINVAL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.fixed(a, 4, rw)
			e.fixed(b, 1, ro)
			for _, off := range []uintptr{0, 3 * pg} {
				if _, err := e.m.CopyOut(a+off+8, []byte("marker")); err != nil {
					t.Fatal(err)
				}
			}
			before := e.mf.Allocated()
			got, err := e.m.Mremap(tc.oldAddr, tc.oldLen, tc.newLen, tc.mayMove, tc.fixed, tc.newAddr)
			if !errors.Is(err, tc.wantErr) || (err == nil && got != tc.want) {
				t.Fatalf("Mremap = %#x, %v; want %#x, %v", got, err, tc.want, tc.wantErr)
			}
			if tc.wantMaps != nil && !slices.Equal(e.spans(), tc.wantMaps) {
				t.Errorf("maps = %q, want %q", e.spans(), tc.wantMaps)
			}
			e.check()
			if err != nil {
				return
			}
			// The contents travel with the mapping, and a move copies no
			// memory: the same pages are referenced at the new address.
			kept := min(tc.newLen, tc.oldLen)
			wantAlloc := before
			if kept < 4*pg {
				wantAlloc = pg // only page 0 survives a shrink to one page
			}
			if got := e.mf.Allocated(); got != wantAlloc {
				t.Errorf("Allocated = %d, want %d", got, wantAlloc)
			}
			for _, off := range []uintptr{0, 3 * pg} {
				if off >= kept {
					continue
				}
				buf := make([]byte, 6)
				if _, err := e.m.CopyIn(got+off+8, buf); err != nil || !bytes.Equal(buf, []byte("marker")) {
					t.Errorf("CopyIn at new page %#x = %q, %v; want marker", off, buf, err)
				}
			}
		})
	}
}

func TestMremapGrowReadsZeroAbove(t *testing.T) {
	e := newEnv(t, 0)
	a := e.mmap(MmapOpts{Addr: 0x500000, Length: pg, Perms: rw})
	got, err := e.m.Mremap(a, pg, 3*pg, false, false, 0)
	if err != nil || got != a {
		t.Fatalf("Mremap = %#x, %v", got, err)
	}
	buf := []byte{1, 2, 3}
	if _, err := e.m.CopyIn(a+2*pg, buf); err != nil || !bytes.Equal(buf, []byte{0, 0, 0}) {
		t.Fatalf("grown page reads %v, %v; want zeros", buf, err)
	}
}
