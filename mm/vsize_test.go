package mm

import "testing"

func TestVirtualSize(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(e *env)
		start, end uintptr // the range MappedBytes is asked about
		wantSize   uintptr
		wantMapped uintptr
	}{
		{name: "empty", start: 0x500000, end: 0x600000},
		{name: "two mappings", setup: func(e *env) { e.fixed(0x500000, 3, rw); e.fixed(0x700000, 2, ro) },
			start: 0x400000, end: 0x800000, wantSize: 5 * pg, wantMapped: 5 * pg},
		{name: "range cuts a mapping", setup: func(e *env) { e.fixed(0x500000, 4, rw) },
			start: 0x501000, end: 0x503000, wantSize: 4 * pg, wantMapped: 2 * pg},
		{name: "range between mappings", setup: func(e *env) { e.fixed(0x500000, 1, rw); e.fixed(0x503000, 1, rw) },
			start: 0x501000, end: 0x503000, wantSize: 2 * pg},
		{name: "merged mappings count once", setup: func(e *env) { e.fixed(0x500000, 1, rw); e.fixed(0x501000, 1, rw) },
			start: 0x500000, end: 0x502000, wantSize: 2 * pg, wantMapped: 2 * pg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			if tc.setup != nil {
				tc.setup(e)
			}
			if got := e.m.VirtualSize(); got != tc.wantSize {
				t.Errorf("VirtualSize = %#x, want %#x", got, tc.wantSize)
			}
			if got := e.m.MappedBytes(tc.start, tc.end); got != tc.wantMapped {
				t.Errorf("MappedBytes(%#x, %#x) = %#x, want %#x", tc.start, tc.end, got, tc.wantMapped)
			}
		})
	}
}
