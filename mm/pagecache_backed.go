package mm

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// Backing is the file behind a backed PageCache: a host file, which keeps
// its data itself, so the cache only holds the pages mappings use.
type Backing interface {
	// ReadAt is pread(2): a short count at end of file, none beyond it.
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt is pwrite(2), used to write a mapping's stores back. A
	// backing that cannot be written (a read-only file) is never asked
	// to: no mapping of it can be written (MmapOpts.NoWrite).
	WriteAt(p []byte, off int64) (int, error)
	// Size is the file's length now.
	Size() (int64, error)
}

// NewBackedPageCache returns the page cache of one host file: the pages
// every mapping of the file maps, in any process and from any mmap call,
// so two mappings of a library share one copy and a MAP_SHARED mapping
// sees the others' stores. A backed cache differs from a memory file
// system's in three ways:
//
//   - It holds only memory-file pages, filled from the backing on first
//     touch; end of file is the backing's, so a page wholly beyond it
//     raises SIGBUS. When the file's last mapping goes its pages are
//     written back (if a shared mapping could write them) and freed:
//     the host file remains the copy, and a later mapping reads it
//     afresh.
//   - read(2) and write(2) go to the host file, not through the cache:
//     the file system calls Writeback before a read and Update after a
//     write, so both directions stay coherent.
//   - Stores through a shared mapping reach the host file only when
//     written back: at msync(MS_SYNC) (MM.Msync), fsync(2), read(2) of
//     the range, and when the last mapping goes (munmap, exit, exec).
//     Linux writes dirty pages back eventually; these are the points at
//     which a program can tell, so runos writes back exactly there.
//     Without dirty bits from the platform, every page a writable shared
//     mapping could have stored to is written back.
//
// Changes the host makes to the file behind runos's back are not seen by
// pages already in the cache; the file system decides when to start a
// new cache instead (fs/host).
//
// The file system hands the cache out from CachedFile.PageCache, which
// must Reserve it for the mapping about to attach, and forgets it when
// onIdle (which may be nil) says no mapping uses it any more. onIdle is
// called with the lock of the MM unmapping the file held, and no other
// lock of the mm's.
func NewBackedPageCache(b Backing, onIdle func()) *PageCache {
	return &PageCache{backing: b, onIdle: onIdle}
}

// Reserve records that a mapping is about to attach the cache (the mmap
// calling CachedFile.PageCache), so that the cache does not go idle
// before it does. The file system calls it under the lock with which it
// decides, in onIdle, whether to forget the cache.
func (c *PageCache) Reserve() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reserved++
}

// attachReserved is attach for the mmap that reserved the cache (through
// CachedFile.PageCache): the new VMA takes the reservation's place.
func (c *PageCache) attachReserved(m *MM) bool {
	if !c.attach(m) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reserved > 0 {
		c.reserved--
	}
	return true
}

// unreserve drops a reservation whose mapping will not attach after all.
func (c *PageCache) unreserve() {
	c.mu.Lock()
	if c.reserved > 0 {
		c.reserved--
	}
	idle := c.users == 0 && c.reserved == 0
	c.mu.Unlock()
	if idle && c.onIdle != nil {
		c.onIdle()
	}
}

// Idle reports whether no mapping uses the cache, nor is about to.
func (c *PageCache) Idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.users == 0 && c.reserved == 0
}

// noteWritable records that a MAP_SHARED mapping able to store into the
// file maps it, so its pages must be written back.
func (c *PageCache) noteWritable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mayDirty = c.backing != nil
}

// Writeback writes the cached pages overlapping [off, end) to the backing
// if a shared mapping may have stored to them, as msync(2) and fsync(2)
// must. Only the part of each page within the backing's current size is
// written: stores beyond end of file are not part of the file (mmap(2)).
// A failing write is kerr.EIO, as the errors of writeback are on Linux.
func (c *PageCache) Writeback(off, end int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writebackLocked(off, end)
}

func (c *PageCache) writebackLocked(off, end int64) error {
	if c.backing == nil || !c.mayDirty || len(c.frames) == 0 {
		return nil
	}
	size, err := c.backing.Size()
	if err != nil {
		return kerr.EIO
	}
	end = min(end, size)
	var failed error
	for idx, frame := range c.frames {
		pos := idx << arch.PageShift
		if pos >= end || pos+arch.PageSize <= off {
			continue
		}
		n := min(int64(arch.PageSize), size-pos)
		if w, err := c.backing.WriteAt(c.mf.page(frame)[:n], pos); err != nil || int64(w) != n {
			failed = kerr.EIO
		}
	}
	return failed
}

// Update copies p, just written to the backing at off by write(2), into
// the cached pages it overlaps, so that mappings see it at once. Pages
// not cached are read from the backing when first touched.
func (c *PageCache) Update(p []byte, off int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.frames) == 0 {
		return
	}
	for done := 0; done < len(p); {
		pos := off + int64(done)
		in := int(pos & arch.PageMask)
		n := min(len(p)-done, arch.PageSize-in)
		if frame, ok := c.frames[pageIndex(pos)]; ok {
			copy(c.mf.page(frame)[in:], p[done:done+n])
		}
		done += n
	}
}

// releaseBackedLocked is detach's last step for a backed cache: write the
// pages back and free them. The page-table entries that still map them
// (the caller drops them next) keep them alive until then. A write-back
// error cannot be reported to anyone here, as on Linux when a file is
// unmapped without msync; the data stays in the host's hands.
func (c *PageCache) releaseBackedLocked() {
	_ = c.writebackLocked(0, 1<<63-1)
	offs := make([]uint64, 0, len(c.frames))
	for _, off := range c.frames {
		offs = append(offs, off)
	}
	clear(c.frames)
	if len(offs) > 0 {
		c.mf.putPages(offs)
	}
	c.mayDirty = false
	c.mf = nil
	clear(c.mappers)
}

// writebackRange writes back what the shared VMAs of m in [start, end)
// map, for msync(MS_SYNC). The caller holds m.mu.
func (m *MM) writebackRange(start, end uintptr) error {
	var failed error
	for i := m.vmas.after(start); i < len(m.vmas) && m.vmas[i].start < end; i++ {
		v := &m.vmas[i]
		if v.cache == nil || !v.shared {
			continue
		}
		from := v.fileOffset(max(start, v.start))
		to := v.fileOffset(min(end, v.end))
		if err := v.cache.Writeback(int64(from), int64(to)); err != nil {
			failed = err
		}
	}
	return failed
}
