package linux

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// cloneProcess serves fork, vfork and clone without CLONE_THREAD: a new
// process, sharing with its parent what the flags say.
func cloneProcess(t *core.Task, flags, stack, ptid, ctid, tls uintptr) (uintptr, error) {
	exitSig := core.Signal(flags & 0xff)
	if exitSig != 0 && !exitSig.Valid() {
		return 0, kerr.EINVAL
	}
	c, err := t.Fork(core.ForkOptions{
		ShareVM:      flags&cloneVM != 0,
		ShareFiles:   flags&cloneFiles != 0,
		ShareFS:      flags&cloneFS != 0,
		ShareHandler: flags&cloneSighand != 0,
		Vfork:        flags&cloneVfork != 0,
		Parent:       flags&cloneParent != 0,
		ExitSignal:   exitSig,
		ProcLimit:    procLimit(t),
	})
	if err != nil {
		return 0, err
	}
	r := &c.State.Regs
	r.Rax = 0
	if stack != 0 {
		r.Rsp = uint64(stack)
	}
	if flags&cloneSettls != 0 {
		r.FsBase = uint64(tls)
	}
	pid := uint32(c.Group().PID())
	if flags&cloneParentSettid != 0 {
		if err := copyOutU32(t, ptid, pid); err != nil {
			c.Group().Exit(core.ExitStatus{Signal: core.SIGKILL})
			c.Start()
			return 0, err
		}
	}
	if flags&cloneChildSettid != 0 {
		// In the child's memory: a CoW copy after fork.
		if _, err := c.MM().CopyOut(ctid, []byte{byte(pid), byte(pid >> 8), byte(pid >> 16), byte(pid >> 24)}); err != nil {
			c.Group().Exit(core.ExitStatus{Signal: core.SIGSEGV})
		}
	}
	if flags&cloneChildCleartid != 0 {
		c.ClearChildTID = ctid
	}
	c.Start()
	if flags&cloneVfork != 0 {
		t.WaitVfork(c)
	}
	return uintptr(pid), nil
}

func sysFork(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return cloneProcess(t, uintptr(core.SIGCHLD), 0, 0, 0, 0)
}

func sysVfork(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return cloneProcess(t, cloneVM|cloneVfork|uintptr(core.SIGCHLD), 0, 0, 0, 0)
}

// clone3's struct clone_args (<linux/sched.h>): flags, pidfd, child_tid,
// parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
// cgroup; 8 bytes each.
func sysClone3(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	size := a[1]
	if size < 64 || size > 4096 {
		return 0, kerr.EINVAL
	}
	b := make([]byte, size)
	if _, err := t.MM().CopyIn(a[0], b); err != nil {
		return 0, err
	}
	for _, x := range b[min(size, 88):] {
		if x != 0 {
			return 0, kerr.E2BIG // unknown trailing fields must be zero
		}
	}
	w := func(i int) uintptr {
		if (i+1)*8 > len(b) {
			return 0
		}
		return uintptr(le.Uint64(b[8*i:]))
	}
	flags, ctid, ptid, exitSig, stack, stackSize, tls := w(0), w(2), w(3), w(4), w(5), w(6), w(7)
	if flags&0xff != 0 || exitSig&^0xff != 0 || w(8) != 0 || w(9) != 0 {
		return 0, kerr.EINVAL
	}
	if flags&clonePidfd != 0 {
		return 0, kerr.EINVAL // pidfds arrive with pidfd_open
	}
	if (stack == 0) != (stackSize == 0) {
		return 0, kerr.EINVAL
	}
	sp := uintptr(0)
	if stack != 0 {
		sp = stack + stackSize // clone3 takes the lowest address
	}
	return doClone(t, flags|exitSig, sp, ptid, ctid, tls)
}

func doClone(t *core.Task, flags, stack, ptid, ctid, tls uintptr) (uintptr, error) {
	if flags&cloneThread != 0 && flags&cloneSighand == 0 {
		return 0, kerr.EINVAL
	}
	if flags&cloneSighand != 0 && flags&cloneVM == 0 {
		return 0, kerr.EINVAL
	}
	if flags&cloneNsMask != 0 {
		return 0, kerr.EPERM // namespaces: the sandbox is already one
	}
	if flags&cloneThread != 0 {
		return cloneNewThread(t, flags, stack, ptid, ctid, tls)
	}
	return cloneProcess(t, flags, stack, ptid, ctid, tls)
}

// unshare(2)'s flags beyond clone's: CLONE_NEWTIME is only for unshare
// and clone3 (it overlaps clone's exit signal byte).
const (
	cloneNewtime   = 0x00000080
	cloneNewuser   = 0x10000000
	unshareAllowed = cloneThread | cloneFS | cloneSighand | cloneVM | cloneFiles | cloneSysvsem | cloneNsMask | cloneNewtime
)

