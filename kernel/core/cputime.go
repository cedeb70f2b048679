package core

import (
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/mm"
)

// CPU-time accounting. A task's user time is the time it spends inside
// the platform's Switch (running guest instructions); its system time is
// the time its own goroutine spends serving its traps, minus the time it
// sits blocked in Task.Block (a sleeping task uses no CPU). Both are
// measured with the monotonic clock at the two edges of each Switch, so
// the cost is one clock read per edge and no allocation.
//
// See getrusage(2), times(2) and clock_gettime(2) for what reads them.

// cpuEpoch is the origin of the monotonic nanosecond stamps below.
var cpuEpoch = time.Now()

// monoNow is nanoseconds since cpuEpoch on the monotonic clock.
func monoNow() int64 { return int64(time.Since(cpuEpoch)) }

// taskCPU is one task's CPU time. The task's own goroutine writes it;
// other tasks read the atomics (RUSAGE_SELF, another thread's CPU clock).
type taskCPU struct {
	user, sys atomic.Int64 // nanoseconds
	// inGuest is the stamp of the current Switch's start, or 0 outside
	// Switch, so that readers can add the slice still running.
	inGuest atomic.Int64

	// Owned by the task's goroutine.
	mark    int64 // stamp of the last Switch edge
	blocked int64 // nanoseconds spent in Block since mark
	// wake interrupts a Switch when a CPU timer of the task may expire
	// (a guest spinning without syscalls never traps by itself); waking
	// says it is set.
	wake   *time.Timer
	waking bool
}

// groupCPU is a process's CPU time: the sum over its threads, living and
// exited, and over its children that have been waited for.
type groupCPU struct {
	user, sys           atomic.Int64 // nanoseconds, every thread ever
	childUser, childSys atomic.Int64 // reaped children and their reaped children
	maxRSS              atomic.Int64 // peak resident bytes seen (ru_maxrss)
	childMaxRSS         atomic.Int64 // largest maxRSS of a reaped child
}

// Rusage is resource usage as getrusage(2) reports it, in neutral units.
type Rusage struct {
	User, Sys time.Duration
	MaxRSS    int64 // bytes
}

// startCPUClock starts measuring on the task's goroutine.
func (t *Task) startCPUClock() { t.cpu.mark = monoNow() }

// enterGuest ends a system-time slice (everything since the last Switch
// returned, less blocked time) and starts a user-time slice.
func (t *Task) enterGuest() {
	now := monoNow()
	if d := now - t.cpu.mark - t.cpu.blocked; d > 0 {
		t.cpu.sys.Add(d)
		t.tg.cpu.sys.Add(d)
	}
	t.cpu.mark, t.cpu.blocked = now, 0
	t.cpu.inGuest.Store(now)
	if t.tg.timers.cpuArmed.Load() != 0 {
		t.runCPUTimers(true)
	}
}

// leaveGuest ends a user-time slice, when Switch returns.
func (t *Task) leaveGuest() {
	now := monoNow()
	t.cpu.inGuest.Store(0)
	if d := now - t.cpu.mark; d > 0 {
		t.cpu.user.Add(d)
		t.tg.cpu.user.Add(d)
	}
	t.cpu.mark = now
	if t.cpu.waking {
		t.cpu.wake.Stop()
		t.cpu.waking = false
	}
	if t.tg.timers.cpuArmed.Load() != 0 {
		t.runCPUTimers(false)
	}
}

// blockedFor records time the task spent waiting, which is not CPU time.
func (t *Task) blockedFor(start time.Time) {
	t.cpu.blocked += int64(time.Since(start))
}

// noteRSS records the address space's current size for ru_maxrss.
func (tg *ThreadGroup) noteRSS(m *mm.MM) {
	if m == nil {
		return
	}
	rss := int64(m.ResidentPages()) * arch.PageSize
	for {
		old := tg.cpu.maxRSS.Load()
		if rss <= old || tg.cpu.maxRSS.CompareAndSwap(old, rss) {
			return
		}
	}
}

// running is the part of a slice in the guest not yet accounted.
func (c *taskCPU) running() int64 {
	if s := c.inGuest.Load(); s != 0 {
		return max(monoNow()-s, 0)
	}
	return 0
}

// CPUTime returns the task's own user and system time (RUSAGE_THREAD,
// CLOCK_THREAD_CPUTIME_ID).
func (t *Task) CPUTime() (user, sys time.Duration) {
	return time.Duration(t.cpu.user.Load() + t.cpu.running()), time.Duration(t.cpu.sys.Load())
}

// Usage returns the task's own usage (getrusage RUSAGE_THREAD).
func (t *Task) Usage() Rusage {
	u, s := t.CPUTime()
	t.tg.noteRSS(t.mm)
	return Rusage{User: u, Sys: s, MaxRSS: t.tg.cpu.maxRSS.Load()}
}

// CPUTime returns the process's user and system time: every thread it
// has had, including time still running in the guest (RUSAGE_SELF,
// CLOCK_PROCESS_CPUTIME_ID).
func (tg *ThreadGroup) CPUTime() (user, sys time.Duration) {
	u := tg.cpu.user.Load()
	tg.mu.Lock()
	for _, t := range tg.tasks {
		u += t.cpu.running()
	}
	tg.mu.Unlock()
	return time.Duration(u), time.Duration(tg.cpu.sys.Load())
}

// Usage returns the process's own usage (RUSAGE_SELF).
func (tg *ThreadGroup) Usage() Rusage {
	u, s := tg.CPUTime()
	return Rusage{User: u, Sys: s, MaxRSS: tg.cpu.maxRSS.Load()}
}

// ChildrenUsage returns the usage of the children that have been waited
// for, and of their own waited-for descendants (RUSAGE_CHILDREN).
func (tg *ThreadGroup) ChildrenUsage() Rusage {
	return Rusage{
		User:   time.Duration(tg.cpu.childUser.Load()),
		Sys:    time.Duration(tg.cpu.childSys.Load()),
		MaxRSS: tg.cpu.childMaxRSS.Load(),
	}
}

// usageBoth is a process's own usage plus its children's, which is what
// wait4(2) reports about a reaped child (Linux's RUSAGE_BOTH).
func (tg *ThreadGroup) usageBoth() Rusage {
	r := tg.Usage()
	c := tg.ChildrenUsage()
	return Rusage{User: r.User + c.User, Sys: r.Sys + c.Sys, MaxRSS: max(r.MaxRSS, c.MaxRSS)}
}

// addReapedChild folds a reaped child's usage into tg's children's
// totals. See getrusage(2), RUSAGE_CHILDREN: only children that were
// waited for count.
func (tg *ThreadGroup) addReapedChild(r Rusage) {
	tg.cpu.childUser.Add(int64(r.User))
	tg.cpu.childSys.Add(int64(r.Sys))
	for {
		old := tg.cpu.childMaxRSS.Load()
		if r.MaxRSS <= old || tg.cpu.childMaxRSS.CompareAndSwap(old, r.MaxRSS) {
			return
		}
	}
}
