// Package loader turns an executable file into guest mappings. It owns the
// reading of ELF: the file header and program headers of an x86-64 ELF
// executable, checked as carefully as binfmt_elf checks them, and the
// placing of its PT_LOAD segments into an address space. Building the
// initial stack and auxv is a personality's job; this package only reports
// what they need (entry, program header address, interpreter, bias).
//
// The bytes come from the guest, so the parser treats them as hostile: it
// never panics, never allocates more than a few tens of KiB whatever the
// headers claim, and rejects anything it cannot load with a *FormatError
// (which errors.Is matches against kerr.ENOEXEC). See elf(5).
package loader

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// ELF constants used here, from elf(5) and the System V x86-64 psABI.
const (
	elfHeaderSize = 64 // sizeof(Elf64_Ehdr)
	phdrSize      = 56 // sizeof(Elf64_Phdr)

	elfClass64  = 2  // EI_CLASS: ELFCLASS64
	elfDataLSB  = 1  // EI_DATA: ELFDATA2LSB
	emX86_64    = 62 // e_machine: EM_X86_64
	ET_EXEC     = 2  // e_type: executable at a fixed address
	ET_DYN      = 3  // e_type: position-independent (PIE, ld.so)
	ptLoad      = 1
	ptInterp    = 3
	ptNote      = 4
	ptPhdr      = 6
	ptGNUStack  = 0x6474e551
	pfX         = 1
	pfW         = 2
	pfR         = 4
	pageSize    = 4096
	userTop     = 1 << 47 // first non-canonical user address with 4-level paging
	pathMax     = 4096    // PATH_MAX, limits PT_INTERP as binfmt_elf does
	maxPhdrSize = 65536   // binfmt_elf refuses program header tables larger than this
)

// Bounds on what notes may cost us: notes are informational (ABI tags,
// build ids, GNU properties), so past these bounds they are ignored rather
// than refused.
const (
	maxNoteBytes = 64 << 10 // total bytes of PT_NOTE segments read
	maxNotes     = 64
)

// FormatError says why a file is not an executable we can load. It wraps
// kerr.ENOEXEC so that errors.Is(err, kerr.ENOEXEC) holds and errors.As into
// a kerr.Error yields ENOEXEC for the syscall layer.
type FormatError struct {
	Reason string
}

func (e *FormatError) Error() string { return "exec format error: " + e.Reason }

// Unwrap makes the error match kerr.ENOEXEC.
func (e *FormatError) Unwrap() error { return kerr.ENOEXEC }

func formatErr(format string, args ...any) error {
	return &FormatError{Reason: fmt.Sprintf(format, args...)}
}

// Segment is one PT_LOAD program header.
type Segment struct {
	Vaddr, Memsz, Filesz, Offset uint64
	Perms                        platform.Perms
	Align                        uint64
}

// End is the first address after the segment in memory.
func (s Segment) End() uint64 { return s.Vaddr + s.Memsz }

// Note is one entry of a PT_NOTE segment (e.g. Name "GNU", Type 1 is the
// NT_GNU_ABI_TAG a personality may match on).
type Note struct {
	Name string
	Type uint32
	Desc []byte
}

// Image is what the loader and a personality need to know about an ELF
// executable, taken from its file header and program headers.
type Image struct {
	Type  uint16 // ET_EXEC or ET_DYN
	Entry uint64 // e_entry, before the load bias
	OSABI uint8  // e_ident[EI_OSABI]

	Phoff     uint64 // e_phoff
	Phentsize uint16 // always 56 once parsed
	Phnum     uint16

	// Segments are the PT_LOAD headers, in file order, which Parse has
	// checked is ascending and non-overlapping in vaddr.
	Segments []Segment

	// Interp is the PT_INTERP path (the dynamic linker), "" for a static
	// executable. As binfmt_elf does, only the first PT_INTERP counts.
	Interp string

	// ExecStack reports a PT_GNU_STACK header with PF_X. With no
	// PT_GNU_STACK at all, Linux x86-64 since 5.8 gives a non-executable
	// stack (READ_IMPLIES_EXEC is no longer implied for 64-bit programs;
	// see arch/x86/include/asm/elf.h, elf_read_implies_exec), so absence
	// reads as false here. HasGNUStack tells the two cases apart.
	ExecStack   bool
	HasGNUStack bool

	// Notes are the entries of the PT_NOTE segments, bounded in number
	// and size; malformed or excess notes are dropped, not refused.
	Notes []Note

	// PhdrVaddr is where the program headers are in memory before the
	// bias (for AT_PHDR): PT_PHDR's p_vaddr, else computed from the
	// PT_LOAD that covers e_phoff in the file; 0 if neither exists.
	PhdrVaddr uint64
}

