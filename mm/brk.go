package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// heapName is how /proc/pid/maps names the brk area.
const heapName = "[heap]"

// SetBrkBase sets where the heap starts (the loader's end of data, rounded
// up to a page); the break starts there too.
func (m *MM) SetBrkBase(addr uintptr) {
	m.mu.Lock()
	defer m.mu.Unlock()
	base, ok := arch.PageRoundUp(addr)
	if !ok {
		base = arch.PageRoundDown(addr)
	}
	m.brkStart, m.brk = base, base
}

// Brk moves the program break to addr as brk(2) does and returns the new
// break. Like the Linux system call (not the libc wrapper), a request
// that cannot be met, or addr 0, returns the current break unchanged.
func (m *MM) Brk(addr uintptr) uintptr {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.brkStart == 0 || addr < m.brkStart {
		return m.brk
	}
	oldEnd, _ := arch.PageRoundUp(m.brk)
	newEnd, ok := arch.PageRoundUp(addr)
	if !ok || newEnd > m.top {
		return m.brk
	}
	switch {
	case newEnd == oldEnd:
	case newEnd < oldEnd:
		if m.unmapRange(newEnd, oldEnd) != nil {
			return m.brk
		}
	default:
		// Linux also keeps one page free above the new break (and the
		// guard gap below a stack).
		if newEnd > m.top-arch.PageSize || !m.vmas.free(oldEnd, newEnd+arch.PageSize) {
			return m.brk
		}
		if m.mf.commitCheck(newEnd-oldEnd) != nil {
			return m.brk
		}
		m.growHeap(oldEnd, newEnd)
	}
	m.brk = addr
	return addr
}

// growHeap maps [oldEnd, newEnd) as heap, extending the heap VMA that ends
// at oldEnd if there is one.
func (m *MM) growHeap(oldEnd, newEnd uintptr) {
	if i, ok := m.vmas.find(oldEnd - 1); ok && oldEnd > m.brkStart {
		if v := &m.vmas[i]; v.end == oldEnd && v.name == heapName && v.file == nil && !v.shared {
			v.end = newEnd
			return
		}
	}
	m.vmas.insert(vma{
		start: oldEnd,
		end:   newEnd,
		perms: platform.Perms{Read: true, Write: true},
		name:  heapName,
	})
}
