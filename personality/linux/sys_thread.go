package linux

import (
	"time"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// clone(2) flags from <linux/sched.h>.
const (
	cloneVM            = 0x00000100
	cloneFS            = 0x00000200
	cloneFiles         = 0x00000400
	cloneSighand       = 0x00000800
	clonePidfd         = 0x00001000
	clonePtrace        = 0x00002000
	cloneVfork         = 0x00004000
	cloneParent        = 0x00008000
	cloneThread        = 0x00010000
	cloneNewns         = 0x00020000
	cloneSysvsem       = 0x00040000
	cloneSettls        = 0x00080000
	cloneParentSettid  = 0x00100000
	cloneChildCleartid = 0x00200000
	cloneDetached      = 0x00400000
	cloneUntraced      = 0x00800000
	cloneChildSettid   = 0x01000000
	cloneIo            = 0x80000000
	cloneNsMask        = 0x7e020000 // every CLONE_NEW* flag
)

// sysClone serves clone(flags, stack, parent_tid, child_tid, tls), the
// x86-64 argument order; sys_process.go has the process half.
func sysClone(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doClone(t, a[0], a[1], a[2], a[3], a[4])
}

// cloneNewThread creates a thread in the caller's process, as
// pthread_create and Go's runtime ask for.
func cloneNewThread(t *core.Task, flags, stack, ptid, ctid, tls uintptr) (uintptr, error) {
	if flags&cloneVM == 0 || flags&cloneFiles == 0 || flags&cloneFS == 0 {
		// A thread with its own memory, fd table or working directory
		// is not something libc or Go ask for; refuse rather than
		// half-support it (the threads of a process share one
		// core.FSStruct).
		return 0, kerr.EINVAL
	}
	c, err := t.NewThread()
	if err != nil {
		return 0, err
	}
	r := &c.State.Regs
	r.Rax = 0
	if stack != 0 {
		r.Rsp = uint64(stack)
	}
	if flags&cloneSettls != 0 {
		if uint64(tls) >= 1<<47 {
			c.ExitThread(0)
			c.Start()
			return 0, kerr.EPERM
		}
		r.FsBase = uint64(tls)
	}
	tid := uint32(c.TID())
	for _, w := range []struct {
		flag uintptr
		addr uintptr
	}{{cloneParentSettid, ptid}, {cloneChildSettid, ctid}} {
		// Threads share memory: writing through the parent is writing
		// for the child.
		if flags&w.flag != 0 {
			if err := copyOutU32(t, w.addr, tid); err != nil {
				c.ExitThread(0)
				c.Start()
				return 0, err
			}
		}
	}
	if flags&cloneChildCleartid != 0 {
		c.ClearChildTID = ctid
	}
	c.Start()
	return uintptr(tid), nil
}

func sysExit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.ExitThread(int(a[0] & 0xff))
	return 0, nil
}

func sysExitGroup(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.Group().Exit(core.ExitStatus{Code: int(a[0] & 0xff)})
	return 0, nil
}

func sysSetTidAddress(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.ClearChildTID = a[0]
	return uintptr(t.TID()), nil
}

// robustListHeadSize is sizeof(struct robust_list_head) on x86-64.
const robustListHeadSize = 24

func sysSetRobustList(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[1] != robustListHeadSize {
		return 0, kerr.EINVAL
	}
	t.RobustList, t.RobustLen = a[0], a[1]
	return 0, nil
}

func sysGetRobustList(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	target := t
	if pid := int(int32(a[0])); pid != 0 {
		target = t.Kernel().TaskByTID(pid)
		if target == nil {
			return 0, kerr.ESRCH
		}
	}
	if err := copyOutU64(t, a[1], uint64(target.RobustList)); err != nil {
		return 0, err
	}
	return 0, copyOutU64(t, a[2], uint64(target.RobustLen))
}

// futex(2) operations and flags, from <linux/futex.h>.
const (
	futexWait          = 0
	futexWake          = 1
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexLockPI2       = 13
	futexPrivateFlag   = 128
	futexClockRealtime = 256
	futexCmdMask       = ^(futexPrivateFlag | futexClockRealtime)
)

