package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// MmapOpts describes one mmap request, already decoded from an ABI.
type MmapOpts struct {
	Addr      uintptr // hint, or the exact address with Fixed/NoReplace
	Length    uintptr
	Perms     platform.Perms
	Shared    bool // MAP_SHARED: pages live in a shared object (shared.go) or the file's page cache
	Fixed     bool // MAP_FIXED: replace what is there
	NoReplace bool // MAP_FIXED_NOREPLACE: exact address, EEXIST if occupied
	GrowsDown bool
	File      Mappable // nil: anonymous; a CachedFile maps its page cache
	Offset    uint64
	Name      string // what /proc/pid/maps shows: a path, "[stack]", "[heap]"
	// NoWrite says File is not open for writing, so a MAP_SHARED mapping
	// of it may never become writable (mprotect(2): EACCES).
	NoWrite bool
}

// Mmap creates a mapping as mmap(2) does and returns its address. No page
// is allocated: pages are backed on first touch.
func (m *MM) Mmap(o MmapOpts) (uintptr, error) {
	// Checks in mmap(2)'s order of ERRORS as Linux applies them.
	if o.Length == 0 {
		return 0, kerr.EINVAL
	}
	length, ok := arch.PageRoundUp(o.Length)
	if !ok {
		return 0, kerr.ENOMEM
	}
	if o.Offset&arch.PageMask != 0 {
		return 0, kerr.EINVAL
	}
	if o.File != nil && (o.Offset+uint64(length) < o.Offset || o.Offset+uint64(length) > 1<<63) {
		return 0, kerr.EOVERFLOW
	}
	fixed := o.Fixed || o.NoReplace
	if o.File == nil && !o.Shared && o.Perms.Write {
		if err := m.mf.commitCheck(length); err != nil {
			return 0, err
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	var addr uintptr
	if fixed {
		addr = o.Addr
		if addr&arch.PageMask != 0 {
			return 0, kerr.EINVAL
		}
		if length > m.top || addr > m.top-length {
			return 0, kerr.ENOMEM
		}
		if addr < mmapMin {
			// Linux refuses mappings below vm.mmap_min_addr with EPERM.
			return 0, kerr.EPERM
		}
		if o.NoReplace && m.vmas.overlaps(addr, addr+length) {
			return 0, kerr.EEXIST
		}
		if err := m.unmapRange(addr, addr+length); err != nil {
			return 0, err
		}
	} else {
		var err error
		if addr, err = m.unmappedArea(o.Addr, length); err != nil {
			return 0, err
		}
	}
	v := vma{
		start:     addr,
		end:       addr + length,
		perms:     o.Perms,
		shared:    o.Shared,
		growsDown: o.GrowsDown,
		file:      o.File,
		offset:    o.Offset,
		name:      o.Name,
	}
	if v.file == nil {
		v.offset = 0
	}
	if cf, ok := v.file.(CachedFile); ok {
		v.cache = cf.PageCache() // nil: this file has none after all
		if v.cache != nil && v.cache.backing != nil && !v.shared && v.perms.Write {
			// A private writable mapping of a host file (a program's
			// data segment) takes its own copy of a page on first
			// touch, as before page caches: the platform does not say
			// whether a fault is a write, and nearly every such page
			// is written (relocations), so mapping the cache's page
			// first would cost each one a second fault.
			v.cache.unreserve()
			v.cache = nil
		}
	}
	if v.cache != nil {
		if !v.cache.attachReserved(m) {
			v.cache.unreserve()
			return 0, kerr.ENODEV // mapped through another memory file
		}
		v.noWrite = v.shared && o.NoWrite
		if v.shared && !v.noWrite {
			v.cache.noteWritable()
		}
	} else if v.shared {
		v.obj = newSharedObject(v.file)
		v.noWrite = o.NoWrite && v.file != nil
	}
	i := m.vmas.insert(v)
	m.vmas.mergeNext(i)
	m.vmas.mergeNext(i - 1)
	return addr, nil
}

// unmappedArea picks the address for a new mapping of length bytes: the
// hint if that range is free, else the highest free range below the mmap
// base, else the highest free range anywhere (as Linux's top-down
// allocator falls back to a full search).
func (m *MM) unmappedArea(hint, length uintptr) (uintptr, error) {
	if length > m.top-mmapMin {
		return 0, kerr.ENOMEM
	}
	if hint != 0 {
		if h, ok := arch.PageRoundUp(hint); ok && h >= mmapMin && h <= m.top-length &&
			m.vmas.free(h, h+length) {
			return h, nil
		}
	}
	if a, ok := m.topDown(length, m.mmapBase()); ok {
		return a, nil
	}
	if a, ok := m.topDown(length, m.top); ok {
		return a, nil
	}
	return 0, kerr.ENOMEM
}

// topDown returns the highest address a with a+length <= high and
// [a, a+length) free, scanning the gaps between VMAs from the top.
func (m *MM) topDown(length, high uintptr) (uintptr, bool) {
	for i := len(m.vmas); i >= 0; i-- {
		gapHi := high
		if i < len(m.vmas) {
			gapHi = min(gapHi, m.vmas[i].gapStart())
		}
		gapLo := uintptr(mmapMin)
		if i > 0 {
			gapLo = max(gapLo, m.vmas[i-1].end)
		}
		if gapHi < gapLo+length || gapLo+length < gapLo {
			continue
		}
		return arch.PageRoundDown(gapHi - length), true
	}
	return 0, false
}

// Munmap removes the mappings in [addr, addr+length) as munmap(2) does;
// a range with nothing mapped is not an error.
func (m *MM) Munmap(addr, length uintptr) error {
	if addr&arch.PageMask != 0 || length == 0 {
		return kerr.EINVAL
	}
	length, ok := arch.PageRoundUp(length)
	if !ok || addr+length < addr || addr+length > m.top {
		return kerr.EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.unmapRange(addr, addr+length)
}

// unmapRange removes every VMA part and backed page in [start, end).
func (m *MM) unmapRange(start, end uintptr) error {
	if !m.vmas.overlaps(start, end) {
		return nil
	}
	lo, hi := m.vmas.span(start, end)
	m.vmas.remove(lo, hi, m.mf)
	return m.dropPages(start, end)
}
