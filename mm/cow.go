package mm

import (
	"fmt"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// Copy-on-write. fork makes parent and child page-table entries refer to
// the same memory-file page and maps it read-only on both sides; the page's
// reference count says how many entries share it. A private page with
// more than one reference must never be written in place: the first write,
// by the guest (a fault) or by the kernel (CopyOut), gives the writer its
// own copy. A page whose sharers have all gone (count back to 1) is simply
// made writable again.
//
// Only private pages are copied on write. The pages of a MAP_SHARED
// mapping belong to its shared object (shared.go) or its file's page
// cache (pagecache.go) and are written in place by everyone who maps
// them. A private mapping of a cached file maps the cache's page itself
// until its first write: the cache's own reference makes the count at
// least 2, so the write copies, and until then the mapping sees later
// changes to the file, as on Linux.
//
// A count of 1 is stable under the MM's lock: only the holders of a page
// can add references to it (by forking), so a page seen unshared stays
// unshared; a count above 1 may drop at any time as sharers break away or
// exit, which costs at most one needless copy.

// cowShared reports whether the page at memory-file offset off, mapped in
// VMA v, is a private page that fork shared and must be copied on write.
func (m *MM) cowShared(v *vma, off uint64) bool {
	return !v.shared && m.mf.refCount(off) > 1
}

// mappedPerms is how page off of v may be mapped in the platform: with
// the VMA's permissions, less Write while it is shared copy-on-write.
func (m *MM) mappedPerms(v *vma, off uint64) platform.Perms {
	p := v.perms
	if p.Write && m.cowShared(v, off) {
		p.Write = false
	}
	return p
}

// breakCoW gives page va of the private, writable VMA v a page of its own
// and maps it writable: a fresh copy if the page is still shared, the same
// page if this entry is its last reference.
func (m *MM) breakCoW(v *vma, va uintptr, p pte) (pte, error) {
	old := p.off
	if m.mf.refCount(old) > 1 {
		off, err := m.mf.allocPage()
		if err != nil {
			return pte{}, err
		}
		copy(m.mf.page(off), m.mf.page(old))
		p.off = off
	}
	p.mapped = v.perms
	if err := m.as.Map(va, arch.PageSize, p.off, p.mapped); err != nil {
		if p.off != old {
			m.mf.putPages([]uint64{p.off})
		}
		return pte{}, fmt.Errorf("mm: mapping copy-on-write page %#x: %w", va, err)
	}
	m.pt.pages[va] = p
	if p.off != old {
		m.mf.putPages([]uint64{old})
	}
	return p, nil
}
