package xv6

import (
	"encoding/binary"

	"github.com/runos-project/runos/fs"
)

// This file holds xv6's layouts and flag words, and their translation
// from the VFS's neutral types. Nothing else in the package knows a byte
// offset.

var le = binary.LittleEndian

// File types of struct stat's type field (kernel/stat.h).
const (
	tDir    = 1
	tFile   = 2
	tDevice = 3
)

// statSize is sizeof(struct stat) on x86-64: int dev, uint ino, short
// type, short nlink, 4 bytes of padding, uint64 size.
const statSize = 24

// encodeStat writes st as xv6's struct stat. xv6 knows three kinds of
// inode; anything that is neither a directory nor a regular file (a
// pipe, a terminal, a device node) reads as a device.
func encodeStat(st fs.Stat) [statSize]byte {
	var b [statSize]byte
	typ := tDevice
	switch st.Mode & fs.ModeTypeMask {
	case fs.ModeDir:
		typ = tDir
	case fs.ModeRegular:
		typ = tFile
	}
	nlink := st.Nlink
	if nlink > 0x7fff {
		nlink = 0x7fff
	}
	le.PutUint32(b[0:], uint32(st.Dev))
	le.PutUint32(b[4:], uint32(st.Ino))
	le.PutUint16(b[8:], uint16(typ))
	le.PutUint16(b[10:], uint16(nlink))
	le.PutUint64(b[16:], uint64(max(st.Size, 0)))
	return b
}

// dirSiz is DIRSIZ, the longest name a directory entry holds; direntSize
// is sizeof(struct dirent): ushort inum, char name[DIRSIZ].
const (
	dirSiz     = 14
	direntSize = 2 + dirSiz
)

// encodeDirent writes e as xv6's struct dirent. A longer name is cut to
// DIRSIZ bytes (xv6 would have refused to create it); a name of exactly
// DIRSIZ bytes has no NUL, as in xv6. inum 0 marks a free slot in xv6,
// so an inode number whose low 16 bits are 0 is reported as 0xffff.
func encodeDirent(e fs.Dirent) [direntSize]byte {
	var b [direntSize]byte
	inum := uint16(e.Ino)
	if inum == 0 {
		inum = 0xffff
	}
	le.PutUint16(b[0:], inum)
	copy(b[2:], e.Name)
	return b
}

// open's mode bits (kernel/fcntl.h).
const (
	oRdonly = 0x000
	oWronly = 0x001
	oRdwr   = 0x002
	oCreate = 0x200
	oTrunc  = 0x400
)

// decodeOpen turns xv6's open mode into the VFS's flags. As in xv6's
// sys_open, a mode with both access bits set reads and writes.
func decodeOpen(mode uintptr) fs.OpenFlags {
	f := fs.OpenFlags{
		Read:     mode&oWronly == 0,
		Write:    mode&(oWronly|oRdwr) != 0,
		Create:   mode&oCreate != 0,
		Truncate: mode&oTrunc != 0,
		Mode:     0o644,
	}
	return f
}
