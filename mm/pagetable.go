package mm

import (
	"slices"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// pte is one backed virtual page.
type pte struct {
	off uint64 // offset of the page in the memory file
	// mapped is the permissions the page has in the platform right now.
	// Usually the VMA's, but kept apart on purpose: copy-on-write maps a
	// private page that fork shared without Write, and a fault on it then
	// means "copy the page", not "kill the program" (see cow.go).
	mapped platform.Perms
}

// pageRef names a backed page: its virtual address and entry.
type pageRef struct {
	va uintptr
	pte
}

// pageTable maps virtual page addresses to the pages that back them.
//
// A hash map: lookups on the fault and copy paths are O(1), and a range
// operation costs O(min(pages in range, pages backed)) by walking
// whichever is smaller (see inRange), so unmapping a huge, mostly
// untouched reservation stays cheap.
type pageTable struct {
	pages   map[uintptr]pte
	scratch []pageRef // reused result of inRange
}

func newPageTable() pageTable { return pageTable{pages: make(map[uintptr]pte)} }

// inRange returns the backed pages of [start, end), sorted by address. The
// result is only valid until the next call.
func (pt *pageTable) inRange(start, end uintptr) []pageRef {
	refs := pt.scratch[:0]
	if n := (end - start) / arch.PageSize; n <= uintptr(len(pt.pages)) {
		for va := start; va < end; va += arch.PageSize {
			if p, ok := pt.pages[va]; ok {
				refs = append(refs, pageRef{va, p})
			}
		}
	} else {
		for va, p := range pt.pages {
			if va >= start && va < end {
				refs = append(refs, pageRef{va, p})
			}
		}
		slices.SortFunc(refs, func(a, b pageRef) int {
			if a.va < b.va {
				return -1
			}
			return 1
		})
	}
	pt.scratch = refs[:0]
	return refs
}

// mapRuns mirrors refs (sorted) into as, one Map call per run of pages
// contiguous in both the address space and the memory file.
func mapRuns(as platform.AddressSpace, refs []pageRef) error {
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].va == refs[j-1].va+arch.PageSize &&
			refs[j].off == refs[j-1].off+arch.PageSize && refs[j].mapped == refs[i].mapped {
			j++
		}
		if err := as.Map(refs[i].va, uintptr(j-i)*arch.PageSize, refs[i].off, refs[i].mapped); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// dropPages forgets the backed pages of [start, end), drops their
// references (freeing the pages no one else maps or holds) and removes
// them from the platform.
func (m *MM) dropPages(start, end uintptr) error {
	refs := m.pt.inRange(start, end)
	if len(refs) == 0 {
		return nil
	}
	offs := make([]uint64, len(refs))
	for i, r := range refs {
		offs[i] = r.off
		delete(m.pt.pages, r.va)
	}
	m.mf.putPages(offs)
	return m.as.Unmap(start, end-start)
}
