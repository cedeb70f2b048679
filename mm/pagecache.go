package mm

import (
	"sync"

	"github.com/runos-project/runos/kernel/arch"
)

// CachedFile is a Mappable whose mappings share a PageCache: a file of a
// memory filesystem (tmpfs, memfd), whose contents live in the cache, or
// a host file, whose backed cache holds the pages mappings use
// (pagecache_backed.go). Every mapping of such a file, in any process
// and from any mmap call, maps the cache's pages themselves, and the
// file's read(2) and write(2) reach the same pages, so all of them see
// each other's changes at once, as on Linux.
type CachedFile interface {
	Mappable
	// PageCache returns the file's cache; nil maps the file as a file
	// without one (each mapping its own pages).
	PageCache() *PageCache
}

// PageCache is the contents of an in-memory file: its size and its pages,
// which are the file's only copy of its data. (A backed cache, of a host
// file, differs: see NewBackedPageCache.) The file system keeps its
// metadata (times, modes) and calls ReadAt, WriteAt, Truncate and friends
// for the bytes; the mm maps the same pages into guest address spaces.
//
// A page lives in one of two places:
//
//   - kernel memory (heap) while no mapping has touched it since the file
//     was last mapped: a file that is only read and written costs no
//     memory-file pages;
//   - the memory file (frames) once a mapping faults it in, so that guest
//     page tables can point at it. It stays there, written in place by
//     write(2) and by guest stores alike, until the last VMA mapping the
//     file goes; then the frames are copied back to kernel memory and
//     freed, so a deleted file leaves nothing behind in the memory file.
//
// A page that is in neither is a hole and reads as zeros. Bytes beyond
// size in the last page are kept zero, so a file that grows reads zeros
// there (see truncate(2): "the extended part reads as null bytes").
//
// Locking: PageCache.mu comes after MM.mu (a fault takes both) and after
// the file system's own lock (read(2) and write(2) take both), and before
// MemoryFile.mu. Truncate, called with the file system's lock held,
// unmaps the pages beyond the new end of file from every MM mapping the
// file, so that touching them raises SIGBUS as on Linux. It must not
// wait for an MM's lock there: that MM may be in a fault reading some
// other file of the same file system, waiting for the lock Truncate's
// caller holds. So it only tries each MM's lock, and an MM that is busy
// is dealt with by a goroutine a moment later. The mm itself never calls
// a CachedFile's methods with MM.mu held: it asks the cache.
//
// The zero PageCache is an empty file.
type PageCache struct {
	mu     sync.Mutex
	size   int64
	heap   map[int64]*[arch.PageSize]byte // page index -> page no mapping holds
	frames map[int64]uint64               // page index -> memory-file offset (one reference each)
	// mf is the memory file of the mappings while there are any.
	mf *MemoryFile
	// users counts the VMAs mapping the file, in every MM; mappers are
	// the live MMs that mapped it since users was last 0 (some may have
	// unmapped it since: Truncate just finds nothing to unmap there).
	users   int
	mappers map[*MM]struct{}
	// pending counts the unmappings Truncate left to goroutines.
	pending sync.WaitGroup
	// backing is the host file of a backed cache (pagecache_backed.go),
	// nil for a memory file system's file.
	backing Backing
	// mayDirty: a MAP_SHARED mapping that can be written has mapped the
	// backed file since users was last 0, so its frames may hold stores
	// the backing has not seen.
	mayDirty bool
	// reserved counts the mappings about to attach a backed cache
	// (Reserve), and onIdle is called, without the lock, when it has
	// neither users nor reservations left.
	reserved int
	onIdle   func()
}

// pageIndex is the cache page holding file offset off.
func pageIndex(off int64) int64 { return off >> arch.PageShift }

// Size is the file's length in bytes.
func (c *PageCache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Pages is how many pages the file holds (its block count, in pages):
// holes are not counted.
func (c *PageCache) Pages() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.heap) + len(c.frames))
}

// HasPage reports whether the page holding offset off has data (is not a
// hole), for lseek(2)'s SEEK_DATA and SEEK_HOLE.
func (c *PageCache) HasPage(off int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	idx := pageIndex(off)
	_, framed := c.frames[idx]
	return framed || c.heap[idx] != nil
}

// pageLocked returns the bytes of page idx wherever it lives, nil for a
// hole.
func (c *PageCache) pageLocked(idx int64) []byte {
	if off, ok := c.frames[idx]; ok {
		return c.mf.page(off)
	}
	if hp := c.heap[idx]; hp != nil {
		return hp[:]
	}
	return nil
}

// pageForWriteLocked returns the bytes of page idx, giving a hole a zeroed
// kernel page first.
func (c *PageCache) pageForWriteLocked(idx int64) []byte {
	if p := c.pageLocked(idx); p != nil {
		return p
	}
	if c.heap == nil {
		c.heap = make(map[int64]*[arch.PageSize]byte)
	}
	hp := new([arch.PageSize]byte)
	c.heap[idx] = hp
	return hp[:]
}

