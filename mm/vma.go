package mm

import (
	"slices"
	"sort"

	"github.com/runos-project/runos/platform"
)

// Mappable is a file that can back a memory mapping.
type Mappable interface {
	// ReadAt reads file content at off; bytes beyond EOF read as zero.
	// A read that returns no bytes (with a nil error or io.EOF) means off
	// is at or beyond the end of the file.
	ReadAt(p []byte, off int64) (int, error)
}

// vma is one virtual memory area: a page-aligned range [start, end) that
// the program mapped, with one set of permissions and one backing.
type vma struct {
	start, end uintptr
	perms      platform.Perms
	shared     bool // MAP_SHARED: pages come from obj or cache, written in place
	growsDown  bool // a stack: faults just below it extend it
	file       Mappable
	offset     uint64 // file offset of start (object offset for shared anonymous memory)
	name       string
	// obj holds the pages of a MAP_SHARED mapping of anonymous memory or
	// of a file without a page cache (nil for private ones, whose pages
	// belong to the page table alone).
	obj *sharedObject
	// cache is the page cache of a CachedFile, for shared and private
	// mappings alike: a shared one maps its pages writable, a private
	// one maps them read-only and copies a page on the first write.
	cache *PageCache
	// noWrite: a MAP_SHARED mapping of a file not open for writing, which
	// mprotect may never make writable (Linux's missing VM_MAYWRITE).
	noWrite bool
	// dontFork and wipeOnFork are madvise(MADV_DONTFORK) and
	// madvise(MADV_WIPEONFORK): what fork gives the child for this range.
	dontFork, wipeOnFork bool
}

// fileOffset is the file offset that backs address va of v.
func (v *vma) fileOffset(va uintptr) uint64 { return v.offset + uint64(va-v.start) }

// gapStart is the lowest address a new mapping below v may reach: a stack
// keeps its guard gap free.
func (v *vma) gapStart() uintptr {
	if v.growsDown {
		if v.start < stackGuardGap {
			return 0
		}
		return v.start - stackGuardGap
	}
	return v.start
}

// vmaList is the VMAs of an MM, sorted by address and never overlapping.
//
// A sorted slice with binary search, rather than a tree: processes have
// tens to a few hundred VMAs, lookups (every fault and copy) are
// O(log n) and cache friendly, and the O(n) insertions and removals move a
// few kilobytes at most and happen only on mmap-family calls. It is also
// the structure a student can read in one sitting. Linux uses a maple tree
// because it must scale to 65530 VMAs.
type vmaList []vma

// after returns the index of the first VMA that ends after addr (len(l) if
// none); that VMA contains addr or lies above it.
func (l vmaList) after(addr uintptr) int {
	return sort.Search(len(l), func(i int) bool { return l[i].end > addr })
}

// find returns the index of the VMA containing addr.
func (l vmaList) find(addr uintptr) (int, bool) {
	i := l.after(addr)
	return i, i < len(l) && l[i].start <= addr
}

// overlaps reports whether any VMA intersects [start, end).
func (l vmaList) overlaps(start, end uintptr) bool {
	i := l.after(start)
	return i < len(l) && l[i].start < end
}

// free reports whether [start, end) is free for a new mapping: no VMA in
// it, and not within the guard gap below a stack.
func (l vmaList) free(start, end uintptr) bool {
	i := l.after(start)
	return i == len(l) || end <= l[i].gapStart()
}

// covered reports whether every page of [start, end) belongs to some VMA.
func (l vmaList) covered(start, end uintptr) bool {
	i, ok := l.find(start)
	if !ok {
		return false
	}
	for ; i < len(l); i++ {
		if l[i].start > start {
			return false
		}
		if l[i].end >= end {
			return true
		}
		start = l[i].end
	}
	return false
}

// split cuts the VMA containing addr in two at addr, so that addr becomes
// a VMA boundary. It does nothing if addr is already one or unmapped.
func (l *vmaList) split(addr uintptr) {
	i, ok := l.find(addr)
	if !ok || (*l)[i].start == addr {
		return
	}
	lo := (*l)[i]
	hi := lo
	lo.end = addr
	hi.start = addr
	hi.offset = lo.fileOffset(addr)
	hi.hold()
	(*l)[i] = lo
	*l = slices.Insert(*l, i+1, hi)
}

// span splits at start and end and returns the index range [lo, hi) of the
// VMAs lying inside [start, end).
func (l *vmaList) span(start, end uintptr) (lo, hi int) {
	l.split(start)
	l.split(end)
	lo = l.after(start)
	hi = lo
	for hi < len(*l) && (*l)[hi].end <= end {
		hi++
	}
	return lo, hi
}

// insert adds v, which must not overlap any VMA, and returns its index.
func (l *vmaList) insert(v vma) int {
	i := l.after(v.start)
	*l = slices.Insert(*l, i, v)
	return i
}

// mergeable reports whether a and b (a just below b) can be one VMA.
// Only anonymous private areas merge: comparing Mappables could panic on
// an incomparable dynamic type, and stacks must keep their own identity.
func mergeable(a, b *vma) bool {
	return a.end == b.start && a.perms == b.perms && !a.shared && !b.shared &&
		a.file == nil && b.file == nil && !a.growsDown && !b.growsDown && a.name == b.name &&
		a.dontFork == b.dontFork && a.wipeOnFork == b.wipeOnFork
}

// hold records one more VMA of the same MM referring to v's shared object
// or page cache (a split half, a mremap copy).
func (v *vma) hold() {
	if v.obj != nil {
		v.obj.get()
	}
	if v.cache != nil {
		v.cache.ref()
	}
}

// release drops v's reference to its shared object or page cache.
func (v *vma) release(mf *MemoryFile) {
	if v.obj != nil {
		v.obj.put(mf)
	}
	if v.cache != nil {
		v.cache.detach()
	}
}

// remove deletes l[lo:hi], dropping their references to shared objects
// and page caches.
func (l *vmaList) remove(lo, hi int, mf *MemoryFile) {
	for i := lo; i < hi; i++ {
		(*l)[i].release(mf)
	}
	*l = slices.Delete(*l, lo, hi)
}

// mergeNext merges l[i] with l[i+1] when they are compatible neighbours.
// As in Linux, this is what lets mremap treat two adjacent anonymous
// mmaps as one region.
func (l *vmaList) mergeNext(i int) {
	if i < 0 || i+1 >= len(*l) || !mergeable(&(*l)[i], &(*l)[i+1]) {
		return
	}
	(*l)[i].end = (*l)[i+1].end
	*l = slices.Delete(*l, i+1, i+2)
}
