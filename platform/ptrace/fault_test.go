package ptrace

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// TestFaultRegistersStubThread: after a fault, the host thread that runs
// the guest traces a stub thread of the address space, so that the
// kernel's Map for the fault takes the fast path (no hand-off).
func TestFaultRegistersStubThread(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.Asm(platformtest.InsStoreRax, platformtest.InsSyscall))
	g.St.Regs.Rdi, g.St.Regs.Rax = unmappedAddr+0x20, 0xfeedface
	g.SwitchTo(t, platform.EventFault)
	if g.as.threads[unix.Gettid()] == nil {
		t.Fatalf("no stub thread registered for this host thread")
	}
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, platform.Perms{Read: true, Write: true}); err != nil {
		t.Fatalf("Map: %v", err)
	}
	g.SwitchTo(t, platform.EventSyscall)
	if got := g.ReadMem(t, 3*pageSize+0x20); got != 0xfeedface {
		t.Errorf("memory file after the guest's store: %#x, want 0xfeedface", got)
	}
}
