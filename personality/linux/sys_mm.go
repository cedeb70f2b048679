package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/memfd"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// mmap(2) protections and flags, from <asm-generic/mman-common.h>.
const (
	protRead      = 0x1
	protWrite     = 0x2
	protExec      = 0x4
	protSem       = 0x8
	protGrowsdown = 0x01000000
	protGrowsup   = 0x02000000

	mapShared         = 0x01
	mapPrivate        = 0x02
	mapSharedValidate = 0x03
	mapType           = 0x0f
	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapGrowsdown      = 0x100
	mapFixedNoreplace = 0x100000

	mremapMaymove   = 1
	mremapFixed     = 2
	mremapDontunmap = 4
)

func decodeProt(prot uintptr) platform.Perms {
	return platform.Perms{
		Read:  prot&protRead != 0,
		Write: prot&protWrite != 0,
		Exec:  prot&protExec != 0,
	}
}

func sysMmap(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, length, prot, flags, fd, off := a[0], a[1], a[2], a[3], fdArg(a[4]), a[5]
	o := mm.MmapOpts{
		Addr:      addr,
		Length:    length,
		Perms:     decodeProt(prot),
		Fixed:     flags&mapFixed != 0,
		NoReplace: flags&mapFixedNoreplace != 0 && flags&mapFixed == 0,
		GrowsDown: flags&mapGrowsdown != 0,
		Offset:    uint64(off),
	}
	switch flags & mapType {
	case mapShared, mapSharedValidate:
		o.Shared = true
	case mapPrivate:
	default:
		return 0, kerr.EINVAL
	}
	if length == 0 {
		return 0, kerr.EINVAL
	}
	if flags&mapAnonymous != 0 && (flags&mapType == mapSharedValidate || o.Shared && o.GrowsDown) {
		// do_mmap: anonymous memory takes only MAP_SHARED or MAP_PRIVATE,
		// and a shared one cannot grow.
		return 0, kerr.EINVAL
	}
	if flags&mapAnonymous == 0 {
		d, err := t.FDs().Get(fd)
		if err != nil {
			return 0, err
		}
		defer d.DecRef()
		// mmap(2): EACCES when the file is not open for reading, or a
		// shared writable mapping of a file not open for writing.
		if d.CanRead() != nil || (o.Shared && o.Perms.Write && d.CanWrite() != nil) {
			return 0, kerr.EACCES
		}
		// The mapping must see the file itself, which may share its
		// pages with every mapping (mm.CachedFile), not a wrapper that
		// reports reads to inotify or counts writers.
		f, ok := fs.Underlying(d.File).(mm.Mappable)
		if !ok {
			return 0, kerr.ENODEV
		}
		// A file not open for writing can never be written through a
		// shared mapping, even after mprotect (which says EACCES).
		o.NoWrite = d.CanWrite() != nil
		if mfd, ok := f.(*memfd.File); ok && o.Shared &&
			mfd.Seals()&(memfd.SealWrite|memfd.SealFutureWrite) != 0 {
			// See memfd_create(2): F_SEAL_WRITE forbids writable shared
			// mappings (EPERM), and a read-only one may not become one.
			if o.Perms.Write {
				return 0, kerr.EPERM
			}
			o.NoWrite = true
		}
		o.File = f
		o.Name = d.Path
		// The mapping reads the file on demand, so it keeps the open file
		// alive after close(2). Mapped files are not yet reference
		// counted by the mm, so this reference is never dropped.
		d.IncRef()
	} else {
		o.Offset = 0
	}
	if !mmapAllowed(t, &o) {
		return 0, kerr.ENOMEM // RLIMIT_AS
	}
	return t.MM().Mmap(o)
}

func sysMunmap(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.MM().Munmap(a[0], a[1])
}

func sysMprotect(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	prot := a[2]
	if prot&^(protRead|protWrite|protExec|protSem|protGrowsdown|protGrowsup) != 0 {
		return 0, kerr.EINVAL
	}
	if prot&protGrowsdown != 0 && prot&protGrowsup != 0 {
		return 0, kerr.EINVAL
	}
	return 0, t.MM().Mprotect(a[0], a[1], decodeProt(prot))
}

func sysMremap(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[3]
	if flags&^(mremapMaymove|mremapFixed|mremapDontunmap) != 0 {
		return 0, kerr.EINVAL
	}
	if flags&mremapDontunmap != 0 {
		return 0, kerr.EINVAL
	}
	if !mremapAllowed(t, a[1], a[2]) {
		return 0, kerr.ENOMEM // RLIMIT_AS
	}
	return t.MM().Mremap(a[0], a[1], a[2], flags&mremapMaymove != 0, flags&mremapFixed != 0, a[4])
}

// madvise(2) advice values.
const (
	madvNormal     = 0
	madvDontneed   = 4
	madvFree       = 8
	madvRemove     = 9
	madvDontfork   = 10
	madvDofork     = 11
	madvWipeonfork = 18
	madvKeeponfork = 19
	madvHwpoison   = 100
	madvLastCommon = 25 // MADV_COLLAPSE; values above are unknown
)

func sysMadvise(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, length, advice := a[0], a[1], int(int32(a[2]))
	if addr&0xfff != 0 {
		return 0, kerr.EINVAL
	}
	switch {
	case advice == madvDontneed:
		return 0, t.MM().MadviseDontNeed(addr, length)
	case advice == madvDontfork:
		return 0, t.MM().Madvise(addr, length, mm.AdviceDontFork)
	case advice == madvDofork:
		return 0, t.MM().Madvise(addr, length, mm.AdviceDoFork)
	case advice == madvWipeonfork:
		return 0, t.MM().Madvise(addr, length, mm.AdviceWipeOnFork)
	case advice == madvKeeponfork:
		return 0, t.MM().Madvise(addr, length, mm.AdviceKeepOnFork)
	case advice == madvRemove || advice == madvHwpoison:
		return 0, kerr.EINVAL
	case advice < 0 || advice > madvLastCommon:
		return 0, kerr.EINVAL
	}
	// Other advice (including MADV_FREE, whose pages may be reclaimed
	// "at some later time") only tunes performance; accepting it and
	// doing nothing is a correct implementation, once the range is
	// checked to be mapped (ENOMEM otherwise).
	return 0, t.MM().Madvise(addr, length, mm.AdviceHint)
}

func sysBrk(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if !brkAllowed(t, a[0]) {
		return t.MM().Brk(0), nil // RLIMIT_AS: the break stays
	}
	return t.MM().Brk(a[0]), nil
}
