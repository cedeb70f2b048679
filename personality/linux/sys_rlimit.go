package linux

import (
	"golang.org/x/sys/unix"
	"time"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// Resource numbers of getrlimit(2).
const (
	rlimitCPU    = 0
	rlimitFsize  = 1
	rlimitData   = 2
	rlimitStack  = 3
	rlimitCore   = 4
	rlimitNproc  = 6
	rlimitNofile = 7
	rlimitAS     = 9
	rlimNlimits  = 16
)

// What each limit does in runos (getrlimit(2)):
//
//   - RLIMIT_NOFILE caps the descriptor table (dup2 beyond it: EBADF;
//     F_DUPFD: EINVAL; open: EMFILE).
//   - RLIMIT_STACK caps stack growth (the mm's stack limit).
//   - RLIMIT_CORE decides whether a core-dumping signal reports "core
//     dumped" (no core file is written).
//   - RLIMIT_NPROC caps the processes of a real user at fork (EAGAIN);
//     root is exempt, as Linux exempts CAP_SYS_RESOURCE and
//     CAP_SYS_ADMIN. Linux counts threads too; runos counts processes.
//   - RLIMIT_AS caps the total size of the mappings at mmap, brk and
//     mremap (ENOMEM); stack growth is bounded by RLIMIT_STACK only.
//   - RLIMIT_FSIZE would raise SIGXFSZ and fail writes with EFBIG
//     beyond the limit on regular files, but the sandbox has no
//     writable regular file yet: recorded only.
//   - RLIMIT_NICE and RLIMIT_RTPRIO bound what an unprivileged process
//     may ask of the scheduler (sys_sched.go).
//   - RLIMIT_CPU is the timers' (SIGXCPU); the others (DATA, RSS,
//     MEMLOCK, LOCKS, SIGPENDING, MSGQUEUE, RTTIME) are recorded only.

// limitCalls are the resource-limit calls.
var limitCalls = map[string]impl{
	"prlimit64": partial(sysPrlimit64, "another process's limits can be read, not changed; see sys_rlimit.go for which limits are enforced"),
	"getrlimit": full(sysGetrlimit),
	"setrlimit": partial(sysSetrlimit, "NOFILE, STACK, CORE, NPROC, AS, NICE and RTPRIO are enforced; the others are recorded"),
}

// initLimits gives a new process the limits runos itself runs with, so a
// program sees under runos what it sees natively.
func initLimits(tg *core.ThreadGroup) {
	for res := 0; res < rlimNlimits; res++ {
		var l unix.Rlimit
		if err := unix.Getrlimit(res, &l); err != nil {
			continue
		}
		tg.SetLimit(res, core.Rlimit{Cur: l.Cur, Max: l.Max})
	}
	tg.DumpsCore = tg.Limit(rlimitCore).Cur != 0
	if l := tg.Limit(rlimitCPU); l.Cur != core.RlimInfinity || l.Max != core.RlimInfinity {
		tg.SetCPULimit(cpuLimit(l.Cur), cpuLimit(l.Max))
	}
}

func copyOutRlimit(t *core.Task, addr uintptr, l core.Rlimit) error {
	var b [16]byte
	le.PutUint64(b[0:], l.Cur)
	le.PutUint64(b[8:], l.Max)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

// doPrlimit reads and/or replaces limit res of tg, in Linux's order:
// a bad resource or a soft limit above the hard one is EINVAL, a
// descriptor limit above fs.nr_open or a raised hard limit without
// privilege EPERM; the old value is stored only if the change succeeded.
// t is the caller; self says tg is its own process, whose descriptor
// table and address space apply NOFILE and STACK at once.
func doPrlimit(t *core.Task, tg *core.ThreadGroup, res int, newAddr, oldAddr uintptr) error {
	if res < 0 || res >= rlimNlimits {
		return kerr.EINVAL
	}
	old := tg.Limit(res)
	var nl core.Rlimit
	if newAddr != 0 {
		var b [16]byte
		if _, err := t.MM().CopyIn(newAddr, b[:]); err != nil {
			return err
		}
		nl = core.Rlimit{Cur: le.Uint64(b[0:]), Max: le.Uint64(b[8:])}
		if nl.Cur > nl.Max {
			return kerr.EINVAL
		}
		if res == rlimitNofile && nl.Max > core.MaxFDs {
			return kerr.EPERM // above fs.nr_open
		}
		if nl.Max > old.Max && !t.Credentials().Privileged() {
			return kerr.EPERM // raising a hard limit needs CAP_SYS_RESOURCE
		}
		if tg != t.Group() {
			// Applying NOFILE and STACK reaches into another process's
			// descriptor table and address space, which only its own
			// threads touch.
			return kerr.EPERM
		}
	}
	if oldAddr != 0 {
		if err := copyOutRlimit(t, oldAddr, old); err != nil {
			return err
		}
	}
	if newAddr == 0 {
		return nil
	}
	tg.SetLimit(res, nl)
	switch res {
	case rlimitNofile:
		t.FDs().SetLimit(int(min(nl.Cur, core.MaxFDs)))
	case rlimitStack:
		t.MM().SetStackLimit(nl.Cur)
	case rlimitCore:
		tg.DumpsCore = nl.Cur != 0
	case rlimitCPU:
		tg.SetCPULimit(cpuLimit(nl.Cur), cpuLimit(nl.Max))
	}
	return nil
}

// mayPrlimit is prlimit(2)'s permission rule for another process: the
// caller's real uid and gid must equal all of the target's real,
// effective and saved ones, or the caller must be root.
func mayPrlimit(t *core.Task, target *core.ThreadGroup) bool {
	s, d := t.Credentials(), target.Credentials()
	if s.Privileged() {
		return true
	}
	return s.UID == d.UID && s.UID == d.EUID && s.UID == d.SUID &&
		s.GID == d.GID && s.GID == d.EGID && s.GID == d.SGID
}

func sysPrlimit64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	tg := t.Group()
	if pid := int(int32(a[0])); pid != 0 && pid != tg.PID() {
		tg = t.Kernel().GroupByPID(pid)
		if tg == nil {
			return 0, kerr.ESRCH
		}
		if !mayPrlimit(t, tg) {
			return 0, kerr.EPERM
		}
	}
	return 0, doPrlimit(t, tg, int(int32(a[1])), a[2], a[3])
}

func sysGetrlimit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, doPrlimit(t, t.Group(), int(int32(a[0])), 0, a[1])
}

