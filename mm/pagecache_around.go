package mm

import "github.com/runos-project/runos/kernel/arch"

// faultAroundCache is faultAround (faultaround.go) for a mapping of a
// cached file: a fault also maps the cache's pages around it within the
// aligned window, as Linux's filemap_map_pages maps the page cache's
// pages around a file fault. Each is mapped exactly as populate would map
// it (read-only in a private VMA, so copy-on-write still happens). A
// backed cache (a host file: every process's libc) fills the pages it
// lacks from the file, so the first process to run a library reads it
// in a few round trips and the others find it cached; a memory file
// system's cache only maps the pages that hold data, never giving a hole
// a page of its own ahead of need.
func (m *MM) faultAroundCache(v *vma, va uintptr) {
	const window = faultAroundPages * arch.PageSize
	start := max(v.start, va&^(window-1))
	end := min(v.end, (va&^(window-1))+window)
	mapped := v.perms
	if !v.shared {
		mapped.Write = false
	}
	var refs []pageRef
	for p := start; p < end; p += arch.PageSize {
		if _, backed := m.pt.pages[p]; backed {
			continue
		}
		fileOff := v.fileOffset(p)
		if v.cache.backing == nil && !v.cache.resident(fileOff) {
			continue
		}
		off, code, err := v.cache.page(fileOff)
		if err != nil {
			break
		}
		if code != faultNone {
			continue // beyond end of file: the fault there raises SIGBUS
		}
		refs = append(refs, pageRef{va: p, pte: pte{off: off, mapped: mapped}})
	}
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].va == refs[j-1].va+arch.PageSize && refs[j].off == refs[j-1].off+arch.PageSize {
			j++
		}
		run := refs[i:j]
		if err := m.as.Map(run[0].va, uintptr(len(run))*arch.PageSize, run[0].off, mapped); err != nil {
			offs := make([]uint64, len(run))
			for k, r := range run {
				offs[k] = r.off
			}
			m.mf.putPages(offs) // the entries' references; the cache keeps its own
		} else {
			for _, r := range run {
				m.pt.pages[r.va] = r.pte
			}
		}
		i = j
	}
}
