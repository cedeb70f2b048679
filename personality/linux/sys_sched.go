package linux

import (
	"runtime"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Scheduling calls. runos leaves scheduling to the host, so these record
// what a program asks for (per thread, in core.SchedAttr) and answer as
// Linux would, with Linux's permission rules; nothing reaches the host
// scheduler. See sched(7).

// schedCalls are the scheduling calls.
var schedCalls = map[string]impl{
	"sched_getparam":         full(sysSchedGetparam),
	"sched_setparam":         partial(sysSchedSetparam, "recorded; the host schedules every thread"),
	"sched_getscheduler":     full(sysSchedGetscheduler),
	"sched_setscheduler":     partial(sysSchedSetscheduler, "recorded; the host schedules every thread; no SCHED_DEADLINE"),
	"sched_get_priority_max": full(sysSchedGetPriorityMax),
	"sched_get_priority_min": full(sysSchedGetPriorityMin),
	"sched_rr_get_interval":  full(sysSchedRRGetInterval),
	"sched_getaffinity":      full(sysSchedGetaffinity),
	"sched_setaffinity":      partial(sysSchedSetaffinity, "recorded; the host decides where threads run"),
	"getpriority":            full(sysGetpriority),
	"setpriority":            partial(sysSetpriority, "recorded; the host schedules every thread"),
}

// Scheduling policies (<linux/sched.h>).
const (
	schedOther       = 0
	schedFIFO        = 1
	schedRR          = 2
	schedBatch       = 3
	schedIdle        = 5
	schedDeadline    = 6
	schedExt         = 7 // SCHED_EXT (Linux 6.12): a BPF scheduler's class
	schedResetOnFork = 0x40000000

	// maxRTPrio is MAX_RT_PRIO: real-time priorities are 1..99.
	maxRTPrio = 100
	// rrTimeslice is sched_rr_timeslice_ms's default, 100 ms.
	rrTimesliceNs = 100_000_000
)

// setparamPolicy stands for "keep the current policy" (sched_setparam).
const setparamPolicy = -1

// Resource limits the scheduler consults (getrlimit(2)).
const (
	rlimitNice   = 13
	rlimitRtprio = 14
)

// getpriority(2) "which" values.
const (
	prioProcess = 0
	prioPgrp    = 1
	prioUser    = 2
)

func realTime(policy int) bool { return policy == schedFIFO || policy == schedRR }

// schedTarget finds the thread a sched_* call names: 0 is the caller.
// A negative pid is EINVAL, an unknown one ESRCH.
func schedTarget(t *core.Task, pidArg uintptr) (*core.Task, error) {
	pid := int(int32(pidArg))
	switch {
	case pid < 0:
		return nil, kerr.EINVAL
	case pid == 0:
		return t, nil
	}
	if target := t.Kernel().TaskByTID(pid); target != nil {
		return target, nil
	}
	return nil, kerr.ESRCH
}

// niceAllowed says whether target may get nice value nice without
// privilege: raising the priority (lowering nice) is allowed down to
// 20 - RLIMIT_NICE (setrlimit(2), RLIMIT_NICE).
func niceAllowed(target *core.Task, nice int) bool {
	return uint64(20-nice) <= target.Group().Limit(rlimitNice).Cur
}

func sysSchedGetscheduler(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	target, err := schedTarget(t, a[0])
	if err != nil {
		return 0, err
	}
	s := target.SchedAttr()
	p := s.Policy
	if s.ResetOnFork {
		p |= schedResetOnFork
	}
	return uintptr(p), nil
}

func sysSchedGetparam(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[1] == 0 {
		return 0, kerr.EINVAL
	}
	target, err := schedTarget(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, copyOutU32(t, a[1], uint32(target.SchedAttr().Priority))
}

func sysSchedSetscheduler(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	policy := int(int32(a[1]))
	if policy < 0 {
		return 0, kerr.EINVAL
	}
	return 0, setScheduler(t, a[0], policy, a[2])
}

func sysSchedSetparam(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, setScheduler(t, a[0], setparamPolicy, a[1])
}

// setScheduler is sched_setscheduler(2) and sched_setparam(2), in the
// order Linux checks: arguments, the target, the policy and priority,
// then permission.
func setScheduler(t *core.Task, pidArg uintptr, policy int, paramAddr uintptr) error {
	if paramAddr == 0 || int32(pidArg) < 0 {
		return kerr.EINVAL
	}
	var b [4]byte
	if _, err := t.MM().CopyIn(paramAddr, b[:]); err != nil {
		return err
	}
	prio := uint32(le.Uint32(b[:])) // a negative priority is out of range
	target, err := schedTarget(t, pidArg)
	if err != nil {
		return err
	}
	old := target.SchedAttr()
	n := old
	if policy == setparamPolicy {
		policy = old.Policy
	} else {
		n.ResetOnFork = policy&schedResetOnFork != 0
		policy &^= schedResetOnFork
		switch policy {
		case schedOther, schedFIFO, schedRR, schedBatch, schedIdle:
		default:
			// SCHED_DEADLINE needs sched_setattr's parameters.
			return kerr.EINVAL
		}
	}
	if prio >= maxRTPrio || realTime(policy) != (prio != 0) {
		return kerr.EINVAL
	}
	n.Policy, n.Priority = policy, int(prio)
	if !t.Credentials().Privileged() && !schedChangeAllowed(t, target, old, n) {
		return kerr.EPERM
	}
	target.SetSchedAttr(n)
	return nil
}

// schedChangeAllowed applies sched(7)'s rules for unprivileged threads:
// only the owner may change a thread's scheduling; a real-time policy or
// a higher real-time priority needs RLIMIT_RTPRIO; leaving SCHED_IDLE
// needs RLIMIT_NICE to allow the current nice value; and
// SCHED_RESET_ON_FORK, once set, stays.
func schedChangeAllowed(t, target *core.Task, old, n core.SchedAttr) bool {
	rtprio := target.Group().Limit(rlimitRtprio).Cur
	if realTime(n.Policy) {
		if n.Policy != old.Policy && rtprio == 0 {
			return false
		}
		if n.Priority > old.Priority && uint64(n.Priority) > rtprio {
			return false
		}
	}
	if old.Policy == schedIdle && n.Policy != schedIdle && !niceAllowed(target, old.Nice) {
		return false
	}
	if !t.OwnsOrPrivileged(target.Group()) {
		return false
	}
	return !old.ResetOnFork || n.ResetOnFork
}

func sysSchedGetPriorityMax(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	switch int(int32(a[0])) {
	case schedFIFO, schedRR:
		return maxRTPrio - 1, nil
	case schedOther, schedBatch, schedIdle, schedDeadline, schedExt:
		return 0, nil
	}
	return 0, kerr.EINVAL
}

func sysSchedGetPriorityMin(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	switch int(int32(a[0])) {
	case schedFIFO, schedRR:
		return 1, nil
	case schedOther, schedBatch, schedIdle, schedDeadline, schedExt:
		return 0, nil
	}
	return 0, kerr.EINVAL
}

// sysSchedRRGetInterval reports SCHED_RR's time slice for an RR thread
// and 0 ("infinite", or no fixed slice) for every other policy, as Linux
// does for FIFO and for the fair class when the thread runs alone.
func sysSchedRRGetInterval(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	target, err := schedTarget(t, a[0])
	if err != nil {
		return 0, err
	}
	var ns uint64
	if target.SchedAttr().Policy == schedRR {
		ns = rrTimesliceNs
	}
	var b [16]byte
	le.PutUint64(b[0:], ns/1e9)
	le.PutUint64(b[8:], ns%1e9)
	_, err = t.MM().CopyOut(a[1], b[:])
	return 0, err
}

// onlineCPUs is the mask of the CPUs a thread may run on: those runos
// may use, at most 64.
func onlineCPUs() uint64 {
	n := min(runtime.NumCPU(), 64)
	if n == 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}

// affinityTarget finds the thread of sched_{get,set}affinity: unlike the
// other sched_* calls, a negative pid is simply not found.
func affinityTarget(t *core.Task, pidArg uintptr) (*core.Task, error) {
	if int32(pidArg) < 0 {
		return nil, kerr.ESRCH
	}
	return schedTarget(t, pidArg)
}

func sysSchedGetaffinity(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	// The mask is as long as nr_cpu_ids bits rounded up to longs: 8 bytes
	// here. A buffer shorter than that, or not a multiple of 8, is
	// EINVAL (sched_setaffinity(2)).
	size := a[1]
	if size < 8 || size%8 != 0 {
		return 0, kerr.EINVAL
	}
	target, err := affinityTarget(t, a[0])
	if err != nil {
		return 0, err
	}
	mask := onlineCPUs()
	if m := target.SchedAttr().Affinity; m != 0 {
		mask &= m
	}
	if err := copyOutU64(t, a[2], mask); err != nil {
		return 0, err
	}
	return 8, nil
}

// sysSchedSetaffinity records a thread's CPU mask. A mask shorter than
// the kernel's is zero-extended and a longer one cut; a mask with no
// usable CPU is EINVAL; someone else's thread needs privilege (EPERM).
func sysSchedSetaffinity(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var b [8]byte
	n := min(uintptr(len(b)), uintptr(uint32(a[1])))
	if _, err := t.MM().CopyIn(a[2], b[:n]); err != nil {
		return 0, err
	}
	target, err := affinityTarget(t, a[0])
	if err != nil {
		return 0, err
	}
	if !t.OwnsOrPrivileged(target.Group()) {
		return 0, kerr.EPERM
	}
	mask := le.Uint64(b[:]) & onlineCPUs()
	if mask == 0 {
		return 0, kerr.EINVAL
	}
	s := target.SchedAttr()
	s.Affinity = mask
	target.SetSchedAttr(s)
	return 0, nil
}

// prioTargets are the threads getpriority(2) and setpriority(2) address:
// a thread (PRIO_PROCESS, as Linux looks who up as a thread ID), every
// thread of a process group, or every thread of a real user. 0 means the
// caller's own thread, group or real uid.
func prioTargets(t *core.Task, which int, who int) ([]*core.Task, error) {
	switch which {
	case prioProcess:
		if who == 0 {
			return []*core.Task{t}, nil
		}
		if target := t.Kernel().TaskByTID(who); target != nil {
			return []*core.Task{target}, nil
		}
		return nil, nil
	case prioPgrp, prioUser:
		if who == 0 {
			if which == prioPgrp {
				who = t.Group().ProcessGroup()
			} else {
				who = int(t.Credentials().UID)
			}
		}
		var out []*core.Task
		for _, o := range t.Kernel().AllTasks() {
			if which == prioPgrp && o.Group().ProcessGroup() == who ||
				which == prioUser && o.Credentials().UID == uint32(who) {
				out = append(out, o)
			}
		}
		return out, nil
	}
	return nil, kerr.EINVAL
}

// sysGetpriority returns 20 - nice of the most favourable matching
// thread: the raw system call avoids negative results so that they are
// not taken for errors (getpriority(2), "C library/kernel differences").
func sysGetpriority(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	targets, err := prioTargets(t, int(int32(a[0])), int(int32(a[1])))
	if err != nil {
		return 0, err
	}
	if len(targets) == 0 {
		return 0, kerr.ESRCH
	}
	best := 0
	for _, o := range targets {
		best = max(best, 20-o.SchedAttr().Nice)
	}
	return uintptr(best), nil
}

// sysSetpriority sets the nice value of every matching thread, clamped
// to -20..19. A thread the caller does not own is EPERM; lowering a nice
// value beyond RLIMIT_NICE without privilege is EACCES. The error of a
// refused thread is reported even if others were changed, as Linux does.
func sysSetpriority(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	targets, err := prioTargets(t, int(int32(a[0])), int(int32(a[1])))
	if err != nil {
		return 0, err
	}
	nice := min(max(int(int32(a[2])), -20), 19)
	priv := t.Credentials().Privileged()
	err = kerr.ESRCH
	for _, o := range targets {
		s := o.SchedAttr()
		switch {
		case !t.OwnsOrPrivileged(o.Group()):
			err = kerr.EPERM
		case nice < s.Nice && !priv && !niceAllowed(o, nice):
			err = kerr.EACCES
		default:
			if err == kerr.ESRCH {
				err = nil
			}
			s.Nice = nice
			o.SetSchedAttr(s)
		}
	}
	return 0, err
}
