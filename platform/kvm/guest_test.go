package kvm

import (
	"errors"
	"os"
	"testing"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// spec describes the kvm platform to the shared suite: New skips the test
// where KVM cannot run here.
var spec = platformtest.Spec{
	New: func(tb testing.TB, memFD int) platform.Platform {
		tb.Helper()
		if _, err := os.Stat("/dev/kvm"); err != nil {
			tb.Skipf("kvm platform: /dev/kvm: %v", err)
		}
		p, err := New(memFD)
		if errors.Is(err, ErrUnavailable) {
			tb.Skipf("kvm platform: /dev/kvm: %v", err)
		}
		if err != nil {
			tb.Fatalf("New: %v", err)
		}
		return p
	},
	MaxUserAddress: maxUserAddress,
	AccessKnown:    true,
	PageFaults: []platformtest.PageFault{
		// The trampoline is mapped in every address space, for the
		// guest's ring 0 only.
		{Name: "read of the trampoline", Code: platformtest.InsLoadRax, Addr: codeVA + 8, Present: true},
	},
}

// newGuest builds a guest of the shared suite on the kvm platform.
func newGuest(tb testing.TB, code []byte) *platformtest.Guest {
	tb.Helper()
	return platformtest.NewGuest(tb, spec, code)
}

// TestConformance runs the behaviour every platform must show.
func TestConformance(t *testing.T) {
	if maxUserAddress > kernelBase {
		t.Errorf("maxUserAddress %#x is above kernelBase %#x", uint64(maxUserAddress), uint64(kernelBase))
	}
	platformtest.Run(t, spec)
}

// TestRdfsbase: the vCPU enables FSGSBASE (CR4), so the guest's rdfsbase
// reads the fs base the kernel set, as on the host.
func TestRdfsbase(t *testing.T) {
	insRdfsbase := []byte{0xf3, 0x48, 0x0f, 0xae, 0xc7} // rdfsbase rdi
	g := newGuest(t, platformtest.Asm(insRdfsbase, platformtest.InsSyscall))
	g.St.Regs.FsBase = 0x12345000
	g.SwitchTo(t, platform.EventSyscall)
	if g.St.Regs.Rdi != 0x12345000 {
		t.Errorf("rdfsbase = %#x, want 0x12345000", g.St.Regs.Rdi)
	}
}
