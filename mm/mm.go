// Package mm owns guest address spaces: the VMAs a program asked for, the
// pages of the memory file that back them now, and the faults that fill them.
//
// An MM has two layers, as in any Unix:
//
//   - VMAs (vma.go): what the program asked for with mmap, brk and the
//     loader — address ranges with permissions and an optional file.
//     Nothing is allocated when a VMA is created.
//   - the page table (pagetable.go): which virtual pages are backed right
//     now, by which page of the MemoryFile, and with which permissions the
//     page is mapped in the platform's AddressSpace. The platform only ever
//     mirrors this layer.
//
// Pages are backed on first touch, by a guest fault (HandleFault) or by a
// kernel copy (CopyIn/CopyOut), through the same code path, so the kernel
// sees exactly the memory the guest would.
//
// fork (fork.go) copies the VMAs and shares every private page
// copy-on-write (cow.go): memory-file pages are reference counted, and a
// page is copied only when one side writes it. MAP_SHARED mappings of
// anonymous memory get a shared object (shared.go) whose pages every
// mapping of it, in parent and children, reads and writes in place. Files
// of the memory file systems keep their data in a page cache
// (pagecache.go) whose pages every mapping of the file maps, so mappings
// from separate mmap calls, in any process, and read(2)/write(2) see each
// other's changes, as on Linux.
//
// Lock order: MM.mu, then sharedObject.mu or PageCache.mu, then a
// Mappable's own locks (file pages are read with MM.mu held), then
// MemoryFile.mu. A cached file's own lock comes before PageCache.mu;
// truncating such a file only tries MM locks (see PageCache.Truncate). An
// MM never holds another MM's lock: fork takes only the
// parent's, as the child is not yet visible to anyone. Platform
// AddressSpace calls are made with MM.mu held. Every thread of a process
// shares one MM and so one MM.mu.
package mm

import (
	"sync"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

const (
	// mmapMin is the lowest address a mapping may take, as Linux's
	// vm.mmap_min_addr default: it keeps NULL-pointer accesses faulting.
	mmapMin = 0x10000
	// mmapGap is the room left below top for the stack before the
	// top-down mmap area starts.
	mmapGap = 128 << 20
	// stackGuardGap is the hole kept below a stack VMA, as Linux's
	// stack_guard_gap (256 pages): neither stack growth nor a new
	// mapping may come closer.
	stackGuardGap = 256 * arch.PageSize
	// defaultStackLimit is RLIMIT_STACK's usual soft value.
	defaultStackLimit = 8 << 20
)

// MM is one guest address space.
type MM struct {
	mf  *MemoryFile
	as  platform.AddressSpace
	top uintptr // first address the guest may not use

	mu         sync.Mutex
	vmas       vmaList
	pt         pageTable
	brkStart   uintptr // first byte of the heap (page aligned)
	brk        uintptr // current program break, as brk(2) reports it
	stackLimit uintptr
	released   bool
}

// New creates an empty address space whose pages come from mf and whose
// mappings are mirrored into as. top is the platform's MaxUserAddress.
func New(mf *MemoryFile, as platform.AddressSpace, top uintptr) *MM {
	return &MM{
		mf:         mf,
		as:         as,
		top:        arch.PageRoundDown(top),
		pt:         newPageTable(),
		stackLimit: defaultStackLimit,
	}
}

// AddressSpace is the platform address space this MM mirrors into.
func (m *MM) AddressSpace() platform.AddressSpace { return m.as }

// SetStackLimit sets how far a GrowsDown VMA may grow, measured from its
// top (RLIMIT_STACK).
func (m *MM) SetStackLimit(bytes uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stackLimit = uintptr(bytes)
}

// mmapBase is where the top-down search for free address space starts.
func (m *MM) mmapBase() uintptr {
	if m.top < mmapMin+mmapGap {
		return m.top
	}
	return m.top - mmapGap
}

// VMAInfo is one line of /proc/pid/maps.
type VMAInfo struct {
	Start, End uintptr
	Perms      platform.Perms
	Shared     bool
	Offset     uint64
	Name       string
	Resident   int // pages currently backed
}

// Maps describes every VMA, sorted by address.
func (m *MM) Maps() []VMAInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]VMAInfo, len(m.vmas))
	for i, v := range m.vmas {
		out[i] = VMAInfo{Start: v.start, End: v.end, Perms: v.perms, Shared: v.shared,
			Offset: v.offset, Name: v.name}
	}
	for va := range m.pt.pages {
		if i, ok := m.vmas.find(va); ok {
			out[i].Resident++
		}
	}
	return out
}

// ResidentPages is how many pages this MM has backed right now (the RSS of
// /proc/pid/statm, in pages). Pages shared with other MMs count in each.
func (m *MM) ResidentPages() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pt.pages)
}

// Release drops every page and VMA (freeing the pages no other MM or
// shared mapping still holds) and releases the platform address space.
// The MM must not be used afterwards.
func (m *MM) Release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return
	}
	m.released = true
	m.dropAll()
	m.as.Release()
}

// dropAll forgets every page and VMA, dropping their references.
func (m *MM) dropAll() {
	offs := make([]uint64, 0, len(m.pt.pages))
	for _, p := range m.pt.pages {
		offs = append(offs, p.off)
	}
	m.mf.putPages(offs)
	m.pt = newPageTable()
	for i := range m.vmas {
		if c := m.vmas[i].cache; c != nil {
			c.forget(m)
		}
	}
	m.vmas.remove(0, len(m.vmas), m.mf)
	m.vmas = nil
}
