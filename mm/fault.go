package mm

import (
	"fmt"
	"io"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// FaultCode says why a fault could not be served, for si_code.
type FaultCode int

const (
	faultNone   FaultCode = 0
	FaultMapErr FaultCode = 1 // no mapping at the address (SEGV_MAPERR)
	FaultAccErr FaultCode = 2 // mapped, but the access is not allowed (SEGV_ACCERR)
	FaultBusErr FaultCode = 3 // file mapping beyond end of file (SIGBUS, BUS_ADRERR)
)

// SegvError is returned by HandleFault for a fault the guest must be told about.
type SegvError struct {
	Addr uintptr
	Code FaultCode
}

func (e *SegvError) Error() string {
	switch e.Code {
	case FaultMapErr:
		return fmt.Sprintf("segmentation fault at %#x: not mapped", e.Addr)
	case FaultAccErr:
		return fmt.Sprintf("segmentation fault at %#x: access not permitted", e.Addr)
	case FaultBusErr:
		return fmt.Sprintf("bus error at %#x: beyond end of mapped file", e.Addr)
	}
	return "segmentation fault"
}

// access is what a fault or a copy needs from a page.
type access int

const (
	accessRead access = iota
	accessWrite
	accessExec
)

// allows reports whether perms permit a. On x86-64 any permission implies
// read (see mmap(2): "PROT_WRITE implies PROT_READ" on i386-like hardware),
// which is also Linux's test (vma_is_accessible).
func allows(perms platform.Perms, a access) bool {
	switch a {
	case accessWrite:
		return perms.Write
	case accessExec:
		return perms.Exec
	}
	return perms.Any()
}

// mapBatcher is an address space that can run a group of Maps and Unmaps
// as one: the ptrace platform, where each is otherwise a round trip to
// the stub, and a fault makes up to three (the page, and the runs of
// fault-around whose memory-file pages are not contiguous). Calls between
// BeginMapBatch and EndMapBatch may take effect only at EndMapBatch, which
// returns the error of the first that failed.
type mapBatcher interface {
	BeginMapBatch()
	EndMapBatch() error
}

// HandleFault serves a guest page fault: it backs the page, or grows a
// stack, or says which signal the guest gets (*SegvError). Any other error
// (kerr.ENOMEM, a platform failure) is the kernel's problem, not the
// guest's.
func (m *MM) HandleFault(ev platform.Event) (err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.as.(mapBatcher); ok {
		// Runs before the unlock: the stub gets its mappings while the
		// page table still says what they are.
		b.BeginMapBatch()
		defer func() {
			if berr := b.EndMapBatch(); berr != nil && err == nil {
				err = fmt.Errorf("mm: fault at %#x: %w", ev.Addr, berr)
			}
		}()
	}

	i, ok := m.vmas.find(ev.Addr)
	if !ok {
		if i, ok = m.growStack(ev.Addr); !ok {
			return &SegvError{Addr: ev.Addr, Code: FaultMapErr}
		}
	}
	v := &m.vmas[i]
	if !v.perms.Any() {
		return &SegvError{Addr: ev.Addr, Code: FaultAccErr}
	}
	if ev.AccessKnown {
		a := accessRead
		if ev.Write {
			a = accessWrite
		} else if ev.Fetch {
			a = accessExec
		}
		if !allows(v.perms, a) {
			return &SegvError{Addr: ev.Addr, Code: FaultAccErr}
		}
	}

	va := arch.PageRoundDown(ev.Addr)
	p, backed := m.pt.pages[va]
	if !backed {
		_, code, err := m.populate(v, va)
		if code != faultNone {
			return &SegvError{Addr: ev.Addr, Code: code}
		}
		if err == nil {
			m.faultAround(v, va) // faultaround.go
		}
		return err
	}
	want := v.perms
	if want.Write && m.cowShared(v, p.off) {
		// fork shared this private page, so it is mapped without Write.
		// It is mapped readable, so a fault on it is a write (or a fetch,
		// which faults again once the page is writable): ptrace cannot
		// say which (ev.AccessKnown is false). Only a known read just
		// gets the page read-only.
		if !ev.AccessKnown || ev.Write {
			_, err := m.breakCoW(v, va, p)
			return err
		}
		want.Write = false
	}
	if p.mapped != want {
		// The page is mapped with less than it may have: its other
		// sharers broke away since fork, or a read fault needs it back.
		p.mapped = want
		if err := m.as.Map(va, arch.PageSize, p.off, p.mapped); err != nil {
			return fmt.Errorf("mm: remapping page %#x: %w", va, err)
		}
		m.pt.pages[va] = p
		return nil
	}
	if !ev.Present {
		// Another thread backed the page between this fault and now.
		return nil
	}
	// The page already has everything its VMA allows and still faulted:
	// the access itself is forbidden (a write to a read-only VMA, an
	// instruction fetch from a non-executable one).
	return &SegvError{Addr: ev.Addr, Code: FaultAccErr}
}

// populate backs page va of v and maps it in the platform: with a fresh
// page of the memory file (zeroed, or filled from v's file) for a private
// VMA, with the shared object's page for a shared one, and with the page
// cache's page for a cached file (read-only in a private VMA, which
// copies it on the first write; see cow.go). A guest-visible failure
// comes back as a FaultCode; kerr.ENOMEM or a platform error as err.
func (m *MM) populate(v *vma, va uintptr) (pte, FaultCode, error) {
	var off uint64
	mapped := v.perms
	switch {
	case v.cache != nil:
		var code FaultCode
		var err error
		if off, code, err = v.cache.page(v.fileOffset(va)); code != faultNone || err != nil {
			return pte{}, code, err
		}
		if !v.shared {
			mapped.Write = false
		}
	case v.obj != nil:
		var code FaultCode
		var err error
		if off, code, err = v.obj.page(m.mf, v.fileOffset(va)); code != faultNone || err != nil {
			return pte{}, code, err
		}
	default:
		var err error
		if off, err = m.mf.allocPage(); err != nil {
			return pte{}, faultNone, err
		}
		if v.file != nil {
			if code := fillFromFile(m.mf.page(off), v.file, v.fileOffset(va)); code != faultNone {
				m.mf.putPages([]uint64{off})
				return pte{}, code, nil
			}
		}
	}
	p := pte{off: off, mapped: mapped}
	if err := m.as.Map(va, arch.PageSize, off, p.mapped); err != nil {
		m.mf.putPages([]uint64{off})
		return pte{}, faultNone, fmt.Errorf("mm: mapping page %#x: %w", va, err)
	}
	m.pt.pages[va] = p
	return p, faultNone, nil
}

// fillFromFile reads the file page at fileOff into page (already zero).
// A page wholly beyond end of file is a bus error, as in mmap(2): "Use of
// a mapped region can result in ... SIGBUS: Attempted access to a page of
// the buffer that lies beyond the end of the mapped file." A read error
// is a bus error too, as Linux reports I/O errors on a fault.
func fillFromFile(page []byte, f Mappable, fileOff uint64) FaultCode {
	if fileOff > 1<<63-1-arch.PageSize {
		return FaultBusErr
	}
	done := 0
	for done < len(page) {
		n, err := f.ReadAt(page[done:], int64(fileOff)+int64(done))
		done += n
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return FaultBusErr
		}
	}
	if done == 0 {
		return FaultBusErr
	}
	return faultNone
}

