package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/pipe"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

func sysPipe2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[1]
	if flags&^(oCloexec|oNonblock|oDirect) != 0 {
		return 0, kerr.EINVAL
	}
	status := 0
	if flags&oNonblock != 0 {
		status = fs.FlagNonblock
	}
	c := t.Credentials()
	r, w := pipe.NewOwned(c.FSUID, c.FSGID)
	rd := fs.NewFileDescription(r, "pipe:", fs.FlagRead|status)
	wd := fs.NewFileDescription(w, "pipe:", fs.FlagWrite|status)
	rfd, wfd, err := t.FDs().AllocatePair(rd, wd, flags&oCloexec != 0)
	if err != nil {
		return 0, err
	}
	var b [8]byte
	le.PutUint32(b[0:], uint32(rfd))
	le.PutUint32(b[4:], uint32(wfd))
	if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
		t.FDs().Close(rfd)
		t.FDs().Close(wfd)
		return 0, err
	}
	return 0, nil
}

func sysPipe(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return sysPipe2(t, core.SyscallArgs{a[0], 0})
}
