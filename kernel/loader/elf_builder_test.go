package loader

import "encoding/binary"

// testPhdr is a program header for synthetic test files.
type testPhdr struct {
	typ, flags                          uint32
	offset, vaddr, filesz, memsz, align uint64
}

// testFile describes a small synthetic ELF file: a header, program headers
// right after it, and content placed at chosen offsets.
type testFile struct {
	typ     uint16
	machine uint16
	entry   uint64
	phdrs   []testPhdr
	size    int            // total file size
	content map[int][]byte // bytes to place at an offset
}

// validTestFile is a static-looking ET_EXEC in 0x300 bytes: a text
// segment covering the headers, a data segment with bss, a GNU ABI note,
// PT_GNU_STACK without X and a PT_PHDR.
func validTestFile() *testFile {
	note := make([]byte, 32)
	binary.LittleEndian.PutUint32(note[0:], 4)  // namesz
	binary.LittleEndian.PutUint32(note[4:], 16) // descsz
	binary.LittleEndian.PutUint32(note[8:], 1)  // NT_GNU_ABI_TAG
	copy(note[12:], "GNU\x00")
	binary.LittleEndian.PutUint32(note[16:], 0) // OS: Linux
	binary.LittleEndian.PutUint32(note[20:], 3) // 3.2.0
	binary.LittleEndian.PutUint32(note[24:], 2)
	return &testFile{
		typ:     ET_EXEC,
		machine: emX86_64,
		entry:   0x400100,
		size:    0x300,
		phdrs: []testPhdr{
			{typ: ptPhdr, flags: pfR, offset: 64, vaddr: 0x400040, filesz: 5 * phdrSize, memsz: 5 * phdrSize, align: 8},
			{typ: ptLoad, flags: pfR | pfX, offset: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200, align: 0x1000},
			{typ: ptLoad, flags: pfR | pfW, offset: 0x200, vaddr: 0x401200, filesz: 0x80, memsz: 0x1800, align: 0x1000},
			{typ: ptNote, flags: pfR, offset: 0x280, vaddr: 0x400280, filesz: 32, memsz: 32, align: 4},
			{typ: ptGNUStack, flags: pfR | pfW},
		},
		content: map[int][]byte{0x280: note},
	}
}

// withInterp adds a PT_INTERP for path (NUL appended) at offset 0x2c0.
func (f *testFile) withInterp(path string) *testFile {
	f.phdrs = append(f.phdrs, testPhdr{typ: ptInterp, flags: pfR, offset: 0x2c0, vaddr: 0x4002c0, filesz: uint64(len(path) + 1), memsz: uint64(len(path) + 1), align: 1})
	f.content[0x2c0] = append([]byte(path), 0)
	if 0x2c0+len(path)+1 > f.size {
		f.size = 0x2c0 + len(path) + 1
	}
	return f
}

func (f *testFile) bytes() []byte {
	b := make([]byte, max(f.size, elfHeaderSize+len(f.phdrs)*phdrSize))
	copy(b, "\x7fELF")
	b[4] = elfClass64
	b[5] = elfDataLSB
	b[6] = 1 // EV_CURRENT
	le := binary.LittleEndian
	le.PutUint16(b[16:], f.typ)
	le.PutUint16(b[18:], f.machine)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], f.entry)
	le.PutUint64(b[32:], elfHeaderSize)
	le.PutUint16(b[52:], elfHeaderSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], uint16(len(f.phdrs)))
	for i, p := range f.phdrs {
		o := b[elfHeaderSize+i*phdrSize:]
		le.PutUint32(o[0:], p.typ)
		le.PutUint32(o[4:], p.flags)
		le.PutUint64(o[8:], p.offset)
		le.PutUint64(o[16:], p.vaddr)
		le.PutUint64(o[24:], p.vaddr)
		le.PutUint64(o[32:], p.filesz)
		le.PutUint64(o[40:], p.memsz)
		le.PutUint64(o[48:], p.align)
	}
	for off, c := range f.content {
		copy(b[off:], c)
	}
	return b
}
