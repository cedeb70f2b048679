package fs_test

import (
	"testing"

	"github.com/runos-project/runos/fs"
)

type (
	inner struct{ fs.File }
	outer struct{ fs.File }
	// adder is a wrapper that implements an interface itself.
	adder struct{ fs.File }
)

func (inner) Sync() error       { return nil }
func (inner) Name() string      { return "inner" }
func (o outer) Unwrap() fs.File { return o.File }
func (a adder) Unwrap() fs.File { return a.File }
func (adder) Name() string      { return "adder" }

type namer interface{ Name() string }

func TestAsAndUnderlying(t *testing.T) {
	in := inner{}
	cases := []struct {
		name      string
		f         fs.File
		wantName  string // the namer As finds, "" for none
		wantSync  bool
		wantInner bool // Underlying is in
	}{
		{"bare", in, "inner", true, true},
		{"one wrapper", outer{in}, "inner", true, true},
		{"two wrappers", outer{outer{in}}, "inner", true, true},
		{"the outer layer wins", outer{adder{in}}, "adder", true, true},
		{"not a wrapper", struct{ fs.File }{in}, "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, ok := fs.As[namer](c.f)
			got := ""
			if ok {
				got = n.Name()
			}
			if got != c.wantName {
				t.Errorf("As[namer] found %q, want %q", got, c.wantName)
			}
			if _, ok := fs.As[interface{ Sync() error }](c.f); ok != c.wantSync {
				t.Errorf("As[syncer] ok = %v, want %v", ok, c.wantSync)
			}
			if _, isInner := fs.Underlying(c.f).(inner); isInner != c.wantInner {
				t.Errorf("Underlying = %T, want inner: %v", fs.Underlying(c.f), c.wantInner)
			}
		})
	}
}
