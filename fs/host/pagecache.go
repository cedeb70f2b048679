package host

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/mm"
)

// Host files share one page cache per host inode (mm.NewBackedPageCache),
// found by the inode's device and number: every open of a file makes a
// fresh File (and the overlay's lower layer a fresh inode object for every
// lookup), so no object of this package lives as long as the file. Two
// mappings of one library, in any processes, map the same pages, and a
// MAP_SHARED mapping of a file in a writable bind mount sees write(2)
// through runos at once and is written back to the host file (see
// mm.NewBackedPageCache for when).
//
// The host may change a file behind runos's back (a read-only root's
// files, or a bind mount's, by host programs). runos is not coherent with
// such writers: pages already cached keep what they held. But it never
// serves them forever: a cache holds pages only while the file is mapped,
// and each new mapping compares the file's size and modification time with the ones the
// cache was started with (or last saw runos make); if the host changed
// the file meanwhile, new mappings get a new cache read afresh, and the
// old one stays with the mappings that have it. runos's own changes
// (write(2), truncate(2), utimes(2), write-back) keep the recorded stamp
// current, so they never count as such a change. A host change that
// keeps both the size and the modification time (within the host's
// timestamp granularity) goes unnoticed.

// fileKey names a host inode.
type fileKey struct{ dev, ino uint64 }

// stamp is what tells that the host changed a file's data. Not the
// ctime: renaming, linking, unlinking or chmod-ing a mapped file changes
// that, and must not split its mappings between two caches.
type stamp struct {
	size  int64
	mtime fs.Timespec
}

func stampOf(st fs.Stat) stamp { return stamp{size: st.Size, mtime: st.Mtime} }

// cacheEntry is the page cache of one host inode and its backing.
type cacheEntry struct {
	cache *mm.PageCache
	b     *backing
}

// caches is the registry of page caches, for every Root and Bind: an
// inode has an entry while a mapping uses its cache (or is about to), and
// loses it, with the backing's descriptors, when the last one goes, so a
// deleted file's space is not held.
//
// Lock order: an MM's lock (Mmap asks for the cache, an unmapping calls
// idle), then caches.mu, then a PageCache's lock, then a backing's.
var caches struct {
	mu sync.Mutex
	m  map[fileKey]*cacheEntry
}

// cacheFor returns the page cache for mapping f, whose stat is st,
// reserved for that mapping: the inode's current cache, or a new one if
// it has none or the host changed the file since its cache was started.
func cacheFor(f *File, st fs.Stat) (*mm.PageCache, error) {
	key := fileKey{st.Dev, st.Ino}
	caches.mu.Lock()
	defer caches.mu.Unlock()
	e := caches.m[key]
	if e != nil && !e.b.current(stampOf(st)) {
		// Changed on the host: the old mappings keep the old pages,
		// new ones read the file again.
		delete(caches.m, key)
		e = nil
	}
	if e == nil {
		b, err := newBacking(f.fd, stampOf(st))
		if err != nil {
			return nil, err
		}
		e = &cacheEntry{b: b}
		e.cache = mm.NewBackedPageCache(b, func() { e.idle(key) })
		if caches.m == nil {
			caches.m = make(map[fileKey]*cacheEntry)
		}
		caches.m[key] = e
	}
	if f.writable {
		if err := e.b.openWriter(f.fd); err != nil {
			if e.cache.Idle() {
				delete(caches.m, key)
				e.b.close()
			}
			return nil, err
		}
	}
	e.cache.Reserve()
	return e.cache, nil
}

// idle forgets e, the cache of inode key, once no mapping uses it (the
// mm's onIdle; a mapping may have reserved it again meanwhile).
func (e *cacheEntry) idle(key fileKey) {
	caches.mu.Lock()
	defer caches.mu.Unlock()
	if !e.cache.Idle() {
		return
	}
	if caches.m[key] == e {
		delete(caches.m, key)
	}
	e.b.close()
}

// mappedCache returns the cache of the inode key if a mapping uses it:
// read(2), write(2) and truncate(2) must keep it coherent.
func mappedCache(key fileKey) *cacheEntry {
	caches.mu.Lock()
	defer caches.mu.Unlock()
	return caches.m[key]
}

// backing is a cache's own access to the host file (mm.Backing): its own
// descriptors, since the Files that mapped it may be closed first.
type backing struct {
	mu  sync.Mutex
	rfd int // read-only
	wfd int // for write-back, -1 until a File open for writing maps it
	// stamp is the file's size and times as runos last saw or made
	// them: a difference is a change behind runos's back.
	stamp stamp
}

// newBacking opens the file of descriptor fd, whose stamp is st, again
// for reading.
func newBacking(fd int, st stamp) (*backing, error) {
	rfd, err := reopenFD(fd, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return &backing{rfd: rfd, wfd: -1, stamp: st}, nil
}

// current reports whether st is the stamp runos last saw.
func (b *backing) current(st stamp) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stamp == st
}

func (b *backing) setStamp(st stamp) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stamp = st
}

// changed records that runos itself just changed the file (write(2),
// truncate(2), a write-back): its new times are not a change behind
// runos's back.
func (b *backing) changed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st, err := fstat(b.rfd); err == nil {
		b.stamp = stampOf(st)
	}
}

// reopenFD opens the file of descriptor fd again, with flags.
func reopenFD(fd, flags int) (int, error) {
	for {
		nfd, err := unix.Open(procPath(fd), flags|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		if err == unix.EINTR {
			continue
		}
		return nfd, FromErrno(err)
	}
}

// openWriter gives the backing a descriptor to write back through, from
// fd, a File's descriptor open for writing. (Not that one itself: its
// O_APPEND would make pwrite(2) append.)
func (b *backing) openWriter(fd int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wfd >= 0 {
		return nil
	}
	wfd, err := reopenFD(fd, unix.O_WRONLY)
	if err != nil {
		return err
	}
	b.wfd = wfd
	return nil
}

func (b *backing) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	unix.Close(b.rfd)
	if b.wfd >= 0 {
		unix.Close(b.wfd)
	}
	b.rfd, b.wfd = -1, -1
}

func (b *backing) ReadAt(p []byte, off int64) (int, error) {
	b.mu.Lock()
	fd := b.rfd
	b.mu.Unlock()
	return preadFull(fd, p, off)
}

func (b *backing) WriteAt(p []byte, off int64) (int, error) {
	b.mu.Lock()
	fd := b.wfd
	b.mu.Unlock()
	if fd < 0 {
		return 0, FromErrno(unix.EBADF)
	}
	n, err := pwrite(fd, p, off)
	b.changed()
	return n, err
}

func (b *backing) Size() (int64, error) {
	b.mu.Lock()
	fd := b.rfd
	b.mu.Unlock()
	st, err := fstat(fd)
	return st.Size, err
}
