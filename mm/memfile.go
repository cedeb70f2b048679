package mm

import (
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

const (
	// maxReservation is how much kernel address space the memory file's
	// window takes. It bounds the guest memory of the whole sandbox; the
	// host commits nothing for it until pages are touched.
	maxReservation = 1 << 40 // 1 TiB
	// minReservation is where NewMemoryFile stops halving when the host
	// refuses a large window (a low RLIMIT_AS, a small vm.max_map_count).
	minReservation = 1 << 30
	// growChunk is how much the file grows at once. ftruncate costs a
	// host system call but no memory: the new range is a hole.
	growChunk = 64 << 20
)

// MemoryFile is the one memfd that holds every page of guest memory.
//
// The kernel maps a large window of the file into itself once (the
// "reservation") so that copying to and from a guest page is a plain slice
// copy at the page's file offset. A platform maps the same file into the
// guest, so both views share the same physical pages.
//
// Invariant: every page that is not allocated reads as zero (it was never
// written, or its hole was punched when it was freed). That is why an
// allocated page needs no clearing.
//
// Every allocated page has a reference count: one per page-table entry
// that maps it (in any MM) plus one per shared-object slot that holds it
// (shared.go). fork adds references instead of copying, so a page is
// freed only when its last reference goes.
type MemoryFile struct {
	fd int
	// mapping is the kernel's view of the first len(mapping) bytes of the
	// file. It is never resized, so readers need no lock. Bytes beyond
	// size must never be touched: a shared mapping beyond end of file
	// raises SIGBUS, which would kill the kernel.
	mapping []byte
	limit   uint64

	mu        sync.Mutex
	size      uint64   // current file length (ftruncate)
	next      uint64   // bump pointer: first never-allocated offset
	free      []uint64 // offsets of freed pages, reused first
	allocated uint64   // bytes handed out and not yet freed
	// refs is the reference count of every page below next, indexed by
	// offset/PageSize; 0 for a free page.
	refs    []uint32
	scratch []uint64 // sorted copy used by putPages
}

// NewMemoryFile creates the memory file; limit caps its size in bytes (0: no cap).
func NewMemoryFile(limit uint64) (*MemoryFile, error) {
	fd, err := unix.MemfdCreate("runos-memory", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("mm: memfd_create: %w", err)
	}
	want := uint64(maxReservation)
	if limit != 0 && limit < want {
		want = (limit + growChunk - 1) &^ (growChunk - 1)
	}
	var mapping []byte
	for {
		mapping, err = unix.Mmap(fd, 0, int(want), unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_SHARED|unix.MAP_NORESERVE)
		if err == nil || want <= minReservation {
			break
		}
		want /= 2
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mm: mapping %d bytes of the memory file: %w", want, err)
	}
	return &MemoryFile{fd: fd, mapping: mapping, limit: limit}, nil
}

// FD is the host descriptor of the memfd, for platforms to map or register.
func (f *MemoryFile) FD() int { return f.fd }

// Close releases the memory file. Every MM using it must be released first.
func (f *MemoryFile) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mapping != nil {
		unix.Munmap(f.mapping)
		f.mapping = nil
	}
	if f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
}

// Allocated returns how many bytes of guest memory are in use. A page
// shared by several MMs or mappings counts once.
func (f *MemoryFile) Allocated() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.allocated
}

// allocPage hands out one zeroed page and returns its file offset. It
// fails with ENOMEM beyond the limit or when the window is full.
func (f *MemoryFile) allocPage() (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limit != 0 && f.allocated+arch.PageSize > f.limit {
		return 0, kerr.ENOMEM
	}
	if n := len(f.free); n > 0 {
		off := f.free[n-1]
		f.free = f.free[:n-1]
		f.allocated += arch.PageSize
		f.refs[off/arch.PageSize] = 1
		return off, nil
	}
	off := f.next
	if off+arch.PageSize > uint64(len(f.mapping)) {
		return 0, kerr.ENOMEM
	}
	if off+arch.PageSize > f.size {
		size := min(f.size+growChunk, uint64(len(f.mapping)))
		if err := unix.Ftruncate(f.fd, int64(size)); err != nil {
			return 0, kerr.ENOMEM
		}
		f.size = size
	}
	f.next += arch.PageSize
	f.allocated += arch.PageSize
	f.refs = append(f.refs, 1)
	return off, nil
}

// getPages adds one reference to each page of offs (all allocated).
func (f *MemoryFile) getPages(offs []uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, off := range offs {
		if f.refs[off/arch.PageSize] == 0 {
			panic(fmt.Sprintf("mm: reference to free page %#x", off))
		}
		f.refs[off/arch.PageSize]++
	}
}

// refCount returns how many references page off has (0: free).
func (f *MemoryFile) refCount(off uint64) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refs[off/arch.PageSize]
}

// putPages drops one reference to each page of offs (an offset may appear
// several times) and frees the pages left with none: they go back to the
// allocator and their memory to the host, contiguous offsets punched with
// one fallocate each.
func (f *MemoryFile) putPages(offs []uint64) {
	if len(offs) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.scratch[:0]
	for _, off := range offs {
		r := &f.refs[off/arch.PageSize]
		if *r == 0 {
			panic(fmt.Sprintf("mm: page %#x freed twice", off))
		}
		if *r--; *r == 0 {
			s = append(s, off)
		}
	}
	if len(s) == 0 {
		f.scratch = s
		return
	}
	slices.Sort(s)
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[j-1]+arch.PageSize {
			j++
		}
		start, length := s[i], uint64(j-i)*arch.PageSize
		// See fallocate(2): PUNCH_HOLE must go with KEEP_SIZE; the range
		// then reads as zeros and its memory goes back to the host.
		err := unix.Fallocate(f.fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE,
			int64(start), int64(length))
		if err != nil {
			// Keep the "free pages read as zero" invariant by hand.
			clear(f.mapping[start : start+length])
		}
		i = j
	}
	// The free list is a stack: push in descending order so that later
	// allocations pop ascending offsets, and pages touched in address
	// order get contiguous offsets that map in one platform call.
	for k := len(s) - 1; k >= 0; k-- {
		f.free = append(f.free, s[k])
	}
	f.allocated -= uint64(len(s)) * arch.PageSize
	f.scratch = s[:0]
}

// page returns the kernel's view of the page at file offset off.
func (f *MemoryFile) page(off uint64) []byte {
	return f.mapping[off : off+arch.PageSize : off+arch.PageSize]
}
