package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Msync checks [addr, addr+length) as msync(2) does: kerr.EINVAL for an
// unaligned addr, kerr.ENOMEM for a length that wraps or a range with
// unmapped pages in it; a zero length succeeds. Nothing needs writing
// back: a cached file's mappings share the file's only copy of its data
// (pagecache.go), so MS_SYNC and MS_ASYNC have nothing left to do, and
// MS_INVALIDATE has nothing to discard. (The other mappings, of read-only
// host files, are never written.) The flags are the caller's to check.
func (m *MM) Msync(addr, length uintptr) error {
	if addr&arch.PageMask != 0 {
		return kerr.EINVAL
	}
	length, ok := arch.PageRoundUp(length)
	if !ok || addr+length < addr {
		return kerr.ENOMEM
	}
	if length == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.vmas.covered(addr, addr+length) {
		return kerr.ENOMEM
	}
	return nil
}