// Parse reads and checks the ELF executable in r, of size bytes.
//
// Errors from r other than a short read are returned as they are (an I/O
// error is not a format error); everything wrong with the content is a
// *FormatError.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	if size < 0 {
		return nil, formatErr("negative file size %d", size)
	}
	var eh [elfHeaderSize]byte
	n, err := readFull(r, eh[:], 0, size)
	if err != nil {
		return nil, err
	}
	if n < 4 || eh[0] != 0x7f || eh[1] != 'E' || eh[2] != 'L' || eh[3] != 'F' {
		return nil, formatErr("not an ELF file (bad magic)")
	}
	if n < 6 {
		return nil, formatErr("truncated ELF header (%d bytes)", n)
	}
	if eh[4] != elfClass64 {
		return nil, formatErr("not a 64-bit ELF file (EI_CLASS %d)", eh[4])
	}
	if eh[5] != elfDataLSB {
		return nil, formatErr("not a little-endian ELF file (EI_DATA %d)", eh[5])
	}
	if n < elfHeaderSize {
		return nil, formatErr("truncated ELF header (%d of %d bytes)", n, elfHeaderSize)
	}
	le := binary.LittleEndian
	img := &Image{
		Type:      le.Uint16(eh[16:]),
		OSABI:     eh[7],
		Entry:     le.Uint64(eh[24:]),
		Phoff:     le.Uint64(eh[32:]),
		Phentsize: le.Uint16(eh[54:]),
		Phnum:     le.Uint16(eh[56:]),
	}
	if m := le.Uint16(eh[18:]); m != emX86_64 {
		return nil, formatErr("not an x86-64 ELF file (e_machine %d)", m)
	}
	if img.Type != ET_EXEC && img.Type != ET_DYN {
		return nil, formatErr("not an executable (e_type %d; want ET_EXEC or ET_DYN)", img.Type)
	}
	if img.Phentsize != phdrSize {
		return nil, formatErr("e_phentsize is %d, want %d", img.Phentsize, phdrSize)
	}
	if img.Phnum == 0 {
		return nil, formatErr("no program headers")
	}
	tableSize := uint64(img.Phnum) * phdrSize
	if tableSize > maxPhdrSize {
		return nil, formatErr("too many program headers (%d; at most %d)", img.Phnum, maxPhdrSize/phdrSize)
	}
	if img.Phoff > uint64(size) || tableSize > uint64(size)-img.Phoff {
		return nil, formatErr("program headers [%#x, +%#x) extend beyond the file (%d bytes)", img.Phoff, tableSize, size)
	}
	table := make([]byte, tableSize)
	if n, err := readFull(r, table, int64(img.Phoff), size); err != nil {
		return nil, err
	} else if uint64(n) < tableSize {
		return nil, formatErr("truncated program headers")
	}

	var notes []progHeader
	var phdrFound bool
	for i := 0; i < int(img.Phnum); i++ {
		ph := decodePhdr(table[i*phdrSize:])
		switch ph.typ {
		case ptLoad:
			seg, err := checkLoad(i, ph, uint64(size))
			if err != nil {
				return nil, err
			}
			if k := len(img.Segments); k > 0 {
				prev := img.Segments[k-1]
				if seg.Vaddr < prev.Vaddr {
					return nil, formatErr("PT_LOAD %d at %#x is below the previous one at %#x (must be sorted by p_vaddr)", i, seg.Vaddr, prev.Vaddr)
				}
				if seg.Vaddr < prev.End() {
					return nil, formatErr("PT_LOAD %d at %#x overlaps the previous one [%#x, %#x)", i, seg.Vaddr, prev.Vaddr, prev.End())
				}
			}
			img.Segments = append(img.Segments, seg)
		case ptInterp:
			if img.Interp != "" {
				continue
			}
			interp, err := readInterp(r, ph, size)
			if err != nil {
				return nil, err
			}
			img.Interp = interp
		case ptGNUStack:
			img.HasGNUStack = true
			img.ExecStack = ph.flags&pfX != 0
		case ptPhdr:
			if !phdrFound {
				phdrFound = true
				img.PhdrVaddr = ph.vaddr
			}
		case ptNote:
			notes = append(notes, ph)
		}
	}
	if len(img.Segments) == 0 {
		return nil, formatErr("no PT_LOAD segment")
	}
	if !phdrFound {
		img.PhdrVaddr = phdrFromLoads(img.Segments, img.Phoff, tableSize)
	}
	img.Notes, err = readNotes(r, notes, size)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// progHeader is a decoded Elf64_Phdr.