// sysFutex decodes futex(2) in the order Linux checks it: the timeout
// first (EFAULT, EINVAL), then the clock flag (ENOSYS), then the
// operation (ENOSYS), then the operation's own arguments.
func sysFutex(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, op, val, timeout, addr2, val3 := a[0], int(int32(a[1])), uint32(a[2]), a[3], a[4], uint32(a[5])
	cmd := op & futexCmdMask
	private := op&futexPrivateFlag != 0
	realtime := op&futexClockRealtime != 0

	var deadline time.Time
	switch cmd {
	case futexWait, futexWaitBitset, futexLockPI, futexLockPI2, futexWaitRequeuePI:
		if timeout == 0 {
			break
		}
		ts, err := copyInTimespec(t, timeout)
		if err != nil {
			return 0, err
		}
		if !ts.valid() {
			return 0, kerr.EINVAL
		}
		switch {
		case cmd == futexWait:
			// FUTEX_WAIT's timeout is relative (futex(2)); with
			// FUTEX_CLOCK_REALTIME the call fails below, as Linux's
			// does.
			deadline = time.Now().Add(ts.duration())
		case cmd == futexLockPI || realtime:
			// FUTEX_LOCK_PI's is absolute on CLOCK_REALTIME.
			deadline = time.Unix(ts.sec, ts.nsec)
		default:
			deadline = monotonicDeadline(ts)
		}
	}
	if realtime && cmd != futexWaitBitset && cmd != futexWaitRequeuePI && cmd != futexLockPI2 {
		return 0, kerr.ENOSYS
	}

	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := core.FutexBitsetAll
		if cmd == futexWaitBitset {
			bitset = val3
		}
		return 0, t.FutexWait(addr, private, val, bitset, deadline)
	case futexWake, futexWakeBitset:
		bitset := core.FutexBitsetAll
		if cmd == futexWakeBitset {
			bitset = val3
			if bitset == 0 {
				return 0, kerr.EINVAL
			}
		}
		n, err := t.FutexWake(addr, private, max(int(int32(val)), 0), bitset)
		return uintptr(n), err
	case futexRequeue, futexCmpRequeue:
		// The fourth argument is not a timeout here but val2, the
		// number to requeue (futex(2)).
		nWake, nRequeue := int(int32(val)), int(int32(timeout))
		if nWake < 0 || nRequeue < 0 {
			return 0, kerr.EINVAL
		}
		n, err := t.FutexRequeue(addr, addr2, private, nWake, nRequeue, cmd == futexCmpRequeue, val3)
		return uintptr(n), err
	case futexWakeOp:
		op, cmp := decodeWakeOp(val3)
		n, err := t.FutexWakeOp(addr, addr2, private, max(int(int32(val)), 0), max(int(int32(timeout)), 0), op, cmp)
		return uintptr(n), err
	case futexLockPI, futexLockPI2:
		return 0, t.FutexLockPI(addr, private, false, deadline)
	case futexTrylockPI:
		return 0, t.FutexLockPI(addr, private, true, time.Time{})
	case futexUnlockPI:
		return 0, t.FutexUnlockPI(addr, private)
	}
	// FUTEX_FD (2) is gone since Linux 2.6.26; FUTEX_WAIT_REQUEUE_PI and
	// FUTEX_CMP_REQUEUE_PI are not implemented (no libc uses them since
	// glibc 2.25's condition variables).
	return 0, kerr.ENOSYS
}

// arch_prctl(2) codes.
const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
	archGetGS = 0x1004
)

func sysArchPrctl(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	r := &t.State.Regs
	switch a[0] {
	case archSetFS, archSetGS:
		// Linux refuses a base outside the user half with EPERM.
		if uint64(a[1]) >= 1<<47 {
			return 0, kerr.EPERM
		}
		if a[0] == archSetFS {
			r.FsBase = uint64(a[1])
		} else {
			r.GsBase = uint64(a[1])
		}
		return 0, nil
	case archGetFS:
		return 0, copyOutU64(t, a[1], r.FsBase)
	case archGetGS:
		return 0, copyOutU64(t, a[1], r.GsBase)
	}
	return 0, kerr.EINVAL
}

// decodeWakeOp splits FUTEX_WAKE_OP's encoded operation (futex(2)):
// op:4 (with FUTEX_OP_OPARG_SHIFT 8) cmp:4 oparg:12 cmparg:12, both
// arguments sign-extended. An unknown operation or comparison comes back
// nil: the core fails the call with ENOSYS at the point Linux does.
func decodeWakeOp(v uint32) (op func(uint32) uint32, cmp func(uint32) bool) {
	opNum, cmpNum := (v>>28)&0xf, (v>>24)&0xf
	oparg := uint32(int32(v<<8) >> 20)
	cmparg := uint32(int32(v<<20) >> 20)
	if opNum&8 != 0 {
		// Linux masks a shift out of range (with a warning in its log)
		// rather than failing.
		oparg = 1 << (oparg & 31)
		opNum &^= 8
	}
	switch opNum {
	case 0:
		op = func(uint32) uint32 { return oparg }
	case 1:
		op = func(o uint32) uint32 { return o + oparg }
	case 2:
		op = func(o uint32) uint32 { return o | oparg }
	case 3:
		op = func(o uint32) uint32 { return o &^ oparg }
	case 4:
		op = func(o uint32) uint32 { return o ^ oparg }
	}
	c := int32(cmparg)
	switch cmpNum {
	case 0:
		cmp = func(o uint32) bool { return int32(o) == c }
	case 1:
		cmp = func(o uint32) bool { return int32(o) != c }
	case 2:
		cmp = func(o uint32) bool { return int32(o) < c }
	case 3:
		cmp = func(o uint32) bool { return int32(o) <= c }
	case 4:
		cmp = func(o uint32) bool { return int32(o) > c }
	case 5:
		cmp = func(o uint32) bool { return int32(o) >= c }
	}
	return op, cmp
}
