package kvm

import (
	"fmt"

	"github.com/runos-project/runos/kernel/arch"
)

// initCPUID reads the CPUID that KVM can show a guest and filters it: the
// guest's page tables are 4-level, so LA57 (5-level paging, leaf 7 ECX
// bit 16) must not be advertised whatever the host says. It also picks
// the XCR0 the vCPUs run with: every state component the host's XSAVE
// image holds that KVM supports.
func (p *Platform) initCPUID() error {
	c := new(kvmCPUID2)
	c.Nent = maxCPUIDEntries
	if e := getSupportedCPUID(int(p.kvm.Fd()), c); e != 0 {
		return fmt.Errorf("%w: KVM_GET_SUPPORTED_CPUID: %v", ErrUnavailable, e)
	}
	for i := range c.Entries[:c.Nent] {
		e := &c.Entries[i]
		switch {
		case e.Function == 7 && e.Index == 0:
			e.Ecx &^= 1 << 16 // LA57
		case e.Function == 0xd && e.Index == 0:
			p.xcr0 = uint64(e.Eax) | uint64(e.Edx)<<32
		}
	}
	// User state components only (x87, SSE, AVX, AVX-512, PKRU), and
	// only those the host CPU has, so the image fits arch.FPState.
	eax, _, _, edx := arch.CPUID(0xd, 0)
	p.xcr0 &= (uint64(eax) | uint64(edx)<<32) & 0x2e7
	if p.xcr0&3 != 3 {
		return fmt.Errorf("%w: KVM offers no XSAVE with x87 and SSE", ErrUnavailable)
	}
	p.cpuid = c
	return nil
}
