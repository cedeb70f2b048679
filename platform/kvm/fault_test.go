package kvm

import (
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

func TestPageFaults(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		code                  []byte
		addr                  uint64
		present, write, fetch bool
	}{
		{"write to unmapped page", insStoreRax, unmappedAddr + 0x10, false, true, false},
		{"read of unmapped page", insLoadRax, unmappedAddr + 0x18, false, false, false},
		{"write to read-only page", insStoreRax, roAddr + 8, true, true, false},
		{"read of the trampoline", insLoadRax, codeVA + 8, true, false, false},
		{"jump to a data page", insCallRdi, dataAddr, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lock(t)
			g := newGuest(t, tc.code)
			g.st.Regs.Rdi = tc.addr
			ev := g.switchTo(t, platform.EventFault)
			if ev.Vector != platform.VectorPageFault || ev.Addr != uintptr(tc.addr) || !ev.AccessKnown ||
				ev.Present != tc.present || ev.Write != tc.write || ev.Fetch != tc.fetch {
				t.Errorf("event %+v, want #PF at %#x present=%v write=%v fetch=%v", ev, tc.addr, tc.present, tc.write, tc.fetch)
			}
			wantRip := uint64(codeAddr)
			if tc.fetch {
				wantRip = tc.addr
			}
			if g.st.Regs.Rip != wantRip {
				t.Errorf("rip %#x, want the faulting instruction %#x", g.st.Regs.Rip, wantRip)
			}
		})
	}
}

// TestFaultMapRetry is the demand-paging cycle: fault, Map, run the
// faulting instruction again; Map over a present page changes what the
// guest sees; and Unmap makes it fault again.
func TestFaultMapRetry(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(insStoreRax, insLoadRax, insSyscall))
	g.st.Regs.Rdi, g.st.Regs.Rax = unmappedAddr+0x20, 0xfeedface
	start := g.st.Regs
	rw := platform.Perms{Read: true, Write: true}

	g.switchTo(t, platform.EventFault)
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, rw); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.switchTo(t, platform.EventSyscall)
	if got := g.readMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("memory file after the guest's store: %#x, want 0xfeedface", got)
	}

	// Another page at the same address (as after copy-on-write): the
	// guest must see it at once.
	if err := g.as.Map(unmappedAddr, pageSize, 4*pageSize, rw); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.st.Regs = start
	g.st.Regs.Rax = 0xbeef
	g.switchTo(t, platform.EventSyscall)
	if got := g.readMem(t, 4*pageSize+0x20); got != 0xbeef {
		t.Errorf("new page after the remap: %#x, want 0xbeef", got)
	}
	if got := g.readMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("old page after the remap: %#x, want it untouched 0xfeedface", got)
	}

	// Read-only now: the store faults, as present.
	if err := g.as.Map(unmappedAddr, pageSize, 4*pageSize, platform.Perms{Read: true}); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.st.Regs = start
	ev := g.switchTo(t, platform.EventFault)
	if ev.Addr != unmappedAddr+0x20 || !ev.Present || !ev.Write {
		t.Errorf("after mprotect: %+v, want a present write fault at %#x", ev, unmappedAddr+0x20)
	}

	if err := g.as.Unmap(unmappedAddr, pageSize); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	g.st.Regs = start
	ev = g.switchTo(t, platform.EventFault)
	if ev.Addr != unmappedAddr+0x20 || ev.Present {
		t.Errorf("after Unmap: %+v, want a not-present fault at %#x", ev, unmappedAddr+0x20)
	}
}

func TestExceptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    []byte
		eflags  uint64
		vector  int
		wantRip uint64
	}{
		{"ud2", insUD2, 0, platform.VectorInvalidOp, codeAddr},
		{"int3", insInt3, 0, platform.VectorBreakpoint, codeAddr + 1},
		{"hlt", insHlt, 0, platform.VectorGeneralProt, codeAddr},
		{"divide by zero", insDivByZero, 0, platform.VectorDivideError, codeAddr + 2},
		{"single step", asm(insNop, insNop), arch.InitialEflags | 0x100, platform.VectorDebug, codeAddr + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lock(t)
			g := newGuest(t, tc.code)
			if tc.eflags != 0 {
				g.st.Regs.Eflags = tc.eflags
			}
			ev := g.switchTo(t, platform.EventFault)
			if ev.Vector != tc.vector || g.st.Regs.Rip != tc.wantRip {
				t.Errorf("event %+v rip %#x, want vector %d rip %#x", ev, g.st.Regs.Rip, tc.vector, tc.wantRip)
			}
		})
	}
}

func TestMapRejectsBadRanges(t *testing.T) {
	lock(t)
	g := newGuest(t, insSyscall)
	rw := platform.Perms{Read: true, Write: true}
	for _, tc := range []struct {
		name         string
		addr, length uintptr
		off          uint64
	}{
		{"unaligned address", unmappedAddr + 1, pageSize, 0},
		{"unaligned length", unmappedAddr, 100, 0},
		{"unaligned offset", unmappedAddr, pageSize, 12},
		{"empty", unmappedAddr, 0, 0},
		{"over the top", maxUserAddress - pageSize, 2 * pageSize, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.as.Map(tc.addr, tc.length, tc.off, rw); err == nil {
				t.Errorf("Map(%#x, %#x, %#x) succeeded", tc.addr, tc.length, tc.off)
			}
		})
	}
	if got := g.p.MaxUserAddress(); got != maxUserAddress || got > kernelBase {
		t.Errorf("MaxUserAddress = %#x, want %#x", got, maxUserAddress)
	}
	if err := g.as.Map(maxUserAddress-pageSize, pageSize, 0, rw); err != nil {
		t.Errorf("Map of the last guest page: %v", err)
	}
}