type progHeader struct {
	typ, flags           uint32
	offset, vaddr        uint64
	filesz, memsz, align uint64
}

func decodePhdr(b []byte) progHeader {
	le := binary.LittleEndian
	return progHeader{
		typ:    le.Uint32(b[0:]),
		flags:  le.Uint32(b[4:]),
		offset: le.Uint64(b[8:]),
		vaddr:  le.Uint64(b[16:]),
		// b[24:32] is p_paddr, which nothing on Linux uses.
		filesz: le.Uint64(b[32:]),
		memsz:  le.Uint64(b[40:]),
		align:  le.Uint64(b[48:]),
	}
}

// checkLoad validates one PT_LOAD so that mapping it cannot overflow or
// reach past the user half of the address space.
func checkLoad(i int, ph progHeader, size uint64) (Segment, error) {
	if ph.filesz > ph.memsz {
		return Segment{}, formatErr("PT_LOAD %d has p_filesz %#x > p_memsz %#x", i, ph.filesz, ph.memsz)
	}
	if ph.offset > size || ph.filesz > size-ph.offset {
		return Segment{}, formatErr("PT_LOAD %d file range [%#x, +%#x) extends beyond the file (%d bytes)", i, ph.offset, ph.filesz, size)
	}
	if ph.memsz > ^uint64(0)-ph.vaddr {
		return Segment{}, formatErr("PT_LOAD %d: p_vaddr %#x + p_memsz %#x overflows", i, ph.vaddr, ph.memsz)
	}
	// Leave room to round the end up to a page without overflowing.
	if ph.vaddr >= userTop || ph.vaddr+ph.memsz > userTop {
		return Segment{}, formatErr("PT_LOAD %d [%#x, %#x) is above the user address space (%#x)", i, ph.vaddr, ph.vaddr+ph.memsz, uint64(userTop))
	}
	// mmap can only map a file page to a virtual page at the same offset
	// within the page; see mmap(2), EINVAL.
	if ph.vaddr%pageSize != ph.offset%pageSize {
		return Segment{}, formatErr("PT_LOAD %d: p_vaddr %#x and p_offset %#x differ modulo the page size", i, ph.vaddr, ph.offset)
	}
	return Segment{
		Vaddr:  ph.vaddr,
		Memsz:  ph.memsz,
		Filesz: ph.filesz,
		Offset: ph.offset,
		Align:  ph.align,
		Perms: platform.Perms{
			Read:  ph.flags&pfR != 0,
			Write: ph.flags&pfW != 0,
			Exec:  ph.flags&pfX != 0,
		},
	}, nil
}

