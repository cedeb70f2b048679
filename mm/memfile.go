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
	scratch   []uint64 // sorted copy used by freePages
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

// Allocated returns how many bytes of guest memory are in use.
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
	return off, nil
}

// freePages returns pages to the allocator and their memory to the host.
// Contiguous offsets are punched with one fallocate each.
func (f *MemoryFile) freePages(offs []uint64) {
	if len(offs) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := append(f.scratch[:0], offs...)
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
	f.free = append(f.free, s...)
	f.allocated -= uint64(len(s)) * arch.PageSize
	f.scratch = s[:0]
}

// page returns the kernel's view of the page at file offset off.
func (f *MemoryFile) page(off uint64) []byte {
	return f.mapping[off : off+arch.PageSize : off+arch.PageSize]
}
