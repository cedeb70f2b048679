package arch

import "sync"

var xsaveSize = sync.OnceValue(func() int {
	// CPUID.(EAX=0DH, ECX=0):EBX is the size of the XSAVE area for the
	// features enabled in XCR0; fall back to the legacy FXSAVE size.
	_, ebx, _, _ := cpuid(0xd, 0)
	if ebx < 512+64 {
		return 512 + 64
	}
	return int(ebx)
})

// XSaveSize is the size in bytes of the XSAVE image on this CPU for the
// features the host enabled.
func XSaveSize() int { return xsaveSize() }
