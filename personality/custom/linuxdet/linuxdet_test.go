package linuxdet

import (
	"testing"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/personality/linux"
)

// TestDerivedTable checks the composition: the six overridden calls carry
// the override note, and every other entry is Linux's.
func TestDerivedTable(t *testing.T) {
	d, l := New(7), linux.New()
	if d.Name() != Name || l.Name() != "linux" {
		t.Fatalf("names: %q, %q", d.Name(), l.Name())
	}
	overridden := map[string]bool{"getrandom": true, "read": true, "pread64": true,
		"clock_gettime": true, "gettimeofday": true, "time": true}
	dt, lt := d.Table(), l.Table()
	for _, nr := range lt.Numbers() {
		le, de := lt.Lookup(uintptr(nr)), dt.Lookup(uintptr(nr))
		if de == nil || de.Name != le.Name {
			t.Fatalf("entry %d: got %v, want %s", nr, de, le.Name)
		}
		t.Run(le.Name, func(t *testing.T) {
			switch {
			case overridden[le.Name]:
				if de.Note != "overridden by "+Name || de.Handler == nil {
					t.Errorf("not overridden: %+v", de)
				}
			case de.Note != le.Note || de.Support != le.Support || (de.Handler == nil) != (le.Handler == nil):
				t.Errorf("differs from Linux: %+v", de)
			}
		})
	}
	// Deriving must not change Linux's own table.
	for _, nr := range lt.Numbers() {
		if e := lt.Lookup(uintptr(nr)); e.Note == "overridden by "+Name {
			t.Errorf("Linux's %s was changed", e.Name)
		}
	}
}

// TestMatch: Linux wins every plain program (ties go to the registry's
// first, Linux); a runos note naming the derived personality picks it.
func TestMatch(t *testing.T) {
	d, l := New(0), linux.New()
	note := func(desc string) *loader.Image {
		return &loader.Image{Notes: []loader.Note{{Name: "runos", Desc: []byte(desc + "\x00")}}}
	}
	tests := []struct {
		name string
		img  *loader.Image
		want bool // whether d is surer than l
	}{
		{"plain ELF", &loader.Image{}, false},
		{"note linux", note("linux"), false},
		{"note linux-deterministic", note(Name), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dp, dok := d.Match(tc.img)
			lp, lok := l.Match(tc.img)
			if !dok {
				dp = -1
			}
			if !lok {
				lp = -1
			}
			if got := dp > lp; got != tc.want {
				t.Errorf("derived %d, linux %d: derived wins = %v, want %v", dp, lp, got, tc.want)
			}
		})
	}
}

func TestDeriveUnknownCall(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Derive with an unknown call name did not panic")
		}
	}()
	linux.New().Derive("x", "x", map[string]core.Handler{"no_such_call": nil})
}
