package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Mincore fills vec with one byte per page from addr (page aligned), as
// mincore(2) does: bit 0 set for a resident page. It returns how many
// bytes it filled: all of vec, or those before the first unmapped page,
// with kerr.ENOMEM.
//
// A page is resident when this MM has it backed, or, not backed here,
// when the memory behind the mapping holds it: a shared object's page, or
// a page with data in a cached file (Linux asks the page cache for file
// mappings, so a page another process or write(2) brought in counts).
// A private anonymous page not backed is not resident.
func (m *MM) Mincore(addr uintptr, vec []byte) (int, error) {
	if addr&arch.PageMask != 0 {
		return 0, kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for n := range vec {
		va := addr + uintptr(n)*arch.PageSize
		i, ok := m.vmas.find(va)
		if !ok || va < addr {
			return n, kerr.ENOMEM
		}
		v := &m.vmas[i]
		resident := false
		if _, backed := m.pt.pages[va]; backed {
			resident = true
		} else if v.cache != nil {
			resident = v.cache.resident(v.fileOffset(va))
		} else if v.obj != nil {
			resident = v.obj.has(v.fileOffset(va))
		}
		vec[n] = 0
		if resident {
			vec[n] = 1
		}
	}
	return len(vec), nil
}