// growStack extends a GrowsDown VMA down to cover addr if addr lies below
// it within the stack limit, keeping the guard gap to the VMA beneath.
// Like Linux since 4.x, any access below the stack may grow it: there is
// no check against the stack pointer.
func (m *MM) growStack(addr uintptr) (int, bool) {
	i := m.vmas.after(addr)
	if i == len(m.vmas) {
		return 0, false
	}
	v := &m.vmas[i]
	if !v.growsDown || v.start <= addr {
		return 0, false
	}
	newStart := arch.PageRoundDown(addr)
	if newStart < mmapMin || v.end-newStart > m.stackLimit {
		return 0, false
	}
	if i > 0 {
		// Only an accessible neighbour keeps the stack at a distance
		// (Linux: a PROT_NONE guard mapping may sit right below a stack).
		if prev := &m.vmas[i-1]; prev.perms.Any() && newStart-prev.end < stackGuardGap {
			return 0, false
		}
	}
	grow := v.start - newStart
	if (v.file != nil || v.obj != nil) && v.offset < uint64(grow) {
		return 0, false
	}
	v.offset -= uint64(grow)
	v.start = newStart
	return i, true
}

// pageFor returns the memory-file offset backing the page at va (page
// aligned) for a kernel access a, faulting it in exactly as a guest access
// would. *hint caches the VMA index between consecutive pages. Guest-visible
// failures are kerr.EFAULT.
func (m *MM) pageFor(va uintptr, a access, hint *int) (uint64, error) {
	i := *hint
	if i < 0 || i >= len(m.vmas) || va < m.vmas[i].start || va >= m.vmas[i].end {
		var ok bool
		if i, ok = m.vmas.find(va); !ok {
			if i, ok = m.growStack(va); !ok {
				return 0, kerr.EFAULT
			}
		}
		*hint = i
	}
	v := &m.vmas[i]
	if !allows(v.perms, a) {
		return 0, kerr.EFAULT
	}
	p, backed := m.pt.pages[va]
	if !backed {
		var code FaultCode
		var err error
		if p, code, err = m.populate(v, va); code != faultNone {
			return 0, kerr.EFAULT
		} else if err != nil {
			return 0, err
		}
	}
	if a == accessWrite && !p.mapped.Write && m.cowShared(v, p.off) {
		// The kernel writes (read(2) into a buffer) exactly as the guest
		// would: never into a page that fork shared.
		var err error
		if p, err = m.breakCoW(v, va, p); err != nil {
			return 0, err
		}
	}
	return p.off, nil
}
