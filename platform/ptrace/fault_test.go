package ptrace

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

func TestPageFaults(t *testing.T) {
	for _, tc := range []struct {
		name        string
		code        []byte
		addr        uint64
		wantPresent bool
	}{
		{"write to unmapped page", insStoreRax, unmappedAddr + 0x10, false},
		{"read of unmapped page", insLoadRax, unmappedAddr + 0x18, false},
		{"write to read-only page", insStoreRax, roAddr + 8, true},
		{"write to the stub's page", insStoreRax, stubCodeAddr, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runtime.LockOSThread()
			g := newGuest(t, DefaultOptions(), tc.code)
			g.st.Regs.Rdi = tc.addr
			ev := g.switchTo(t, platform.EventFault)
			if ev.Vector != platform.VectorPageFault || ev.Addr != uintptr(tc.addr) ||
				ev.Present != tc.wantPresent || ev.AccessKnown {
				t.Errorf("event %+v, want #PF at %#x present=%v, access unknown", ev, tc.addr, tc.wantPresent)
			}
			if g.st.Regs.Rip != codeAddr {
				t.Errorf("rip %#x, want the faulting instruction %#x", g.st.Regs.Rip, codeAddr)
			}
		})
	}
}

// TestFaultMapRetry is the demand-paging cycle: fault, Map, run the
// faulting instruction again; and Unmap makes it fault again.
func TestFaultMapRetry(t *testing.T) {
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), asm(insStoreRax, insSyscall))
	g.st.Regs.Rdi, g.st.Regs.Rax = unmappedAddr+0x20, 0xfeedface
	start := g.st.Regs

	g.switchTo(t, platform.EventFault)
	// This thread traces a stub thread now: Map takes the fast path.
	if g.as.threads[unix.Gettid()] == nil {
		t.Fatalf("no stub thread registered for this host thread")
	}
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.switchTo(t, platform.EventSyscall)
	if got := g.readMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("memory file after the guest's store: %#x, want 0xfeedface", got)
	}

	if err := g.as.Unmap(unmappedAddr, pageSize); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	g.st.Regs = start
	ev := g.switchTo(t, platform.EventFault)
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
			runtime.LockOSThread()
			g := newGuest(t, DefaultOptions(), tc.code)
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
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), insSyscall)
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
		{"over the stub", stubCodeAddr - pageSize, 2 * pageSize, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.as.Map(tc.addr, tc.length, tc.off, rw); err == nil {
				t.Errorf("Map(%#x, %#x, %#x) succeeded", tc.addr, tc.length, tc.off)
			}
		})
	}
	if got := g.p.MaxUserAddress(); got != stubCodeAddr {
		t.Errorf("MaxUserAddress = %#x, want %#x", got, stubCodeAddr)
	}
	// The page right below the reserved top is the guest's.
	if err := g.as.Map(stubCodeAddr-pageSize, pageSize, 0, rw); err != nil {
		t.Errorf("Map of the last guest page: %v", err)
	}
}