// sysUnshare is unshare(flags), checked in the order of Linux's
// ksys_unshare: unknown flags (EINVAL), then the implied flags, then
// what cannot be taken apart (EINVAL), then namespaces (EPERM: the
// sandbox is already one, as for clone), and only then any change.
// CLONE_SYSVSEM has nothing to undo: runos has no System V semaphores.
func sysUnshare(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[0]
	if flags&^unshareAllowed != 0 {
		return 0, kerr.EINVAL
	}
	if flags&cloneNewuser != 0 {
		flags |= cloneThread | cloneFS
	}
	if flags&cloneVM != 0 {
		flags |= cloneSighand
	}
	if flags&cloneSighand != 0 {
		flags |= cloneThread
	}
	if flags&cloneNewns != 0 {
		flags |= cloneFS
	}
	o := core.UnshareOptions{
		FS:       flags&cloneFS != 0,
		Files:    flags&cloneFiles != 0,
		Thread:   flags&cloneThread != 0,
		Handlers: flags&cloneSighand != 0,
		VM:       flags&cloneVM != 0,
	}
	if flags&(cloneNsMask|cloneNewtime) != 0 {
		// Linux checks the thread-sharing flags first: EINVAL wins.
		o.FS, o.Files = false, false
		if err := t.Unshare(o); err != nil {
			return 0, err
		}
		return 0, kerr.EPERM
	}
	return 0, t.Unshare(o)
}

// wait4(2) options.
const (
	wNohang      = 0x1
	wUntraced    = 0x2
	wStopped     = 0x2
	wExited      = 0x4
	wContinued   = 0x8
	wNowait      = 0x01000000
	wNothread    = 0x20000000
	wAll         = 0x40000000
	wClone       = 0x80000000
	wKnownWait4  = wNohang | wUntraced | wContinued | wNothread | wAll | wClone
	wKnownWaitid = wNohang | wStopped | wExited | wContinued | wNowait | wNothread | wAll | wClone
)

// waitStatus encodes a wait result as the int wait4 stores (see
// <bits/waitstatus.h>): exit code << 8; a signal with 0x80 for a core;
// sig << 8 | 0x7f when stopped; 0xffff when continued.
func waitStatus(r core.WaitResult) uint32 {
	switch r.Kind {
	case core.WaitStopped:
		return uint32(r.Signal)<<8 | 0x7f
	case core.WaitContinued:
		return 0xffff
	}
	if r.Status.Signal != 0 {
		s := uint32(r.Status.Signal)
		if r.Status.Core {
			s |= 0x80
		}
		return s
	}
	return uint32(r.Status.Code&0xff) << 8
}

func sysWait4(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	pid, statusAddr, opts, ruAddr := int(int32(a[0])), a[1], a[2], a[3]
	if opts&^wKnownWait4 != 0 {
		return 0, kerr.EINVAL
	}
	o := core.WaitOptions{
		Exited:    true,
		Stopped:   opts&wUntraced != 0,
		Continued: opts&wContinued != 0,
		NoHang:    opts&wNohang != 0,
		Clone:     opts&wClone != 0,
		All:       opts&wAll != 0,
	}
	switch {
	case pid > 0:
		o.PID = pid
	case pid == 0:
		o.PGID = t.Group().ProcessGroup()
	case pid < -1:
		o.PGID = -pid
	}
	r, err := t.Wait(o)
	if err != nil {
		return 0, err
	}
	if r.PID == 0 {
		return 0, nil
	}
	if statusAddr != 0 {
		if err := copyOutU32(t, statusAddr, waitStatus(r)); err != nil {
			return 0, err
		}
	}
	if ruAddr != 0 {
		if err := copyOutRusage(t, ruAddr, r.Usage); err != nil {
			return 0, err
		}
	}
	return uintptr(r.PID), nil
}

// waitid id types.
const (
	pAll   = 0
	pPID   = 1
	pPGID  = 2
	pPIDFD = 3
)

