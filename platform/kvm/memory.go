package kvm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Page-table entry bits (Intel SDM vol. 3A, 4.5).
const (
	ptePresent  = 1 << 0
	pteWrite    = 1 << 1
	pteUser     = 1 << 2
	pteAccessed = 1 << 5
	pteDirty    = 1 << 6
	pteNX       = 1 << 63
	pteAddr     = 0x000f_ffff_ffff_f000
)

// Arena layout, in pages from its start. Page-table pages are handed out
// from arenaFirstFree up.
const (
	arenaKernelPDPT = 0
	arenaKernelPD   = 1
	arenaKernelPT   = 2
	arenaCode       = 3
	arenaIDT        = 4
	arenaVCPU0      = 5 // 2 pages per vCPU: GDT+TSS, stack
	arenaFirstFree  = arenaVCPU0 + 2*maxVCPUs
)

// initMemory maps the memory file and the arena and registers the arena,
// whose fixed part (kernel page tables, trampoline, IDT) it fills in. The
// memory file's chunks are registered as Map first needs them (ensure).
func (p *Platform) initMemory(memFD int) error {
	want := uint64(windowMax)
	var err error
	for {
		p.window, err = unix.Mmap(memFD, 0, int(want), unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_SHARED|unix.MAP_NORESERVE)
		if err == nil || want <= 1<<30 {
			break
		}
		want /= 2
	}
	if err != nil {
		return fmt.Errorf("kvm: mapping the memory file: %w", err)
	}
	// One slot per chunk; KVM's per-slot bookkeeping (on shadow paging,
	// 8 bytes per page) is paid only for chunks in use. Make the chunks
	// big enough for the slots KVM allows.
	slots := uint64(p.check(capNrMemslots))
	if slots < 32 {
		slots = 32
	}
	p.chunkSize = 1 << 30
	for uint64(len(p.window))/p.chunkSize > slots-2 {
		p.chunkSize *= 2
	}

	p.arena, err = unix.Mmap(-1, 0, arenaSize, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("kvm: mapping the arena: %w", err)
	}
	p.arenaNext = arenaFirstFree * pageSize
	r := kvmUserspaceMemoryRegion{Slot: arenaSlot, GuestPhysAddr: arenaGPA,
		MemorySize: arenaSize, UserAddr: uint64(addrOf(p.arena))}
	if e := setMemoryRegion(p.vmFD, &r); e != 0 {
		return fmt.Errorf("%w: KVM_SET_USER_MEMORY_REGION (arena at %#x): %v", ErrUnavailable, uint64(arenaGPA), e)
	}

	// The kernel half: PDPT → PD → PT → the trampoline's pages.
	table := func(i int) []uint64 { return u64s(p.arenaPage(i)) }
	table(arenaKernelPDPT)[0] = arenaPageGPA(arenaKernelPD) | ptePresent | pteWrite | pteAccessed
	table(arenaKernelPD)[0] = arenaPageGPA(arenaKernelPT) | ptePresent | pteWrite | pteAccessed
	p.kpt = table(arenaKernelPT)
	p.code = p.arenaPage(arenaCode)
	copy(p.code, trampolineCode())
	p.kpt[0] = arenaPageGPA(arenaCode) | ptePresent | pteAccessed
	idtWords := u64s(p.arenaPage(arenaIDT))
	copy(idtWords, idt())
	p.kpt[1] = arenaPageGPA(arenaIDT) | ptePresent | pteAccessed | pteNX
	return nil
}

func arenaPageGPA(i int) uint64 { return arenaGPA + uint64(i)*pageSize }

func (p *Platform) arenaPage(i int) []byte {
	return p.arena[i*pageSize : (i+1)*pageSize : (i+1)*pageSize]
}

// arenaAt returns the arena page at guest physical address gpa.
func (p *Platform) arenaAt(gpa uint64) []uint64 {
	off := gpa&pteAddr - arenaGPA
	return u64s(p.arena[off : off+pageSize : off+pageSize])
}

// allocTable hands out a zeroed page-table page and returns its guest
// physical address.
//
// Arena pages are never reused for another table, because on shadow
// paging (PVM, or KVM without EPT/NPT) KVM keeps a shadow of every guest
// page table it has walked, keyed by its guest physical address, and
// trusts it as long as the guest does not write to it; it cannot see our
// writes from the host. A recycled page could thus bring back stale
// translations of a dead address space. freeTable gives the memory back
// to the host instead.
func (p *Platform) allocTable() (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.arenaNext+pageSize > arenaSize {
		return 0, fmt.Errorf("kvm: page-table arena exhausted (%d MiB)", arenaSize>>20)
	}
	gpa := arenaGPA + p.arenaNext
	p.arenaNext += pageSize
	return gpa, nil
}

// freeTable returns a page-table page's memory to the host. Its address
// is not reused (see allocTable).
func (p *Platform) freeTable(gpa uint64) {
	off := gpa - arenaGPA
	unix.Madvise(p.arena[off:off+pageSize], unix.MADV_DONTNEED)
}

// ensure registers the chunks of the memory file that [off, off+length)
// touches with KVM.
func (p *Platform) ensure(off, length uint64) error {
	end := off + length
	if end <= p.registered.Load() {
		return nil
	}
	if end > uint64(len(p.window)) {
		return fmt.Errorf("kvm: memory file offset %#x beyond the %d GiB the platform maps", end, len(p.window)>>30)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for reg := p.registered.Load(); reg < end; reg += p.chunkSize {
		size := min(p.chunkSize, uint64(len(p.window))-reg)
		r := kvmUserspaceMemoryRegion{Slot: uint32(1 + reg/p.chunkSize), GuestPhysAddr: reg,
			MemorySize: size, UserAddr: uint64(addrOf(p.window)) + reg}
		if e := setMemoryRegion(p.vmFD, &r); e != 0 {
			return fmt.Errorf("kvm: KVM_SET_USER_MEMORY_REGION slot %d (%#x+%#x): %v", r.Slot, reg, size, e)
		}
		p.registered.Store(reg + size)
	}
	return nil
}

// zap makes every vCPU forget its translations to the memory file pages
// [off, off+length): MADV_DONTNEED on the platform's own mapping of them
// (which keeps the file's data) runs KVM's MMU notifier, which drops the
// shadow or nested page-table entries for those pages and flushes every
// vCPU's TLB. The next guest access walks our page tables afresh. This is
// the TLB shootdown for Unmap and for Map over a present page.
func (p *Platform) zap(off, length uint64) {
	unix.Madvise(p.window[off:off+length], unix.MADV_DONTNEED)
}
