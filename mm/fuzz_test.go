package mm

import (
	"testing"

	"github.com/runos-project/runos/platform"
)

// FuzzMmapSequence applies a random sequence of address-space operations,
// fork among them, to a family of up to four MMs sharing one memory file,
// and checks after each one the invariants of checkMM for every MM (VMAs
// sorted, aligned, non-overlapping and within [mmapMin, top); every
// backed page inside a VMA, mirrored exactly in the platform, and never
// writable while fork shares it) and of checkRefs for the family (every
// page's reference count equals the page-table entries and shared-object
// slots referring to it; Allocated counts each such page once). Releasing
// the whole family must free every page.
//
// Each operation is 4 bytes: kind, then three arguments. Addresses fall
// in a 1 MiB window so that operations collide often. Kinds 0-9 act on the
// current MM; 10 forks it, 11 releases it, 12 picks another, 13 maps
// shared memory, 14 is madvise, 15 a fault whose access is known (KVM).
func FuzzMmapSequence(f *testing.F) {
	f.Add([]byte{0, 1, 4, 0x13, 5, 1, 0, 0, 1, 2, 1, 0})
	f.Add([]byte{4, 8, 0, 0, 0, 9, 2, 0x13, 3, 9, 6, 1, 5, 20, 0, 0})
	// Touch, fork, write on both sides, release the child.
	f.Add([]byte{0, 1, 4, 0x0b, 6, 1, 0, 0x40, 10, 0, 0, 0, 5, 1, 0, 1, 12, 1, 0, 0, 5, 1, 0, 1, 11, 0, 0, 0})
	// Shared anonymous memory across fork, then munmap and mremap.
	f.Add([]byte{13, 2, 3, 0x0b, 6, 2, 0, 0x40, 10, 0, 0, 0, 1, 2, 1, 0, 12, 1, 0, 0, 3, 2, 3, 0x3a, 6, 2, 0, 0x40})
	// WIPEONFORK and DONTFORK, then fork and touch.
	f.Add([]byte{0, 4, 4, 0x0b, 6, 4, 0, 0xff, 14, 4, 1, 4, 14, 6, 0, 2, 10, 0, 0, 0, 12, 1, 0, 0, 9, 4, 0, 0xff, 6, 4, 0, 0x20})
	// Known read then write faults on a CoW page; mprotect across fork.
	f.Add([]byte{0, 1, 1, 0x0b, 5, 1, 0, 0, 10, 0, 0, 0, 15, 1, 0, 0, 2, 1, 1, 1, 2, 1, 1, 3, 15, 1, 0, 5, 12, 0, 0, 0, 6, 1, 0, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		root := newEnv(t, 64*pg)
		file := &fakeFile{data: make([]byte, 6*pg+100)}
		for i := range file.data {
			file.data[i] = byte(i / pg)
		}
		const window = uintptr(0x1000000)
		addr := func(b byte) uintptr { return window + uintptr(b)*pg }
		length := func(b byte) uintptr { return (uintptr(b%16) + 1) * pg }
		perms := func(b byte) platform.Perms {
			return platform.Perms{Read: b&1 != 0, Write: b&2 != 0, Exec: b&4 != 0}
		}
		placement := func(o *MmapOpts, c byte) {
			switch c >> 3 % 4 {
			case 1:
				o.Fixed = true
			case 2:
				o.NoReplace = true
			case 3:
				o.Addr = 0
			}
		}
		root.m.SetBrkBase(addr(200))
		root.m.SetStackLimit(32 * pg)
		family := []*env{root}
		cur := 0
		for len(ops) >= 4 {
			k, a, b, c := ops[0], ops[1], ops[2], ops[3]
			ops = ops[4:]
			e := family[cur]
			switch k % 16 {
			case 0:
				o := MmapOpts{Addr: addr(a), Length: length(b), Perms: perms(c)}
				placement(&o, c)
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
			case 10:
				if len(family) < 4 {
					as := newFakeAS()
					if child, err := e.m.Fork(as); err == nil {
						t.Cleanup(child.Release)
						family = append(family, &env{t, root.mf, as, child})
					}
				}
			case 11:
				if len(family) > 1 {
					e.m.Release()
					family = append(family[:cur], family[cur+1:]...)
					cur = 0
				}
			case 12:
				cur = int(a) % len(family)
			case 13:
				o := MmapOpts{Addr: addr(a), Length: length(b), Perms: perms(c), Shared: true}
				if c&0x20 != 0 {
					o.File, o.Offset = file, uint64(c>>6)*pg
				}
				placement(&o, c)
				e.m.Mmap(o)
			case 14:
				e.m.Madvise(addr(a), length(b), Advice(c%6))
			case 15:
				e.m.HandleFault(platform.Event{Kind: platform.EventFault, Addr: addr(a) + uintptr(b),
					AccessKnown: true, Write: c&1 != 0, Fetch: c&2 != 0, Present: c&4 != 0})
			}
			mms := make([]*MM, len(family))
			for i, m := range family {
				if err := checkMM(m.m, m.as); err != nil {
					t.Fatalf("after op %d (%d %d %d), MM %d: %v", k%16, a, b, c, i, err)
				}
				mms[i] = m.m
			}
			if err := checkRefs(root.mf, mms...); err != nil {
				t.Fatalf("after op %d (%d %d %d): %v", k%16, a, b, c, err)
			}
		}
		for _, e := range family {
			e.m.Release()
		}
		if got := root.mf.Allocated(); got != 0 {
			t.Fatalf("Allocated = %d after releasing every MM, want 0", got)
		}
	})
}
