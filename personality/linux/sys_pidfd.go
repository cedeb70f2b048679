package linux

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Process file descriptors (pidfd_open(2), pidfd_send_signal(2)): a file
// that names a process, polls readable when it exits, and can be
// signalled or waited for (waitid P_PIDFD, in sys_process.go) without the
// races of reused PIDs.

var pidfdCalls = map[string]impl{
	"pidfd_open":        partial(sysPidfdOpen, "no PIDFD_THREAD"),
	"pidfd_send_signal": full(sysPidfdSendSignal),
}

// pidfd flags (<linux/pidfd.h>).
const (
	pidfdNonblock = 0x800 // O_NONBLOCK

	pidfdSignalThread       = 1
	pidfdSignalThreadGroup  = 2
	pidfdSignalProcessGroup = 4
)

func sysPidfdOpen(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	pid, flags := int(int32(a[0])), a[1]
	if flags&^pidfdNonblock != 0 || pid <= 0 {
		return 0, kerr.EINVAL
	}
	f, err := t.Kernel().OpenPIDFile(pid)
	if err != nil {
		return 0, err
	}
	status := fs.FlagRead | fs.FlagWrite
	if flags&pidfdNonblock != 0 {
		status |= fs.FlagNonblock
	}
	d := fs.NewFileDescription(f, "anon_inode:[pidfd]", status)
	// A pidfd is always close-on-exec (pidfd_open(2)).
	fd, err := t.FDs().Allocate(d, 0, true)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

// getPidfd returns the PIDFile behind fd (EBADF if fd is not a pidfd)
// and its description's status flags.
func getPidfd(t *core.Task, fd uintptr) (*core.PIDFile, int, error) {
	d, err := t.FDs().Get(fdArg(fd))
	if err != nil {
		return nil, 0, err
	}
	defer d.DecRef()
	f, ok := d.File.(*core.PIDFile)
	if !ok {
		return nil, 0, kerr.EBADF
	}
	return f, d.Flags(), nil
}

func sysPidfdSendSignal(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	sig, infoAddr, flags := toCoreSignal(a[1]), a[2], a[3]
	scope := flags & (pidfdSignalThread | pidfdSignalThreadGroup | pidfdSignalProcessGroup)
	if flags != scope || scope&(scope-1) != 0 {
		return 0, kerr.EINVAL // unknown flags, or more than one scope
	}
	f, _, err := getPidfd(t, a[0])
	if err != nil {
		return 0, err
	}
	g := f.Group()
	var info *core.SigInfo
	if infoAddr != 0 {
		var b [siginfoSize]byte
		if _, err := t.MM().CopyIn(infoAddr, b[:]); err != nil {
			return 0, err
		}
		if core.Signal(int32(le.Uint32(b[0:]))) != sig {
			return 0, kerr.EINVAL
		}
		in := decodeSiginfo(b[:], sig)
		if forgedInfo(&in) && (g != t.Group() || scope == pidfdSignalThread) {
			return 0, kerr.EPERM
		}
		info = &in
	} else {
		code := int32(core.SIUser)
		if scope == pidfdSignalThread {
			code = core.SITkill
		}
		info = senderInfo(t, sig, code)
	}
	if t.Kernel().GroupByPID(g.PID()) != g {
		return 0, kerr.ESRCH // reaped
	}
	if sig != 0 && !sig.Valid() {
		return 0, kerr.EINVAL
	}
	if sig == 0 {
		return 0, nil
	}
	switch scope {
	case pidfdSignalThread:
		leader := t.Kernel().TaskByTID(g.PID())
		if leader == nil || leader.Group() != g {
			return 0, kerr.ESRCH
		}
		leader.SendSignal(info)
	case pidfdSignalProcessGroup:
		for _, pg := range t.GroupsMatching(-g.ProcessGroup()) {
			pg.SendSignal(info)
		}
	default:
		g.SendSignal(info)
	}
	return 0, nil
}