// ReadAt copies the file's bytes at off into p and returns how many there
// were: fewer than len(p) at end of file, 0 at or beyond it.
func (c *PageCache) ReadAt(p []byte, off int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off < 0 || off >= c.size {
		return 0
	}
	p = p[:min(int64(len(p)), c.size-off)]
	for done := 0; done < len(p); {
		pos := off + int64(done)
		in := int(pos & arch.PageMask)
		n := min(len(p)-done, arch.PageSize-in)
		if pg := c.pageLocked(pageIndex(pos)); pg != nil {
			copy(p[done:done+n], pg[in:])
		} else {
			clear(p[done : done+n])
		}
		done += n
	}
	return len(p)
}

// WriteAt stores p at off, growing the file if it ends beyond its size.
// The caller checks off and the size limit.
func (c *PageCache) WriteAt(p []byte, off int64) {
	if len(p) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.growLocked(off + int64(len(p)))
	for done := 0; done < len(p); {
		pos := off + int64(done)
		done += copy(c.pageForWriteLocked(pageIndex(pos))[pos&arch.PageMask:], p[done:])
	}
}

// growLocked sets the size to size if that is larger, zeroing what a
// mapping may have stored beyond the old end in the last page.
func (c *PageCache) growLocked(size int64) {
	if size <= c.size {
		return
	}
	if in := c.size & arch.PageMask; in != 0 {
		if pg := c.pageLocked(pageIndex(c.size)); pg != nil {
			clear(pg[in:])
		}
	}
	c.size = size
}

// Truncate sets the size, as truncate(2) does. Shrinking drops the pages
// wholly beyond the new end, zeroes the rest of the last page, and unmaps
// the dropped pages from every mapping of the file, private copies
// included (as Linux's truncate_pagecache does), so that touching them
// afterwards raises SIGBUS. The caller may hold its file system's lock,
// but no MM's.
func (c *PageCache) Truncate(size int64) {
	c.mu.Lock()
	if c.backing == nil && size >= c.size {
		c.growLocked(size)
		c.mu.Unlock()
		return
	}
	c.size = size
	first := pageIndex(size + arch.PageMask) // first page wholly beyond the end
	if in := size & arch.PageMask; in != 0 {
		if pg := c.pageLocked(pageIndex(size)); pg != nil {
			clear(pg[in:])
		}
	}
	for idx := range c.heap {
		if idx >= first {
			delete(c.heap, idx)
		}
	}
	var offs []uint64
	for idx, off := range c.frames {
		if idx >= first {
			offs = append(offs, off)
			delete(c.frames, idx)
		}
	}
	if len(offs) > 0 {
		// The mappings' entries still hold their own references; the
		// pages are freed as the entries go below.
		c.mf.putPages(offs)
	}
	mms := make([]*MM, 0, len(c.mappers))
	for m := range c.mappers {
		mms = append(mms, m)
	}
	c.mu.Unlock()
	from := uint64(first) << arch.PageShift
	for _, m := range mms {
		if m.mu.TryLock() {
			m.unmapCacheLocked(c, from)
			m.mu.Unlock()
		} else {
			c.pending.Add(1)
			go func() {
				defer c.pending.Done()
				m.mu.Lock()
				defer m.mu.Unlock()
				m.unmapCacheLocked(c, from)
			}()
		}
	}
}

// Zero makes [off, end) read as zeros (fallocate(2)'s PUNCH_HOLE and
// ZERO_RANGE), dropping the whole kernel pages in it. A page in the
// memory file is cleared instead: mappings keep pointing at it.
func (c *PageCache) Zero(off, end int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end = min(end, c.size)
	for pos := off; pos < end; {
		idx, in := pageIndex(pos), pos&arch.PageMask
		n := min(arch.PageSize-in, end-pos)
		if n == arch.PageSize && c.heap[idx] != nil {
			delete(c.heap, idx)
		} else if pg := c.pageLocked(idx); pg != nil {
			clear(pg[in : in+n])
		}
		pos += n
	}
}

// Allocate gives every hole in [off, end) a zeroed page, and grows the
// file to end unless keepSize (fallocate(2)'s default mode).
func (c *PageCache) Allocate(off, end int64, keepSize bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for idx := pageIndex(off); idx<<arch.PageShift < end; idx++ {
		c.pageForWriteLocked(idx)
	}
	if !keepSize {
		c.growLocked(end)
	}
}

// attach records a new VMA of m mapping the file. All the mappings of a
// file must use one memory file (there is one per sandbox; only tests
// make more).
func (c *PageCache) attach(m *MM) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mf != nil && c.mf != m.mf {
		return false
	}
	c.mf = m.mf
	if c.mappers == nil {
		c.mappers = make(map[*MM]struct{})
	}
	c.mappers[m] = struct{}{}
	c.users++
	return true
}