// readInterp reads the PT_INTERP path with binfmt_elf's checks: between 2
// and PATH_MAX bytes, NUL-terminated.
func readInterp(r io.ReaderAt, ph progHeader, size int64) (string, error) {
	if ph.filesz < 2 || ph.filesz > pathMax {
		return "", formatErr("PT_INTERP size %d is out of range [2, %d]", ph.filesz, pathMax)
	}
	if ph.offset > uint64(size) || ph.filesz > uint64(size)-ph.offset {
		return "", formatErr("PT_INTERP [%#x, +%#x) extends beyond the file", ph.offset, ph.filesz)
	}
	buf := make([]byte, ph.filesz)
	if n, err := readFull(r, buf, int64(ph.offset), size); err != nil {
		return "", err
	} else if n < len(buf) {
		return "", formatErr("truncated PT_INTERP")
	}
	if buf[len(buf)-1] != 0 {
		return "", formatErr("PT_INTERP path is not NUL-terminated")
	}
	// The path ends at the first NUL, as the kernel reads it as a C string.
	for i, c := range buf {
		if c == 0 {
			buf = buf[:i]
			break
		}
	}
	if len(buf) == 0 {
		return "", formatErr("PT_INTERP path is empty")
	}
	return string(buf), nil
}

// phdrFromLoads finds the PT_LOAD whose file bytes contain the program
// header table and returns the table's virtual address, as Linux does for
// AT_PHDR when there is no PT_PHDR.
func phdrFromLoads(segs []Segment, phoff, tableSize uint64) uint64 {
	for _, s := range segs {
		if phoff >= s.Offset && phoff-s.Offset <= s.Filesz && tableSize <= s.Filesz-(phoff-s.Offset) {
			return s.Vaddr + (phoff - s.Offset)
		}
	}
	return 0
}

// readNotes decodes PT_NOTE segments. Each entry is namesz, descsz, type
// (4 bytes each), then the name and the descriptor, each padded to the
// segment's alignment: 4, or 8 for segments aligned to 8 such as the GNU
// property note. See elf(5), "Notes (Nhdr)".
func readNotes(r io.ReaderAt, phs []progHeader, size int64) ([]Note, error) {
	var notes []Note
	budget := uint64(maxNoteBytes)
	for _, ph := range phs {
		if budget == 0 || len(notes) >= maxNotes {
			break
		}
		if ph.offset > uint64(size) {
			continue
		}
		n := min(ph.filesz, uint64(size)-ph.offset, budget)
		if n == 0 {
			continue
		}
		budget -= n
		buf := make([]byte, n)
		got, err := readFull(r, buf, int64(ph.offset), size)
		if err != nil {
			return nil, err
		}
		align := uint64(4)
		if ph.align == 8 {
			align = 8
		}
		notes = decodeNotes(notes, buf[:got], align)
	}
	return notes, nil
}

func decodeNotes(notes []Note, b []byte, align uint64) []Note {
	le := binary.LittleEndian
	for len(b) >= 12 && len(notes) < maxNotes {
		namesz := uint64(le.Uint32(b[0:]))
		descsz := uint64(le.Uint32(b[4:]))
		typ := le.Uint32(b[8:])
		rest := uint64(len(b) - 12)
		nameEnd := alignUp(namesz, align)
		if nameEnd > rest || descsz > rest-nameEnd {
			break // truncated or lying sizes: drop the rest
		}
		name := b[12 : 12+namesz]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		desc := append([]byte(nil), b[12+nameEnd:12+nameEnd+descsz]...)
		notes = append(notes, Note{Name: string(name), Type: typ, Desc: desc})
		next := 12 + nameEnd + alignUp(descsz, align)
		if next > uint64(len(b)) {
			break
		}
		b = b[next:]
	}
	return notes
}

// alignUp rounds x up to a multiple of a (a power of two); x is at most
// 2^32 here, so it cannot overflow.
func alignUp(x, a uint64) uint64 { return (x + a - 1) &^ (a - 1) }

// readFull reads up to len(p) bytes at off, clipped to size. It returns
// the count read; a short count means the file ended (io.EOF is not an
// error here), any other read error is returned.
func readFull(r io.ReaderAt, p []byte, off, size int64) (int, error) {
	if off >= size {
		return 0, nil
	}
	if rem := size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	total := 0
	for total < len(p) {
		n, err := r.ReadAt(p[total:], off+int64(total))
		if n < 0 || n > len(p)-total {
			return total, fmt.Errorf("loader: ReadAt returned count %d: %w", n, kerr.EIO)
		}
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return total, fmt.Errorf("loader: reading executable at %#x: %w", off+int64(total), err)
		}
		if n == 0 {
			break // fs.File reports end of file as a zero-length read
		}
	}
	return total, nil
}
