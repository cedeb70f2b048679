package platformtest

import (
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

func testPageFaults(t *testing.T, s Spec) {
	cases := []PageFault{
		{Name: "write to unmapped page", Code: InsStoreRax, Addr: UnmappedAddr + 0x10, Write: true},
		{Name: "read of unmapped page", Code: InsLoadRax, Addr: UnmappedAddr + 0x18},
		{Name: "write to read-only page", Code: InsStoreRax, Addr: ROAddr + 8, Present: true, Write: true},
		{Name: "jump to a data page", Code: InsCallRdi, Addr: DataAddr, Present: true, Fetch: true},
	}
	for _, tc := range append(cases, s.PageFaults...) {
		t.Run(tc.Name, func(t *testing.T) {
			g := NewGuest(t, s, tc.Code)
			g.St.Regs.Rdi = tc.Addr
			ev := g.SwitchTo(t, platform.EventFault)
			if ev.Vector != platform.VectorPageFault || ev.Addr != uintptr(tc.Addr) ||
				ev.Present != tc.Present || ev.AccessKnown != s.AccessKnown {
				t.Errorf("event %+v, want #PF at %#x present=%v, access known=%v", ev, tc.Addr, tc.Present, s.AccessKnown)
			}
			if s.AccessKnown && (ev.Write != tc.Write || ev.Fetch != tc.Fetch) {
				t.Errorf("event %+v, want write=%v fetch=%v", ev, tc.Write, tc.Fetch)
			}
			// A fetch faults at its target, anything else at the
			// faulting instruction.
			wantRip := uint64(CodeAddr)
			if tc.Fetch {
				wantRip = tc.Addr
			}
			if g.St.Regs.Rip != wantRip {
				t.Errorf("rip %#x, want the faulting instruction %#x", g.St.Regs.Rip, wantRip)
			}
		})
	}
}

// testFaultMapRetry is the demand-paging cycle: fault, Map, run the
// faulting instruction again; Map over a present page changes what the
// guest sees, Map with fewer permissions (mprotect) makes it fault as
// present; and Unmap makes it fault as not present.
func testFaultMapRetry(t *testing.T, s Spec) {
	g := NewGuest(t, s, Asm(InsStoreRax, InsLoadRax, InsSyscall))
	g.St.Regs.Rdi, g.St.Regs.Rax = UnmappedAddr+0x20, 0xfeedface
	start := g.St.Regs
	rw := platform.Perms{Read: true, Write: true}

	g.SwitchTo(t, platform.EventFault)
	if err := g.AS.Map(UnmappedAddr, pageSize, 3*pageSize, rw); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.SwitchTo(t, platform.EventSyscall)
	if got := g.ReadMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("memory file after the guest's store: %#x, want 0xfeedface", got)
	}

	// Another page at the same address (as after copy-on-write): the
	// guest must see it at once.
	if err := g.AS.Map(UnmappedAddr, pageSize, 4*pageSize, rw); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.St.Regs = start
	g.St.Regs.Rax = 0xbeef
	g.SwitchTo(t, platform.EventSyscall)
	if got := g.ReadMem(t, 4*pageSize+0x20); got != 0xbeef {
		t.Errorf("new page after the remap: %#x, want 0xbeef", got)
	}
	if got := g.ReadMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("old page after the remap: %#x, want it untouched 0xfeedface", got)
	}

	// Read-only now: the store faults, as present.
	if err := g.AS.Map(UnmappedAddr, pageSize, 4*pageSize, platform.Perms{Read: true}); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.St.Regs = start
	ev := g.SwitchTo(t, platform.EventFault)
	if ev.Addr != UnmappedAddr+0x20 || !ev.Present || (s.AccessKnown && !ev.Write) {
		t.Errorf("after mprotect: %+v, want a present write fault at %#x", ev, UnmappedAddr+0x20)
	}

	if err := g.AS.Unmap(UnmappedAddr, pageSize); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	g.St.Regs = start
	ev = g.SwitchTo(t, platform.EventFault)
	if ev.Addr != UnmappedAddr+0x20 || ev.Present {
		t.Errorf("after Unmap: %+v, want a not-present fault at %#x", ev, UnmappedAddr+0x20)
	}
}

func testExceptions(t *testing.T, s Spec) {
	for _, tc := range []struct {
		name    string
		code    []byte
		eflags  uint64
		vector  int
		wantRip uint64
	}{
		{"ud2", InsUD2, 0, platform.VectorInvalidOp, CodeAddr},
		{"int3", InsInt3, 0, platform.VectorBreakpoint, CodeAddr + 1},
		{"hlt", InsHlt, 0, platform.VectorGeneralProt, CodeAddr},
		{"divide by zero", InsDivByZero, 0, platform.VectorDivideError, CodeAddr + 2},
		{"single step", Asm(InsNop, InsNop), arch.InitialEflags | 0x100, platform.VectorDebug, CodeAddr + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGuest(t, s, tc.code)
			if tc.eflags != 0 {
				g.St.Regs.Eflags = tc.eflags
			}
			ev := g.SwitchTo(t, platform.EventFault)
			if ev.Vector != tc.vector || g.St.Regs.Rip != tc.wantRip {
				t.Errorf("event %+v rip %#x, want vector %d rip %#x", ev, g.St.Regs.Rip, tc.vector, tc.wantRip)
			}
		})
	}
}

// testMapRejectsBadRanges: Map refuses what no mm would ask for, and
// ranges reaching past MaxUserAddress, but takes the page just below it.
func testMapRejectsBadRanges(t *testing.T, s Spec) {
	g := NewGuest(t, s, InsSyscall)
	if got := g.Platform.MaxUserAddress(); got != s.MaxUserAddress {
		t.Fatalf("MaxUserAddress = %#x, want %#x", got, s.MaxUserAddress)
	}
	top := s.MaxUserAddress
	rw := platform.Perms{Read: true, Write: true}
	for _, tc := range []struct {
		name         string
		addr, length uintptr
		off          uint64
	}{
		{"unaligned address", UnmappedAddr + 1, pageSize, 0},
		{"unaligned length", UnmappedAddr, 100, 0},
		{"unaligned offset", UnmappedAddr, pageSize, 12},
		{"empty", UnmappedAddr, 0, 0},
		{"over the top", top - pageSize, 2 * pageSize, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.AS.Map(tc.addr, tc.length, tc.off, rw); err == nil {
				t.Errorf("Map(%#x, %#x, %#x) succeeded", tc.addr, tc.length, tc.off)
			}
		})
	}
	if err := g.AS.Map(top-pageSize, pageSize, 0, rw); err != nil {
		t.Errorf("Map of the last guest page: %v", err)
	}
}
