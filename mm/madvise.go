package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// MadviseDontNeed drops the backed pages of [addr, addr+length) as
// madvise(MADV_DONTNEED) does: private anonymous memory reads as zero
// afterwards, private file memory is read again from the file. Parts of
// the range that are not mapped make it fail with kerr.ENOMEM, after the
// mapped parts have been dropped (as Linux does).
func (m *MM) MadviseDontNeed(addr, length uintptr) error {
	if addr&arch.PageMask != 0 {
		return kerr.EINVAL
	}
	rounded, ok := arch.PageRoundUp(length)
	if !ok || (length != 0 && rounded == 0) {
		return kerr.EINVAL
	}
	if rounded == 0 {
		return nil
	}
	end := addr + rounded
	if end < addr {
		return kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	covered := m.vmas.covered(addr, end)
	// There is no mlock yet, so no VMA is locked (that would be EINVAL).
	if err := m.dropPages(addr, end); err != nil {
		return err
	}
	if !covered {
		return kerr.ENOMEM
	}
	return nil
}
