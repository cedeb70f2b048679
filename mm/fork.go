package mm

import (
	"fmt"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// Fork creates the address space of a child process as fork(2) does,
// mirrored into as (a fresh platform address space, which the child MM
// owns if Fork succeeds; on failure it stays the caller's to release).
//
// The child gets a copy of every VMA, the brk state and the stack limit,
// except the ranges marked MADV_DONTFORK. No memory is copied: each
// backed private page is shared copy-on-write (one more reference, mapped
// without Write on both sides; see cow.go), each page of a MAP_SHARED
// mapping (its shared object's or its file's page cache's) is shared for
// good, and a MADV_WIPEONFORK range starts with no
// pages, so the child reads zeros there.
//
// Platform calls are batched: one Map per run of pages contiguous both in
// the address space and in the memory file, for the parent's pages that
// lose Write and for the child's pages.
//
// hot are addresses that both sides are about to write: the caller passes
// the stack pointer, since the return from fork(2) writes the stack in
// parent and child alike. A private page there that the parent may write
// is copied for the child at once rather than shared, which spares both a
// copy-on-write fault: on ptrace a fault is two round trips to the stub,
// tens of microseconds, and a page copy well under one.
func (m *MM) Fork(as platform.AddressSpace, hot ...uintptr) (*MM, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return nil, fmt.Errorf("mm: fork of a released address space")
	}
	c := &MM{
		mf:         m.mf,
		as:         as,
		top:        m.top,
		vmas:       make(vmaList, 0, len(m.vmas)),
		pt:         pageTable{pages: make(map[uintptr]pte, len(m.pt.pages))},
		brkStart:   m.brkStart,
		brk:        m.brk,
		stackLimit: m.stackLimit,
	}
	for _, v := range m.vmas {
		if v.dontFork {
			continue
		}
		if v.obj != nil {
			v.obj.get()
		}
		if v.cache != nil {
			v.cache.attach(c) // same memory file: cannot fail
		}
		// madvise(2): the MADV_WIPEONFORK setting stays in place in the
		// child (it is cleared only by execve).
		c.vmas = append(c.vmas, v)
	}

	refs := m.pt.inRange(0, m.top)
	var downgrade []pageRef // parent pages that lose Write
	child := make([]pageRef, 0, len(refs))
	offs := make([]uint64, 0, len(refs))
	vi := 0
	for _, r := range refs {
		for m.vmas[vi].end <= r.va {
			vi++
		}
		v := &m.vmas[vi]
		if v.dontFork || v.wipeOnFork {
			continue
		}
		if r.mapped.Write && !v.shared && isHot(hot, r.va) {
			if cp, err := m.mf.allocPage(); err == nil {
				copy(m.mf.page(cp), m.mf.page(r.off))
				p := pte{off: cp, mapped: v.perms}
				child = append(child, pageRef{r.va, p})
				c.pt.pages[r.va] = p
				continue
			}
			// Out of memory: share it, as any other page.
		}
		if !v.shared && r.mapped.Write {
			r.mapped.Write = false
			m.pt.pages[r.va] = r.pte
			downgrade = append(downgrade, r)
		}
		child = append(child, r)
		c.pt.pages[r.va] = r.pte
		offs = append(offs, r.off)
	}
	m.mf.getPages(offs)

	// The parent first: from here on its shared pages must not be
	// written in place. If this fails the child goes, the pages are
	// unshared again, and the parent's next write fault makes them
	// writable.
	if err := mapRuns(m.as, downgrade); err != nil {
		c.dropAll()
		return nil, fmt.Errorf("mm: fork: write-protecting the parent's pages: %w", err)
	}
	if err := mapRuns(c.as, child); err != nil {
		c.dropAll()
		return nil, fmt.Errorf("mm: fork: mapping the child's pages: %w", err)
	}
	return c, nil
}

// isHot reports whether page va holds one of the addresses in hot.
func isHot(hot []uintptr, va uintptr) bool {
	for _, a := range hot {
		if arch.PageRoundDown(a) == va {
			return true
		}
	}
	return false
}
