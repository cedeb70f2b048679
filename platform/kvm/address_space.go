package kvm

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/platform"
)

// addressSpace is a 4-level page table whose root (PML4) is loaded into
// CR3 by Switch. Slot 511 of the root is the kernel half, shared by every
// address space; slots 0..255 are the guest's. Table pages come from the
// arena; leaf entries hold memory file offsets, which are guest physical
// addresses.
//
// Intermediate tables live as long as the address space: removing one
// would change an upper-level entry, which shadow paging cannot see (see
// Platform.allocTable).
type addressSpace struct {
	p        *Platform
	mu       sync.Mutex
	pml4     uint64   // guest physical address: the CR3 value
	tables   []uint64 // every table page, for Release
	released atomic.Bool

	zaps []uint64 // scratch: file offsets of pages to zap, in pairs (off, len)
}

func newAddressSpace(p *Platform) (*addressSpace, error) {
	gpa, err := p.allocTable()
	if err != nil {
		return nil, err
	}
	as := &addressSpace{p: p, pml4: gpa, tables: []uint64{gpa}}
	p.arenaAt(gpa)[511] = arenaPageGPA(arenaKernelPDPT) | ptePresent | pteWrite | pteAccessed
	return as, nil
}

// pteFlags are the leaf bits for perms. x86 has no write-only or
// execute-only pages: any access implies read.
func pteFlags(perms platform.Perms) uint64 {
	f := uint64(ptePresent | pteUser | pteAccessed | pteDirty)
	if perms.Write {
		f |= pteWrite
	}
	if !perms.Exec {
		f |= pteNX
	}
	return f
}

// Map implements platform.AddressSpace.
func (as *addressSpace) Map(addr, length uintptr, fileOffset uint64, perms platform.Perms) error {
	if addr&pageMask != 0 || length&pageMask != 0 || fileOffset&pageMask != 0 || length == 0 {
		return fmt.Errorf("kvm: Map(%#x, %#x, %#x): not page aligned", addr, length, fileOffset)
	}
	if end := addr + length; end < addr || end > maxUserAddress {
		return fmt.Errorf("kvm: Map(%#x, %#x): beyond the user address space", addr, length)
	}
	if !perms.Any() {
		return as.Unmap(addr, length)
	}
	if err := as.p.ensure(fileOffset, uint64(length)); err != nil {
		return err
	}
	flags := pteFlags(perms)
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released.Load() {
		return errReleased
	}
	var pt []uint64
	for va := uint64(addr); va < uint64(addr+length); va += pageSize {
		i := int(va >> 12 & 511)
		if pt == nil || i == 0 {
			var err error
			if pt, err = as.leafTable(va); err != nil {
				return err
			}
		}
		off := fileOffset + (va - uint64(addr))
		old := atomic.SwapUint64(&pt[i], off|flags)
		// A translation the vCPUs may hold must go if it now says
		// more than the page table: another page, or fewer rights.
		// (New rights need nothing: the access faults, and KVM walks
		// the page table again.)
		if old&ptePresent != 0 && (old&pteAddr != off || old&pteWrite > flags&pteWrite ||
			old&pteNX < flags&pteNX) {
			as.noteZap(old & pteAddr)
		}
	}
	as.flushZaps()
	return nil
}

// leafTable returns the page table (level 1) that maps va, creating the
// missing levels.
func (as *addressSpace) leafTable(va uint64) ([]uint64, error) {
	t := as.p.arenaAt(as.pml4)
	for shift := 39; shift > 12; shift -= 9 {
		e := &t[va>>shift&511]
		if *e&ptePresent == 0 {
			gpa, err := as.p.allocTable()
			if err != nil {
				return nil, err
			}
			as.tables = append(as.tables, gpa)
			atomic.StoreUint64(e, gpa|ptePresent|pteWrite|pteUser|pteAccessed)
		}
		t = as.p.arenaAt(*e)
	}
	return t, nil
}

// Unmap implements platform.AddressSpace. It skips whole missing tables,
// so unmapping a huge range is cheap.
func (as *addressSpace) Unmap(addr, length uintptr) error {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released.Load() {
		return nil
	}
	end := uint64(addr) + uint64(length)
	if end > maxUserAddress {
		end = maxUserAddress
	}
	as.unmapRange(as.p.arenaAt(as.pml4), 39, uint64(addr)&^pageMask, end)
	as.flushZaps()
	return nil
}

// unmapRange clears the leaf entries for [start, end) under table t,
// which maps 512 slots of 1<<shift bytes.
func (as *addressSpace) unmapRange(t []uint64, shift uint, start, end uint64) {
	size := uint64(1) << shift
	for va := start; va < end; {
		next := (va + size) &^ (size - 1)
		e := &t[va>>shift&511]
		if *e&ptePresent != 0 {
			if shift == 12 {
				old := atomic.SwapUint64(e, 0)
				as.noteZap(old & pteAddr)
			} else {
				as.unmapRange(as.p.arenaAt(*e), shift-9, va, min(next, end))
			}
		}
		va = next
	}
}

// noteZap queues the page at file offset off for zap, merging runs.
func (as *addressSpace) noteZap(off uint64) {
	if n := len(as.zaps); n > 0 && as.zaps[n-2]+as.zaps[n-1] == off {
		as.zaps[n-1] += pageSize
		return
	}
	if len(as.zaps) >= 64 {
		as.flushZaps()
	}
	as.zaps = append(as.zaps, off, pageSize)
}

func (as *addressSpace) flushZaps() {
	for i := 0; i < len(as.zaps); i += 2 {
		as.p.zap(as.zaps[i], as.zaps[i+1])
	}
	as.zaps = as.zaps[:0]
}

// Release implements platform.AddressSpace. A Context that last ran in
// as loads another CR3 before it next runs.
func (as *addressSpace) Release() {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released.Swap(true) {
		return
	}
	for _, gpa := range as.tables {
		as.p.freeTable(gpa)
	}
	as.tables = nil
}
