package mm

import (
	"slices"
	"testing"
)

func TestBrk(t *testing.T) {
	const base = uintptr(0x600000)
	type step struct {
		arg      uintptr
		want     uintptr
		wantMaps []string
	}
	tests := []struct {
		name  string
		setup func(e *env)
		steps []step
	}{
		{name: "query", steps: []step{{arg: 0, want: base}}},
		{name: "grow, grow, shrink", steps: []step{
			{arg: base + 100, want: base + 100, wantMaps: []string{hexSpan(base, base+pg, "rw-")}},
			{arg: base + 3*pg, want: base + 3*pg, wantMaps: []string{hexSpan(base, base+3*pg, "rw-")}},
			{arg: base + pg + 1, want: base + pg + 1, wantMaps: []string{hexSpan(base, base+2*pg, "rw-")}},
			{arg: base, want: base, wantMaps: nil},
		}},
		{name: "below the base returns the current break", steps: []step{
			{arg: base + pg, want: base + pg},
			{arg: base - pg, want: base + pg},
		}},
		{name: "blocked by a mapping fails with the old break",
			setup: func(e *env) { e.fixed(base+4*pg, 1, rw) },
			steps: []step{
				{arg: base + 2*pg, want: base + 2*pg},
				// One free page must stay above the new break.
				{arg: base + 4*pg, want: base + 2*pg},
				{arg: base + 3*pg, want: base + 3*pg},
			}},
		{name: "beyond top fails", steps: []step{{arg: testTop + pg, want: base}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.m.SetBrkBase(base - 10) // rounded up to base
			if tc.setup != nil {
				tc.setup(e)
			}
			for _, s := range tc.steps {
				if got := e.m.Brk(s.arg); got != s.want {
					t.Fatalf("Brk(%#x) = %#x, want %#x", s.arg, got, s.want)
				}
				if s.wantMaps != nil || s.arg == base {
					if got := e.spans(); !slices.Equal(got, s.wantMaps) {
						t.Fatalf("after Brk(%#x): maps = %q, want %q", s.arg, got, s.wantMaps)
					}
				}
				e.check()
			}
		})
	}
}

func TestBrkHeapIsNamedAndShrinkFreesPages(t *testing.T) {
	e := newEnv(t, 0)
	e.m.SetBrkBase(0x600000)
	e.m.Brk(0x600000 + 4*pg)
	if _, err := e.m.CopyOut(0x600000, make([]byte, 4*pg)); err != nil {
		t.Fatal(err)
	}
	if m := e.m.Maps(); len(m) != 1 || m[0].Name != "[heap]" || m[0].Resident != 4 {
		t.Fatalf("Maps = %+v, want one [heap] with 4 resident pages", m)
	}
	e.m.Brk(0x600000 + pg)
	if got := e.mf.Allocated(); got != pg {
		t.Errorf("Allocated after shrink = %d, want %d", got, pg)
	}
	e.check()
}