func sysSetrlimit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, doPrlimit(t, t.Group(), int(int32(a[0])), a[1], 0)
}

// procLimit is what fork passes the core as RLIMIT_NPROC (see
// core.ForkOptions.ProcLimit: 0 there means no limit, and a limit of 0
// works as 1).
func procLimit(t *core.Task) uint64 {
	return max(t.Group().Limit(rlimitNproc).Cur, 1)
}

// growthAllowed reports whether the address space may grow by grow bytes
// under RLIMIT_AS (Linux's may_expand_vm).
func growthAllowed(t *core.Task, grow uintptr) bool {
	limit := t.Group().Limit(rlimitAS).Cur
	if limit == core.RlimInfinity || grow == 0 {
		return true
	}
	size := uint64(t.MM().VirtualSize())
	return uint64(grow) <= limit && size <= limit-uint64(grow)
}

// mmapAllowed is RLIMIT_AS for mmap(2): a MAP_FIXED mapping only adds
// what it does not replace.
func mmapAllowed(t *core.Task, o *mm.MmapOpts) bool {
	length, ok := arch.PageRoundUp(o.Length)
	if !ok {
		return true // mmap itself fails with ENOMEM
	}
	if o.Fixed && o.Addr+length > o.Addr {
		length -= t.MM().MappedBytes(o.Addr, o.Addr+length)
	}
	return growthAllowed(t, length)
}

// brkAllowed is RLIMIT_AS for brk(2): the heap's growth in pages.
func brkAllowed(t *core.Task, addr uintptr) bool {
	cur := t.MM().Brk(0)
	oldEnd, ok1 := arch.PageRoundUp(cur)
	newEnd, ok2 := arch.PageRoundUp(addr)
	if !ok1 || !ok2 || newEnd <= oldEnd {
		return true // shrinking, or a request brk refuses anyway
	}
	return growthAllowed(t, newEnd-oldEnd)
}

// mremapAllowed is RLIMIT_AS for mremap(2): the growth of the mapping.
func mremapAllowed(t *core.Task, oldLen, newLen uintptr) bool {
	o, ok1 := arch.PageRoundUp(oldLen)
	n, ok2 := arch.PageRoundUp(newLen)
	if !ok1 || !ok2 || n <= o {
		return true
	}
	return growthAllowed(t, n-o)
}

// cpuLimit turns an RLIMIT_CPU value (seconds) into a duration, 0 for
// unlimited.
func cpuLimit(v uint64) time.Duration {
	if v == core.RlimInfinity || v > uint64(1<<62)/uint64(time.Second) {
		return 0
	}
	return time.Duration(v) * time.Second
}
