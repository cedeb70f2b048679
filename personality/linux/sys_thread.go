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
	if flags&cloneVM == 0 || flags&cloneFiles == 0 {
		// A thread with its own memory or fd table is not something
		// libc or Go ask for; refuse rather than half-support it.
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

// futex(2) operations.
const (
	futexWait         = 0
	futexWake         = 1
	futexRequeue      = 3
	futexCmpRequeue   = 4
	futexWakeOp       = 5
	futexWaitBitset   = 9
	futexWakeBitset   = 10
	futexPrivateFlag  = 128
	futexClockRealtim = 256
	futexCmdMask      = ^(futexPrivateFlag | futexClockRealtim)
)

func sysFutex(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	addr, op, val, timeout, val3 := a[0], int(int32(a[1])), uint32(a[2]), a[3], uint32(a[5])
	cmd := op & futexCmdMask
	if addr&3 != 0 {
		return 0, kerr.EINVAL
	}
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := core.FutexBitsetAll
		if cmd == futexWaitBitset {
			bitset = val3
		}
		var deadline time.Time
		if timeout != 0 {
			ts, err := copyInTimespec(t, timeout)
			if err != nil {
				return 0, err
			}
			if !ts.valid() {
				return 0, kerr.EINVAL
			}
			if cmd == futexWait {
				// FUTEX_WAIT's timeout is relative (futex(2)).
				deadline = time.Now().Add(ts.duration())
			} else if op&futexClockRealtim != 0 {
				deadline = time.Unix(ts.sec, ts.nsec)
			} else {
				deadline = monotonicDeadline(ts)
			}
		}
		err := t.FutexWait(addr, val, bitset, deadline)
		if err == kerr.ETIMEDOUT {
			return 0, kerr.ETIMEDOUT
		}
		return 0, err
	case futexWake, futexWakeBitset:
		bitset := core.FutexBitsetAll
		if cmd == futexWakeBitset {
			bitset = val3
			if bitset == 0 {
				return 0, kerr.EINVAL
			}
		}
		n := int(int32(val))
		if n < 0 {
			n = 0
		}
		return uintptr(t.FutexWake(addr, n, bitset)), nil
	case futexRequeue, futexCmpRequeue:
		// The fourth argument is not a timeout here but val2, the
		// number to requeue (futex(2)).
		addr2 := a[4]
		if addr2&3 != 0 {
			return 0, kerr.EINVAL
		}
		nWake, nRequeue := int(int32(val)), int(int32(timeout))
		if nWake < 0 || nRequeue < 0 {
			return 0, kerr.EINVAL
		}
		n, err := t.FutexRequeue(addr, addr2, nWake, nRequeue, cmd == futexCmpRequeue, val3)
		return uintptr(n), err
	case futexWakeOp:
		addr2 := a[4]
		if addr2&3 != 0 {
			return 0, kerr.EINVAL
		}
		op, cmp, err := decodeWakeOp(val3)
		if err != nil {
			return 0, err
		}
		n, err := t.FutexWakeOp(addr, addr2, max(int(int32(val)), 0), max(int(int32(timeout)), 0), op, cmp)
		return uintptr(n), err
	}
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
// arguments sign-extended.
func decodeWakeOp(v uint32) (func(uint32) uint32, func(uint32) bool, error) {
	opNum, cmpNum := (v>>28)&0xf, (v>>24)&0xf
	oparg := uint32(int32(v<<8) >> 20)
	cmparg := uint32(int32(v<<20) >> 20)
	if opNum&8 != 0 {
		if oparg > 31 {
			return nil, nil, kerr.EINVAL
		}
		oparg = 1 << oparg
		opNum &^= 8
	}
	var op func(uint32) uint32
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
	default:
		return nil, nil, kerr.ENOSYS
	}
	c := int32(cmparg)
	var cmp func(uint32) bool
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
	default:
		return nil, nil, kerr.ENOSYS
	}
	return op, cmp, nil
}
