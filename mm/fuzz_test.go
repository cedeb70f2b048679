package mm

import (
	"testing"

	"github.com/runos-project/runos/platform"
)

// FuzzMmapSequence applies a random sequence of address-space operations
// and checks after each one the invariants of checkInvariants: VMAs
// sorted, aligned, non-overlapping and within [mmapMin, top); every backed
// page inside a VMA and mirrored exactly in the platform; Allocated equal
// to the backed pages.
//
// Each operation is 4 bytes: kind, then three arguments. Addresses fall
// in a 1 MiB window so that operations collide often.
func FuzzMmapSequence(f *testing.F) {
	f.Add([]byte{0, 1, 4, 0x13, 5, 1, 0, 0, 1, 2, 1, 0})
	f.Add([]byte{4, 8, 0, 0, 0, 9, 2, 0x13, 3, 9, 6, 1, 5, 20, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		e := newEnv(t, 64*pg)
		const window = uintptr(0x1000000)
		addr := func(b byte) uintptr { return window + uintptr(b)*pg }
		length := func(b byte) uintptr { return (uintptr(b%16) + 1) * pg }
		perms := func(b byte) platform.Perms {
			return platform.Perms{Read: b&1 != 0, Write: b&2 != 0, Exec: b&4 != 0}
		}
		e.m.SetBrkBase(addr(200))
		e.m.SetStackLimit(32 * pg)
		for len(ops) >= 4 {
			k, a, b, c := ops[0], ops[1], ops[2], ops[3]
			ops = ops[4:]
			switch k % 10 {
			case 0:
				o := MmapOpts{Addr: addr(a), Length: length(b), Perms: perms(c)}
				switch c >> 3 % 4 {
				case 1:
					o.Fixed = true
				case 2:
					o.NoReplace = true
				case 3:
					o.Addr = 0
				}
				e.m.Mmap(o)
			case 1:
				e.m.Munmap(addr(a), length(b))
			case 2:
				e.m.Mprotect(addr(a), length(b), perms(c))
			case 3:
				e.m.Mremap(addr(a), length(b), length(c), c&0x10 != 0, c&0x20 != 0, addr(c))
			case 4:
				e.m.Brk(addr(200) + uintptr(a)*pg/4)
			case 5:
				e.m.HandleFault(platform.Event{Kind: platform.EventFault, Addr: addr(a) + uintptr(b), Present: c&1 != 0})
			case 6:
				e.m.CopyOut(addr(a)+uintptr(b)*16, make([]byte, int(c)*64))
			case 7:
				e.m.MadviseDontNeed(addr(a), length(b))
			case 8:
				e.m.Mmap(MmapOpts{Addr: addr(a), Length: length(b), Perms: platform.Perms{Read: true, Write: true}, Fixed: true, GrowsDown: true})
			case 9:
				e.m.CopyIn(addr(a)+uintptr(b)*16, make([]byte, int(c)*64))
			}
			if err := checkInvariants(e.m, e.as); err != nil {
				t.Fatalf("after op %d (%d %d %d): %v", k%10, a, b, c, err)
			}
		}
	})
}
