package mm

import (
	"github.com/runos-project/runos/kernel/arch"
)

// Fault-around. A program's text and data are private file mappings
// filled page by page on first touch, and a dynamically linked /bin/true
// touches about 140 pages that way. On ptrace every fault is a round trip
// to the stub and back, tens of microseconds, where the file read and the
// page copy cost one or two. So a fault on such a mapping also fills the
// unbacked pages around it, within an aligned window of faultAroundPages
// in the same VMA (Linux's fault_around_bytes, 64 KiB, does the same for
// the page cache), and maps them in as few Map calls as their memory-file
// offsets allow: fresh pages taken in address order are usually
// contiguous in the file, so that is most often one call.
//
// Only private file pages are filled ahead: each is a fresh page of its
// own (one reference), mapped with the VMA's permissions exactly as the
// fault on it would have mapped it, so no page that must stay copy-on-write
// is ever mapped writable. Anonymous memory is not (it would only cost
// zeroed pages the program may never touch), nor shared and page-cache
// mappings, whose pages belong to their object or cache.

// faultAroundPages is the size of the window, in pages.
const faultAroundPages = 16

// faultAroundCachePages is the window for a mapping of a cached file,
// whose pages belong to the cache, shared by every process that maps the
// file, not copies of the process's own; and on ptrace a page fault costs
// two round trips to the stub on ptrace however many pages it maps (the
// Maps of one fault are one batch there). A static program's text, 480
// KiB, then takes 2 or 3 faults instead of 8; the program exec'd by
// bench's fork_exec took 20 faults, now 14 (context switches per
// fork+exec+wait on ptrace: 205 -> 177).
const faultAroundCachePages = 64

// faultAround fills and maps the unbacked pages of v around va (just
// populated) within the aligned window. It is best effort: a page that
// cannot be had (out of memory, beyond end of file, a failing read) is left
// to fault on its own, and a failing Map drops its pages again.
func (m *MM) faultAround(v *vma, va uintptr) {
	if v.cache != nil {
		// faultAroundCache (pagecache_around.go) fills one window of
		// faultAroundPages: call it for each of those in the larger
		// aligned window.
		const big, window = faultAroundCachePages * arch.PageSize, faultAroundPages * arch.PageSize
		start := max(v.start, va&^(big-1))
		end := min(v.end, (va&^(big-1))+big)
		for w := start &^ (window - 1); w < end; w += window {
			m.faultAroundCache(v, w)
		}
		return
	}
	if v.file == nil || v.obj != nil || v.shared {
		return
	}
	const window = faultAroundPages * arch.PageSize
	start := max(v.start, va&^(window-1))
	end := min(v.end, (va&^(window-1))+window)
	var refs []pageRef
	for p := start; p < end; p += arch.PageSize {
		if _, backed := m.pt.pages[p]; backed {
			continue
		}
		off, err := m.mf.allocPage()
		if err != nil {
			break
		}
		if code := fillFromFile(m.mf.page(off), v.file, v.fileOffset(p)); code != faultNone {
			// Beyond end of file: the fault there must raise SIGBUS.
			m.mf.putPages([]uint64{off})
			continue
		}
		refs = append(refs, pageRef{va: p, pte: pte{off: off, mapped: v.perms}})
	}
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].va == refs[j-1].va+arch.PageSize && refs[j].off == refs[j-1].off+arch.PageSize {
			j++
		}
		run := refs[i:j]
		if err := m.as.Map(run[0].va, uintptr(len(run))*arch.PageSize, run[0].off, v.perms); err != nil {
			offs := make([]uint64, len(run))
			for k, r := range run {
				offs[k] = r.off
			}
			m.mf.putPages(offs)
		} else {
			for _, r := range run {
				m.pt.pages[r.va] = r.pte
			}
		}
		i = j
	}
}
