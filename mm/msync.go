package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Msync checks [addr, addr+length) as msync(2) does: kerr.EINVAL for an
// unaligned addr, kerr.ENOMEM for a length that wraps or a range with
// unmapped pages in it; a zero length succeeds. With writeBack
// (MS_SYNC), the shared mappings of host files in the range write their
// pages back to the file (pagecache_backed.go); a failure is kerr.EIO.
// The mappings of a memory file system's file share the file's only copy
// of its data (pagecache.go), and anonymous and private memory belong to
// no file, so they have nothing to write back, and MS_INVALIDATE has
// nothing to discard. The flags are the caller's to check.
func (m *MM) Msync(addr, length uintptr, writeBack bool) error {
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
	var err error
	if writeBack {
		// Linux writes back what is mapped before it finds the hole.
		err = m.writebackRange(addr, addr+length)
	}
	if !m.vmas.covered(addr, addr+length) {
		return kerr.ENOMEM
	}
	return err
}
