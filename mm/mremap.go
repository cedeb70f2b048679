package mm

import (
	"slices"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Mremap resizes and perhaps moves a mapping as mremap(2) does, with
// mayMove for MREMAP_MAYMOVE and fixed/newAddr for MREMAP_FIXED. A move
// carries the backed pages along (their page-table entries move; no byte
// of memory is copied).
func (m *MM) Mremap(oldAddr, oldLen, newLen uintptr, mayMove, fixed bool, newAddr uintptr) (uintptr, error) {
	if oldAddr&arch.PageMask != 0 {
		return 0, kerr.EINVAL
	}
	if fixed && !mayMove {
		return 0, kerr.EINVAL
	}
	oldLen, ok1 := arch.PageRoundUp(oldLen)
	newLen, ok2 := arch.PageRoundUp(newLen)
	if !ok1 || !ok2 || newLen == 0 || oldAddr+oldLen < oldAddr {
		return 0, kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()

	oldEnd := oldAddr + oldLen
	if fixed {
		if newAddr&arch.PageMask != 0 || newLen > m.top || newAddr > m.top-newLen {
			return 0, kerr.EINVAL
		}
		if newAddr < oldEnd && oldAddr < newAddr+newLen {
			return 0, kerr.EINVAL // the ranges may not overlap
		}
		if newAddr < mmapMin {
			return 0, kerr.EPERM
		}
		i, err := m.resizable(oldAddr, oldLen)
		if err != nil {
			return 0, err
		}
		if oldLen == 0 {
			return m.duplicate(i, oldAddr, newAddr, newLen)
		}
		if err := m.unmapRange(newAddr, newAddr+newLen); err != nil {
			return 0, err
		}
		if oldLen > newLen {
			if err := m.unmapRange(oldAddr+newLen, oldEnd); err != nil {
				return 0, err
			}
			oldLen = newLen
		}
		return newAddr, m.move(oldAddr, oldLen, newAddr, newLen)
	}

	if oldLen != 0 && newLen <= oldLen {
		// "Always allow a shrinking remap": only the start must be mapped.
		if _, ok := m.vmas.find(oldAddr); !ok {
			return 0, kerr.EFAULT
		}
		return oldAddr, m.unmapRange(oldAddr+newLen, oldEnd)
	}
	i, err := m.resizable(oldAddr, oldLen)
	if err != nil {
		return 0, err
	}
	if oldLen == 0 {
		if !mayMove {
			return 0, kerr.ENOMEM
		}
		to, err := m.unmappedArea(0, newLen)
		if err != nil {
			return 0, err
		}
		return m.duplicate(i, oldAddr, to, newLen)
	}
	// Grow in place if the old range ends its VMA and the room above is
	// free.
	v := &m.vmas[i]
	newEnd := oldAddr + newLen
	if oldEnd == v.end && newEnd > oldAddr && newEnd <= m.top && !m.vmas.overlaps(oldEnd, newEnd) {
		v.end = newEnd
		m.vmas.mergeNext(i)
		return oldAddr, nil
	}
	if !mayMove {
		return 0, kerr.ENOMEM
	}
	to, err := m.unmappedArea(0, newLen)
	if err != nil {
		return 0, err
	}
	return to, m.move(oldAddr, oldLen, to, newLen)
}

// resizable returns the VMA holding the whole old range, as Linux's
// vma_to_resize: EFAULT if the range is not inside one VMA, EINVAL for a
// private mapping with oldLen 0 (there would be nothing to share).
func (m *MM) resizable(addr, length uintptr) (int, error) {
	i, ok := m.vmas.find(addr)
	if !ok || length > m.vmas[i].end-addr {
		return 0, kerr.EFAULT
	}
	if length == 0 && !m.vmas[i].shared {
		return 0, kerr.EINVAL
	}
	return i, nil
}

// duplicate makes a second mapping of the shared VMA i at to, which
// mremap(2) does for an old size of zero: both map the same shared
// object, so they see each other's writes.
func (m *MM) duplicate(i int, from, to, length uintptr) (uintptr, error) {
	nv := m.vmas[i]
	nv.offset = nv.fileOffset(from)
	nv.start, nv.end = to, to+length
	// Take the reference first: the destination may overlap the source.
	nv.hold()
	if err := m.unmapRange(to, to+length); err != nil {
		nv.release(m.mf)
		return 0, err
	}
	m.vmas.insert(nv)
	return to, nil
}

// move re-homes [from, from+oldLen), which lies inside one VMA, at
// [to, to+newLen) (newLen >= oldLen, destination free), moving the backed
// pages' entries and their platform mappings.
func (m *MM) move(from, oldLen, to, newLen uintptr) error {
	i, _ := m.vmas.find(from)
	nv := m.vmas[i]
	nv.offset = nv.fileOffset(from)
	nv.start, nv.end = to, to+newLen
	nv.hold()

	refs := slices.Clone(m.pt.inRange(from, from+oldLen))
	for _, r := range refs {
		delete(m.pt.pages, r.va)
	}
	lo, hi := m.vmas.span(from, from+oldLen)
	m.vmas.remove(lo, hi, m.mf)
	j := m.vmas.insert(nv)
	m.vmas.mergeNext(j)
	m.vmas.mergeNext(j - 1)

	if len(refs) == 0 {
		return nil
	}
	if err := m.as.Unmap(from, oldLen); err != nil {
		return err
	}
	for k := range refs {
		refs[k].va = to + (refs[k].va - from)
		m.pt.pages[refs[k].va] = refs[k].pte
	}
	return mapRuns(m.as, refs)
}
