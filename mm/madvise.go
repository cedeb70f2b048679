package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Advice is a madvise(2) advice the mm acts on, in neutral terms: the
// personality translates its ABI's numbers (and treats the pure hints,
// which change nothing visible, itself).
type Advice int

const (
	// AdviceDontNeed is MADV_DONTNEED: drop the pages of the range.
	AdviceDontNeed Advice = iota + 1
	// AdviceDontFork is MADV_DONTFORK: fork gives the child nothing here.
	AdviceDontFork
	// AdviceDoFork is MADV_DOFORK: undo AdviceDontFork.
	AdviceDoFork
	// AdviceWipeOnFork is MADV_WIPEONFORK: the child gets the range with
	// zero-filled pages. Private anonymous memory only.
	AdviceWipeOnFork
	// AdviceKeepOnFork is MADV_KEEPONFORK: undo AdviceWipeOnFork.
	AdviceKeepOnFork
	// AdviceHint is any advice that only tunes performance (MADV_NORMAL,
	// MADV_WILLNEED, MADV_FREE, ...): nothing changes, but the range must
	// be mapped like for any other advice.
	AdviceHint
)

// Madvise applies advice to [addr, addr+length) as madvise(2) does:
// kerr.EINVAL for an unaligned addr, a length that wraps or an unknown
// advice; kerr.ENOMEM if part of the range is not mapped, after the mapped
// parts have been dealt with (as Linux does). For AdviceWipeOnFork every
// VMA in the range must be private anonymous (kerr.EINVAL otherwise); this
// is checked before anything changes, where Linux may have changed the
// VMAs before the offending one.
func (m *MM) Madvise(addr, length uintptr, advice Advice) error {
	if addr&arch.PageMask != 0 {
		return kerr.EINVAL
	}
	rounded, ok := arch.PageRoundUp(length)
	if !ok || (length != 0 && rounded == 0) {
		return kerr.EINVAL
	}
	end := addr + rounded
	if end < addr {
		return kerr.EINVAL
	}
	switch advice {
	case AdviceDontNeed, AdviceDontFork, AdviceDoFork, AdviceWipeOnFork, AdviceKeepOnFork:
	case AdviceHint:
		if rounded == 0 {
			return nil
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if !m.vmas.covered(addr, end) {
			return kerr.ENOMEM
		}
		return nil
	default:
		return kerr.EINVAL
	}
	if rounded == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	covered := m.vmas.covered(addr, end)
	var err error
	if advice == AdviceDontNeed {
		// There is no mlock yet, so no VMA is locked (that would be
		// EINVAL). The pages of a shared mapping stay in its object:
		// only this mapping's entries go, and the next touch finds the
		// same content, as for Linux's shmem.
		err = m.dropPages(addr, end)
	} else {
		err = m.setForkAdvice(addr, end, advice)
	}
	if err != nil {
		return err
	}
	if !covered {
		return kerr.ENOMEM
	}
	return nil
}

// MadviseDontNeed is Madvise(addr, length, AdviceDontNeed): private
// anonymous memory reads as zero afterwards, private file memory is read
// again from the file.
func (m *MM) MadviseDontNeed(addr, length uintptr) error {
	return m.Madvise(addr, length, AdviceDontNeed)
}

// setForkAdvice records what fork does with the VMAs of [start, end),
// splitting them at the ends and merging again what became alike.
func (m *MM) setForkAdvice(start, end uintptr, advice Advice) error {
	// apply sets the advice on v and reports whether that changed it.
	apply := func(v *vma) bool {
		old := *v
		switch advice {
		case AdviceDontFork:
			v.dontFork = true
		case AdviceDoFork:
			v.dontFork = false
		case AdviceWipeOnFork:
			v.wipeOnFork = true
		case AdviceKeepOnFork:
			v.wipeOnFork = false
		}
		return old.dontFork != v.dontFork || old.wipeOnFork != v.wipeOnFork
	}
	changes := false
	for i := m.vmas.after(start); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := m.vmas[i] // a copy: only asking
		// madvise(2): "The MADV_WIPEONFORK operation can be applied
		// only to private anonymous pages."
		if advice == AdviceWipeOnFork && (v.shared || v.file != nil) {
			return kerr.EINVAL
		}
		changes = apply(&v) || changes
	}
	if !changes {
		return nil // no VMA is split for nothing
	}
	lo, hi := m.vmas.span(start, end)
	for i := lo; i < hi; i++ {
		apply(&m.vmas[i])
	}
	for i := hi; i >= lo-1; i-- {
		m.vmas.mergeNext(i)
	}
	return nil
}
