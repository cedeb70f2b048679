package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// msyncCalls are the calls that ask about or flush mapped memory.
var msyncCalls = map[string]impl{
	"msync":   full(sysMsync),
	"mincore": full(sysMincore),
}

// msync(2) flags, from <asm-generic/mman-common.h>.
const (
	msAsync      = 1
	msInvalidate = 2
	msSync       = 4
)

// sysMsync checks its arguments in Linux's order (unknown flags, an
// unaligned address, MS_ASYNC with MS_SYNC: EINVAL) and then the range
// (ENOMEM for unmapped pages). MS_SYNC writes the stores of shared
// mappings of host files back to the file (mm.NewBackedPageCache);
// MS_ASYNC only schedules that on Linux, and runos writes back anyway
// when the last mapping goes or the file is fsync'd or read.
func sysMsync(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, length, flags := a[0], a[1], int32(a[2])
	if flags&^(msAsync|msInvalidate|msSync) != 0 || addr&arch.PageMask != 0 {
		return 0, kerr.EINVAL
	}
	if flags&msAsync != 0 && flags&msSync != 0 {
		return 0, kerr.EINVAL
	}
	return 0, t.MM().Msync(addr, length, flags&msSync != 0)
}

// syncer is a file with something to flush on fsync(2): a host file,
// whose shared mappings' stores must reach it (host.File.Sync).
type syncer interface{ Sync() error }

// syncFile is fsync(2) and fdatasync(2) on f; the files of the memory
// file systems have nothing to flush.
func syncFile(f fs.File) error {
	if s, ok := fs.As[syncer](f); ok {
		return s.Sync()
	}
	return nil
}

// mincoreChunk is how many pages sysMincore asks the mm about at once, as
// Linux works through a page-sized buffer.
const mincoreChunk = arch.PageSize

// sysMincore writes one byte per page of [addr, addr+length) to vec.
// Errors as Linux's: EINVAL for an unaligned addr; ENOMEM for a range
// beyond user space or with unmapped pages (after the bytes of the pages
// before them were written); EFAULT when vec cannot hold the result.
func sysMincore(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, length, vec := a[0], a[1], a[2]
	if addr&arch.PageMask != 0 {
		return 0, kerr.EINVAL
	}
	m := t.MM()
	if !userRange(m.InUserRange, addr, length) {
		return 0, kerr.ENOMEM
	}
	pages := length>>arch.PageShift + min(length&arch.PageMask, 1)
	if !userRange(m.InUserRange, vec, pages) {
		return 0, kerr.EFAULT
	}
	buf := make([]byte, min(pages, mincoreChunk))
	for pages > 0 {
		n := min(pages, mincoreChunk)
		got, err := m.Mincore(addr, buf[:n])
		if _, cerr := m.CopyOut(vec, buf[:got]); cerr != nil {
			return 0, kerr.EFAULT
		}
		if err != nil {
			return 0, err
		}
		pages -= n
		vec += n
		addr += n << arch.PageShift
	}
	return 0, nil
}

// userRange is Linux's access_ok: [addr, addr+length) lies below the top
// of user space, which inUser tests one address against.
func userRange(inUser func(uintptr) bool, addr, length uintptr) bool {
	if length == 0 {
		return addr == 0 || inUser(addr-1)
	}
	end := addr + length
	return end > addr && inUser(end-1)
}
