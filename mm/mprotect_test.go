package mm

import (
	"errors"
	"slices"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

func TestMprotect(t *testing.T) {
	tests := []struct {
		name         string
		addr, length uintptr
		perms        platform.Perms
		wantErr      error
		wantMaps     []string
	}{
		{name: "middle splits in three", addr: 0x502000, length: 2 * pg, perms: ro,
			wantMaps: []string{hexSpan(0x500000, 0x502000, "rw-"), hexSpan(0x502000, 0x504000, "r--"),
				hexSpan(0x504000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "whole VMA, length rounded up", addr: 0x500000, length: 8*pg - 5, perms: rx,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "r-x"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "back to the same perms merges", addr: 0x502000, length: pg, perms: rw,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "hole gives ENOMEM and changes nothing", addr: 0x506000, length: 0xb000, perms: ro, wantErr: kerr.ENOMEM,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "unmapped start", addr: 0x400000, length: pg, perms: ro, wantErr: kerr.ENOMEM,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "unaligned", addr: 0x500010, length: pg, perms: ro, wantErr: kerr.EINVAL,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "rw-")}},
		{name: "PROT_NONE", addr: 0x510000, length: 2 * pg, perms: none,
			wantMaps: []string{hexSpan(0x500000, 0x508000, "rw-"), hexSpan(0x510000, 0x512000, "---")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.fixed(0x500000, 8, rw)
			e.fixed(0x510000, 2, rw)
			for _, a := range []uintptr{0x500000, 0x502000, 0x503000, 0x507000, 0x510000} {
				e.touch(a)
			}
			err := e.m.Mprotect(tc.addr, tc.length, tc.perms)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Mprotect = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(e.spans(), tc.wantMaps) {
				t.Errorf("maps = %q, want %q", e.spans(), tc.wantMaps)
			}
			// check compares every backed page's platform perms with the
			// page table, so a missed re-Map shows up here.
			e.check()
			if tc.wantErr == nil {
				for va, p := range e.as.pages {
					if va >= tc.addr && va < tc.addr+tc.length && p.perms != tc.perms {
						t.Errorf("page %#x mapped %s in the platform, want %s", va, p.perms, tc.perms)
					}
				}
			}
		})
	}
}
