package mm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
)

func TestMadviseDontNeed(t *testing.T) {
	file := &fakeFile{data: bytes.Repeat([]byte("F"), 2*pg)}
	tests := []struct {
		name         string
		addr, length uintptr
		wantErr      error
		wantAnon     byte // first byte of the anonymous mapping afterwards
		wantFile     byte // first byte of the file mapping afterwards
	}{
		{name: "anonymous reads zero", addr: 0x500000, length: pg, wantAnon: 0, wantFile: 'W'},
		{name: "file refills from file", addr: 0x510000, length: 1, wantAnon: 'W', wantFile: 'F'},
		{name: "hole is ENOMEM but mapped part dropped", addr: 0x500000, length: 0x20000,
			wantErr: kerr.ENOMEM, wantAnon: 0, wantFile: 'F'},
		{name: "unaligned", addr: 0x500001, length: pg, wantErr: kerr.EINVAL, wantAnon: 'W', wantFile: 'W'},
		{name: "zero length", addr: 0x500000, length: 0, wantAnon: 'W', wantFile: 'W'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.fixed(0x500000, 2, rw)
			e.mmap(MmapOpts{Addr: 0x510000, Length: 2 * pg, Perms: rw, Fixed: true, File: file})
			for _, a := range []uintptr{0x500000, 0x510000} {
				if _, err := e.m.CopyOut(a, []byte("W")); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.m.MadviseDontNeed(tc.addr, tc.length); !errors.Is(err, tc.wantErr) {
				t.Fatalf("MadviseDontNeed = %v, want %v", err, tc.wantErr)
			}
			e.check()
			for _, c := range []struct {
				addr uintptr
				want byte
			}{{0x500000, tc.wantAnon}, {0x510000, tc.wantFile}} {
				b := []byte{0xff}
				if _, err := e.m.CopyIn(c.addr, b); err != nil || b[0] != c.want {
					t.Errorf("byte at %#x = %q, %v; want %q", c.addr, b[0], err, c.want)
				}
			}
		})
	}
}
