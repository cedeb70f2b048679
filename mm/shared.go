package mm

import "sync"

// sharedObject is the memory behind a MAP_SHARED mapping: a set of
// memory-file pages indexed by their offset in the object. Every VMA that
// maps the object (the mmap'd one, the pieces a split leaves, a mremap
// duplicate, and the copies fork gives children) reads and writes these
// same pages, which is what makes the mapping shared.
//
// For MAP_SHARED|MAP_ANONYMOUS the object is created by mmap and its
// offsets start at 0 (Linux's shmem object behind /dev/zero).
//
// Files of the memory file systems (tmpfs, memfd) and host files do not
// use one: they are CachedFiles, and every mapping of them maps the
// file's PageCache (pagecache.go, pagecache_backed.go), so separate mmaps
// and write(2) all see each other. A shared object remains only for a
// MAP_SHARED mapping of a file without a cache (a host file the cache
// could not open again, a device): its offsets are file offsets, a page
// is filled from the file on first touch, nothing is written back, and
// the object belongs to that one mmap call (and its splits, mremap
// copies and fork children), not to the file.
//
// Each slot holds one reference on its memory-file page, and every
// page-table entry mapping it holds another, so munmap in one process
// leaves the page to the others, and the page is freed when the last VMA
// referring to the object goes and the last entry mapping it is dropped.
type sharedObject struct {
	file Mappable // nil for anonymous memory

	mu    sync.Mutex
	users int               // VMAs referring to the object, in every MM
	pages map[uint64]uint64 // object offset -> memory-file offset
}

func newSharedObject(file Mappable) *sharedObject {
	return &sharedObject{file: file, users: 1, pages: make(map[uint64]uint64)}
}

// get records one more VMA referring to o.
func (o *sharedObject) get() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.users++
}

// put records that a VMA referring to o went away; the last one frees the
// object's pages (those still mapped somewhere survive until unmapped).
func (o *sharedObject) put(mf *MemoryFile) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.users--; o.users > 0 {
		return
	}
	offs := make([]uint64, 0, len(o.pages))
	for _, off := range o.pages {
		offs = append(offs, off)
	}
	clear(o.pages)
	mf.putPages(offs)
}

// page returns the memory-file page at object offset objOff with one new
// reference for the caller's page-table entry, creating the page (zeroed
// or filled from the file) on first touch. A page wholly beyond end of
// file is a FaultBusErr and creates nothing.
func (o *sharedObject) page(mf *MemoryFile, objOff uint64) (uint64, FaultCode, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	off, ok := o.pages[objOff]
	if !ok {
		var err error
		if off, err = mf.allocPage(); err != nil {
			return 0, faultNone, err
		}
		if o.file != nil {
			if code := fillFromFile(mf.page(off), o.file, objOff); code != faultNone {
				mf.putPages([]uint64{off})
				return 0, code, nil
			}
		}
		o.pages[objOff] = off
	}
	mf.getPages([]uint64{off})
	return off, faultNone, nil
}

// has reports whether the object holds a page at objOff (mincore(2)).
func (o *sharedObject) has(objOff uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.pages[objOff]
	return ok
}