// forget drops m from the MMs Truncate visits, as m goes away (exit,
// exec): a long-lived mapping in a parent must not keep every child it
// ever forked listed.
func (c *PageCache) forget(m *MM) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.mappers, m)
}

// ref records one more VMA mapping the file in an MM already attached (a
// split, a mremap copy).
func (c *PageCache) ref() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users++
}

// detach records that a VMA mapping the file went away. With the last
// one the frames go back to kernel memory; the page-table entries that
// still map them (the caller drops them next) keep them alive until then.
func (c *PageCache) detach() {
	c.mu.Lock()
	if c.backing != nil {
		c.users--
		idle := c.users == 0 && c.reserved == 0
		if c.users == 0 {
			c.releaseBackedLocked()
		}
		c.mu.Unlock()
		if idle && c.onIdle != nil {
			c.onIdle()
		}
		return
	}
	defer c.mu.Unlock()
	if c.users--; c.users > 0 {
		return
	}
	if len(c.frames) > 0 {
		if c.heap == nil {
			c.heap = make(map[int64]*[arch.PageSize]byte, len(c.frames))
		}
		offs := make([]uint64, 0, len(c.frames))
		for idx, off := range c.frames {
			hp := new([arch.PageSize]byte)
			copy(hp[:], c.mf.page(off))
			c.heap[idx] = hp
			offs = append(offs, off)
		}
		clear(c.frames)
		c.mf.putPages(offs)
	}
	c.mf = nil
	clear(c.mappers)
}

// page returns the memory-file page holding file offset fileOff, with one
// new reference for the caller's page-table entry, moving it into the
// memory file on first touch. A page wholly beyond end of file is a
// FaultBusErr and creates nothing.
func (c *PageCache) page(fileOff uint64) (uint64, FaultCode, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.backing == nil && fileOff >= uint64(c.size) {
		return 0, FaultBusErr, nil
	}
	idx := pageIndex(int64(fileOff))
	off, ok := c.frames[idx]
	if !ok {
		var err error
		if off, err = c.mf.allocPage(); err != nil {
			return 0, faultNone, err
		}
		if c.backing != nil {
			// The backing's end of file decides SIGBUS (see fillFromFile).
			if code := fillFromFile(c.mf.page(off), c.backing, fileOff); code != faultNone {
				c.mf.putPages([]uint64{off})
				return 0, code, nil
			}
		} else if hp := c.heap[idx]; hp != nil {
			copy(c.mf.page(off), hp[:])
			delete(c.heap, idx)
		}
		if c.frames == nil {
			c.frames = make(map[int64]uint64)
		}
		c.frames[idx] = off
	}
	c.mf.getPages([]uint64{off})
	return off, faultNone, nil
}

// resident reports whether the page holding fileOff has data, for
// mincore(2): on Linux a file page is resident when it is in the page
// cache, mapped here or not.
func (c *PageCache) resident(fileOff uint64) bool {
	if fileOff >= 1<<63 {
		return false
	}
	return c.HasPage(int64(fileOff))
}

// unmapCacheLocked drops m's page-table entries for file offsets at or
// beyond from in every VMA mapping c (Truncate's shrink).
func (m *MM) unmapCacheLocked(c *PageCache, from uint64) {
	if m.released {
		return
	}
	for i := range m.vmas {
		v := &m.vmas[i]
		if v.cache != c || v.offset+uint64(v.end-v.start) <= from {
			continue
		}
		start := v.start
		if from > v.offset {
			start += uintptr(from - v.offset)
		}
		// A platform failure here leaves a stale mapping the guest
		// may still use, as an I/O error would; nothing else to do.
		_ = m.dropPages(start, v.end)
	}
}

// MappedWritable reports whether a MAP_SHARED mapping that may write the
// file maps it now, in any process: one of a file open for writing,
// whatever its current protection, as Linux counts them
// (i_mmap_writable). memfd_create(2)'s F_SEAL_WRITE is refused (EBUSY)
// while there is one.
//
// It takes each mapping MM's lock in turn, so the caller must hold no
// MM lock; the answer may be stale as soon as it is given unless the
// caller keeps new writable mappings from being made.
func (c *PageCache) MappedWritable() bool {
	c.mu.Lock()
	mms := make([]*MM, 0, len(c.mappers))
	for m := range c.mappers {
		mms = append(mms, m)
	}
	c.mu.Unlock()
	for _, m := range mms {
		m.mu.Lock()
		found := false
		for i := range m.vmas {
			v := &m.vmas[i]
			if v.cache == c && v.shared && !v.noWrite {
				found = true
				break
			}
		}
		m.mu.Unlock()
		if found {
			return true
		}
	}
	return false
}
