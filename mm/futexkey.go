package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// SharedKey identifies the 4-byte word at addr for a futex that other
// processes may use too (futex(2) without FUTEX_PRIVATE_FLAG). When addr
// lies in a MAP_SHARED mapping, key names the word by the memory-file page
// that backs it (plus the offset in the page), which is the same page in
// every process mapping the shared object, so ok is true. For private
// memory ok is false: the word is only reachable through this MM, and the
// caller keys it by (MM, addr) as Linux does.
//
// The page is faulted in for reading, as Linux's get_futex_key does, so an
// unmapped or PROT_NONE address is kerr.EFAULT, and so is read-only
// private anonymous memory.
//
// A shared object keeps its pages for as long as any mapping of it lives,
// so the key is stable while the word can be reached; a waiter still
// queued after every mapping went may, at worst, see one spurious wake when
// the page is reused, which futex(2) callers must tolerate anyway.
func (m *MM) SharedKey(addr uintptr) (key uint64, ok bool, err error) {
	if addr%4 != 0 {
		return 0, false, kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if addr >= m.top {
		return 0, false, kerr.EFAULT
	}
	hint := -1
	off, err := m.pageFor(arch.PageRoundDown(addr), accessRead, &hint)
	if err != nil {
		return 0, false, err
	}
	v := &m.vmas[hint]
	if !v.shared {
		if v.file == nil && !v.perms.Write {
			// A read-only private anonymous page can never change,
			// so Linux refuses it as a shared futex (get_futex_key).
			return 0, false, kerr.EFAULT
		}
		return 0, false, nil
	}
	return off + uint64(addr&arch.PageMask), true, nil
}

// InUserRange reports whether addr is below the top of the address space
// (Linux's access_ok), for futex operations that do not touch memory.
func (m *MM) InUserRange(addr uintptr) bool { return addr < m.top }
