package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// Mprotect changes the permissions of [addr, addr+length) as mprotect(2)
// does: every page must be mapped (kerr.ENOMEM otherwise, and then nothing
// changes), VMAs are split at the ends, and pages already backed are
// re-mapped in the platform with the new permissions (without Write while
// fork shares them copy-on-write). Write on a MAP_SHARED mapping of a file
// not open for writing is kerr.EACCES, as mprotect(2) says.
func (m *MM) Mprotect(addr, length uintptr, p platform.Perms) error {
	if addr&arch.PageMask != 0 {
		return kerr.EINVAL
	}
	length, ok := arch.PageRoundUp(length)
	if !ok {
		return kerr.ENOMEM
	}
	if length == 0 {
		return nil
	}
	end := addr + length
	if end < addr || end > m.top {
		return kerr.ENOMEM
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.vmas.covered(addr, end) {
		return kerr.ENOMEM
	}
	if p.Write {
		for i := m.vmas.after(addr); i < len(m.vmas) && m.vmas[i].start < end; i++ {
			if m.vmas[i].noWrite {
				return kerr.EACCES
			}
		}
	}
	lo, hi := m.vmas.span(addr, end)
	for i := lo; i < hi; i++ {
		m.vmas[i].perms = p
	}
	refs := m.pt.inRange(addr, end)
	vi := lo
	for i := range refs {
		for m.vmas[vi].end <= refs[i].va {
			vi++
		}
		// A page fork shared stays read-only until written.
		refs[i].mapped = m.mappedPerms(&m.vmas[vi], refs[i].off)
		m.pt.pages[refs[i].va] = refs[i].pte
	}
	err := mapRuns(m.as, refs)
	for i := hi; i >= lo-1; i-- {
		m.vmas.mergeNext(i)
	}
	return err
}