func sysWaitid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	idtype, id, infoAddr, opts, ruAddr := int(int32(a[0])), int(int32(a[1])), a[2], a[3], a[4]
	if opts&^wKnownWaitid != 0 || opts&(wExited|wStopped|wContinued) == 0 {
		return 0, kerr.EINVAL
	}
	nonblock := false
	o := core.WaitOptions{
		Exited:    opts&wExited != 0,
		Stopped:   opts&wStopped != 0,
		Continued: opts&wContinued != 0,
		NoHang:    opts&wNohang != 0,
		NoWait:    opts&wNowait != 0,
		Clone:     opts&wClone != 0,
		All:       opts&wAll != 0,
	}
	switch idtype {
	case pAll:
	case pPID:
		if id <= 0 {
			return 0, kerr.EINVAL
		}
		o.PID = id
	case pPGID:
		if id < 0 {
			return 0, kerr.EINVAL
		}
		o.PGID = id
		if id == 0 {
			o.PGID = t.Group().ProcessGroup()
		}
	case pPIDFD:
		// The process a pidfd names; with PIDFD_NONBLOCK, a wait that
		// would block fails with EAGAIN (pidfd_open(2)).
		if id < 0 {
			return 0, kerr.EINVAL
		}
		f, status, err := getPidfd(t, uintptr(id))
		if err != nil {
			return 0, err
		}
		o.PID = f.Group().PID()
		if status&fs.FlagNonblock != 0 && !o.NoHang {
			o.NoHang, nonblock = true, true
		}
	default:
		return 0, kerr.EINVAL
	}
	r, err := t.Wait(o)
	if err != nil {
		return 0, err
	}
	if nonblock && r.PID == 0 {
		return 0, kerr.EAGAIN
	}
	if infoAddr != 0 {
		// siginfo for SIGCHLD: signo, errno, code, pid, uid, status.
		var b [128]byte
		if r.PID != 0 {
			info := core.SigInfo{Signo: core.SIGCHLD, PID: int32(r.PID), UID: r.UID}
			switch {
			case r.Kind == core.WaitStopped:
				info.Code, info.Status = 5, int32(r.Signal)
			case r.Kind == core.WaitContinued:
				info.Code, info.Status = 6, int32(core.SIGCONT)
			case r.Status.Signal != 0 && r.Status.Core:
				info.Code, info.Status = 3, int32(r.Status.Signal)
			case r.Status.Signal != 0:
				info.Code, info.Status = 2, int32(r.Status.Signal)
			default:
				info.Code, info.Status = 1, int32(r.Status.Code)
			}
			encodeSiginfo(b[:], &info)
		}
		if _, err := t.MM().CopyOut(infoAddr, b[:]); err != nil {
			return 0, err
		}
	}
	if ruAddr != 0 && r.PID != 0 {
		if err := copyOutRusage(t, ruAddr, r.Usage); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// copyOutRusage writes a struct rusage (144 bytes): ru_utime and
// ru_stime as timevals, then fourteen longs of which runos keeps only
// ru_maxrss (in KiB).
func copyOutRusage(t *core.Task, addr uintptr, ru core.Rusage) error {
	var b [144]byte
	putTimeval(b[0:], ru.User)
	putTimeval(b[16:], ru.Sys)
	le.PutUint64(b[32:], uint64(ru.MaxRSS/1024))
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

// rusage "who" values.
const (
	rusageSelf     = 0
	rusageChildren = -1
	rusageThread   = 1
)

func sysGetrusage(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var ru core.Rusage
	switch int(int32(a[0])) {
	case rusageSelf:
		ru = t.Group().Usage()
	case rusageChildren:
		ru = t.Group().ChildrenUsage()
	case rusageThread:
		ru = t.Usage()
	default:
		return 0, kerr.EINVAL
	}
	return 0, copyOutRusage(t, a[1], ru)
}

// clockTicks converts a duration to clock_t ticks of USER_HZ (100 a
// second, the AT_CLKTCK the auxiliary vector announces).
func clockTicks(d time.Duration) uint64 { return uint64(d / (time.Second / 100)) }

func sysTimes(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[0] != 0 {
		// struct tms: tms_utime, tms_stime, tms_cutime, tms_cstime.
		self, children := t.Group().Usage(), t.Group().ChildrenUsage()
		var b [32]byte
		le.PutUint64(b[0:], clockTicks(self.User))
		le.PutUint64(b[8:], clockTicks(self.Sys))
		le.PutUint64(b[16:], clockTicks(children.User))
		le.PutUint64(b[24:], clockTicks(children.Sys))
		if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
			return 0, err
		}
	}
	// The return value is clock ticks since an arbitrary point: uptime.
	return uintptr(t.Kernel().Uptime().Milliseconds() / 10), nil
}

func sysExecve(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doExecve(t, atFDCWD, a[0], a[1], a[2], 0)
}

func sysExecveat(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doExecve(t, fdArg(a[0]), a[1], a[2], a[3], a[4])
}

func sysSetpgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.SetProcessGroup(int(int32(a[0])), int(int32(a[1])))
}

// groupArg is the thread group a pid argument names: the caller's for
// 0 (see getpgid(2), getsid(2)), ESRCH if there is none.
func groupArg(t *core.Task, v uintptr) (*core.ThreadGroup, error) {
	pid := int(int32(v))
	if pid == 0 {
		return t.Group(), nil
	}
	if g := t.Kernel().GroupByPID(pid); g != nil {
		return g, nil
	}
	return nil, kerr.ESRCH
}

func sysGetpgid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	g, err := groupArg(t, a[0])
	if err != nil {
		return 0, err
	}
	return uintptr(g.ProcessGroup()), nil
}

func sysGetpgrp(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().ProcessGroup()), nil
}

func sysSetsid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	sid, err := t.SetSession()
	return uintptr(sid), err
}

func sysGetsid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	g, err := groupArg(t, a[0])
	if err != nil {
		return 0, err
	}
	return uintptr(g.Session()), nil
}
