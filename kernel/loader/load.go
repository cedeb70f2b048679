package loader

import (
	"fmt"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// DefaultDynBase is where a PIE goes when nothing else is asked for: the
// base Linux x86-64 uses without address randomization (ELF_ET_DYN_BASE,
// two thirds of the 47-bit user space, page aligned), so addresses match
// what the program would show natively under setarch -R.
const DefaultDynBase = 0x555555554000

// Mapper is the part of an address space the loader needs. *mm.MM
// satisfies it; tests use a recording fake.
type Mapper interface {
	Mmap(mm.MmapOpts) (uintptr, error)
	// ZeroOut clears guest memory as the kernel, faulting pages in.
	ZeroOut(addr, n uintptr) error
}

// LoadInfo is where an image ended up.
type LoadInfo struct {
	Bias  uintptr // added to every p_vaddr (0 for ET_EXEC)
	Base  uintptr // lowest mapped address: AT_BASE when this is the interpreter
	Entry uintptr // e_entry + Bias
	Phdr  uintptr // PhdrVaddr + Bias, for AT_PHDR; 0 if unknown
	// End is the first address after the highest segment's memory image.
	// Linux starts the heap at End rounded up to a page (mm->start_brk).
	End uintptr
}

// Load maps img's PT_LOAD segments into m, each displaced by bias, which
// must be 0 for ET_EXEC and page aligned for ET_DYN. name is what
// /proc/pid/maps shows for the file-backed parts.
//
// Each segment is mapped as binfmt_elf maps it: the file pages covering
// [p_vaddr, p_vaddr+p_filesz) privately with the segment's permissions;
// if p_memsz > p_filesz, the rest of the last file page is zeroed (it may
// hold unrelated bytes of the file) and whole pages up to p_vaddr+p_memsz
// are anonymous. When two segments share a page the later mapping wins,
// as with MAP_FIXED on Linux.
func Load(m Mapper, img *Image, file mm.Mappable, name string, bias uintptr) (LoadInfo, error) {
	if len(img.Segments) == 0 {
		return LoadInfo{}, formatErr("no PT_LOAD segment")
	}
	if img.Type == ET_EXEC && bias != 0 {
		return LoadInfo{}, fmt.Errorf("loader: ET_EXEC image loaded with bias %#x: %w", bias, kerr.EINVAL)
	}
	if bias%pageSize != 0 {
		return LoadInfo{}, fmt.Errorf("loader: bias %#x not page aligned: %w", bias, kerr.EINVAL)
	}
	// The bias may be "negative" (an ET_DYN linked above where it is put):
	// addresses are computed modulo 2^64, and only the result is checked.
	first, last := img.Segments[0], img.Segments[len(img.Segments)-1]
	lo := bias + pageDown(uintptr(first.Vaddr))
	span := uintptr(last.End()) - pageDown(uintptr(first.Vaddr))
	if lo >= userTop || span > userTop-lo {
		return LoadInfo{}, fmt.Errorf("loader: image [%#x, %#x) with bias %#x is outside the user address space: %w", first.Vaddr, last.End(), bias, kerr.ENOMEM)
	}
	info := LoadInfo{
		Bias:  bias,
		Base:  lo,
		Entry: bias + uintptr(img.Entry),
		End:   bias + uintptr(last.End()),
	}
	if img.PhdrVaddr != 0 {
		info.Phdr = bias + uintptr(img.PhdrVaddr)
	}
	for i, s := range img.Segments {
		if err := loadSegment(m, s, file, name, bias); err != nil {
			return LoadInfo{}, fmt.Errorf("loader: PT_LOAD %d [%#x, %#x): %w", i, bias+uintptr(s.Vaddr), bias+uintptr(s.End()), err)
		}
	}
	return info, nil
}

// LoadAnywhere loads an ET_DYN image where the address space has room, as
// Linux places an interpreter (or a static PIE): it first reserves the
// image's whole span with an inaccessible anonymous mapping, so segments
// land at their relative distances, then maps the segments over it. The
// gaps between segments stay reserved and inaccessible.
func LoadAnywhere(m Mapper, img *Image, file mm.Mappable, name string) (LoadInfo, error) {
	if img.Type != ET_DYN {
		return LoadInfo{}, fmt.Errorf("loader: only ET_DYN images can be placed anywhere (e_type %d): %w", img.Type, kerr.EINVAL)
	}
	if len(img.Segments) == 0 {
		return LoadInfo{}, formatErr("no PT_LOAD segment")
	}
	first := pageDown(uintptr(img.Segments[0].Vaddr))
	span := pageUp(uintptr(img.Segments[len(img.Segments)-1].End())) - first
	if span == 0 {
		return LoadInfo{}, formatErr("image has no memory size")
	}
	addr, err := m.Mmap(mm.MmapOpts{Length: span, Name: name})
	if err != nil {
		return LoadInfo{}, fmt.Errorf("loader: reserving %#x bytes for %s: %w", span, name, err)
	}
	return Load(m, img, file, name, addr-first)
}

func loadSegment(m Mapper, s Segment, file mm.Mappable, name string, bias uintptr) error {
	if s.Memsz == 0 {
		return nil // binfmt_elf maps nothing for an empty segment
	}
	start := bias + uintptr(s.Vaddr)
	fileEnd := start + uintptr(s.Filesz) // end of the bytes backed by the file
	memEnd := start + uintptr(s.Memsz)
	mapStart := pageDown(start)

	if s.Filesz > 0 {
		_, err := m.Mmap(mm.MmapOpts{
			Addr:   mapStart,
			Length: pageUp(fileEnd) - mapStart,
			Perms:  s.Perms,
			Fixed:  true,
			File:   file,
			Offset: s.Offset - (s.Offset % pageSize),
			Name:   name,
		})
		if err != nil {
			return fmt.Errorf("mapping file: %w", err)
		}
	}
	if s.Memsz == s.Filesz {
		return nil
	}
	// bss. The page holding the last file byte also holds whatever the
	// file has after it; those bytes must read as zero.
	anonStart := pageUp(fileEnd)
	if s.Filesz > 0 && fileEnd%pageSize != 0 {
		// Like binfmt_elf (elf_load), a failure to zero is fatal only
		// for a writable segment: a read-only one with p_memsz >
		// p_filesz keeps the file's bytes there.
		if err := m.ZeroOut(fileEnd, anonStart-fileEnd); err != nil && s.Perms.Write {
			return fmt.Errorf("zeroing bss tail [%#x, %#x): %w", fileEnd, anonStart, err)
		}
	}
	if anonEnd := pageUp(memEnd); anonEnd > anonStart {
		_, err := m.Mmap(mm.MmapOpts{
			Addr:   anonStart,
			Length: anonEnd - anonStart,
			Perms:  s.Perms,
			Fixed:  true,
		})
		if err != nil {
			return fmt.Errorf("mapping bss: %w", err)
		}
	}
	return nil
}

func pageDown(x uintptr) uintptr { return x &^ (pageSize - 1) }
func pageUp(x uintptr) uintptr   { return (x + pageSize - 1) &^ (pageSize - 1) }

// String describes the segment for traces and test failures.
func (s Segment) String() string {
	return fmt.Sprintf("[%#x, %#x) file %#x+%#x %s", s.Vaddr, s.End(), s.Offset, s.Filesz, s.Perms)
}
