package core

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// Timers of a process: the three interval timers of setitimer(2) (alarm(2)
// is ITIMER_REAL; itimer.go) and the POSIX timers of timer_create(2)
// (this file).
//
// Wall-clock timers run on Go timers whose callbacks send the signal.
// CPU-clock timers are checked at the task's accounting points, the two
// edges of each Switch (cputime.go); while one is armed, a task entering
// the guest also arms a Go timer that interrupts the Switch when the
// timer could expire, so that a guest spinning without syscalls still
// gets its SIGVTALRM.
//
// Lifetimes follow the man pages: fork(2) gives the child no timers; exec
// keeps the interval timers (execve(2)) but deletes POSIX timers
// (timer_create(2), NOTES); every timer dies with the process.
//
// Locking: groupTimers.mu guards the timer settings and is never held
// while another lock is taken. The fields of a POSIX timer that describe
// its queued signal are guarded by ThreadGroup.mu, the queue's own lock.

// ClockKind is the kind of clock a timer measures.
type ClockKind int

const (
	ClockRealtime ClockKind = iota
	ClockMonotonic
	ClockBoottime
	ClockCPU // a CPU-time clock: see CPUClock
)

// CPUKind is which CPU time a CPU clock counts (the kernel's CPUCLOCK_*
// kinds, see clock_getcpuclockid(3)).
type CPUKind int

const (
	CPUProf  CPUKind = iota // user + system
	CPUVirt                 // user only
	CPUSched                // all time on a CPU: user + system here
)

// CPUClock is the CPU-time clock of a process (Thread nil) or of one of
// its threads.
type CPUClock struct {
	Group  *ThreadGroup
	Thread *Task
	Kind   CPUKind
}

// Now reads the clock.
func (c CPUClock) Now() time.Duration {
	var u, s time.Duration
	if c.Thread != nil {
		u, s = c.Thread.CPUTime()
	} else {
		u, s = c.Group.CPUTime()
	}
	if c.Kind == CPUVirt {
		return u
	}
	return u + s
}

// nowAtEdge reads the clock without the slices other threads are still
// running, cheaply enough for every Switch edge.
func (c CPUClock) nowAtEdge() int64 {
	cpu := &c.Group.cpu
	var u, s int64
	if c.Thread != nil {
		u, s = c.Thread.cpu.user.Load(), c.Thread.cpu.sys.Load()
	} else {
		u, s = cpu.user.Load(), cpu.sys.Load()
	}
	if c.Kind == CPUVirt {
		return u
	}
	return u + s
}

// TimerClock is the clock a POSIX timer measures.
type TimerClock struct {
	Kind ClockKind
	CPU  CPUClock // for ClockCPU
}

// TimerSpec is a timer setting (struct itimerspec): the time to the next
// expiry (zero: disarmed) and the reload interval (zero: one-shot).
type TimerSpec struct {
	Value, Interval time.Duration
}

// NotifyKind is how a POSIX timer tells of its expiry (sigevent(7)).
type NotifyKind int

const (
	NotifySignal NotifyKind = iota // a signal to the process
	NotifyNone                     // nothing: the timer is read with timer_gettime
	NotifyThread                   // a signal to one thread (SIGEV_THREAD_ID)
)

// SigEvent is a decoded struct sigevent.
type SigEvent struct {
	Notify NotifyKind
	Signo  Signal
	Value  uint64
	Thread *Task // NotifyThread's target
	// ValueIsID makes the timer's ID its value (timer_create(2) with a
	// NULL sevp).
	ValueIsID bool
}

// minTimerPeriod is the shortest wait between two firings of one Go
// timer: a very short interval is accounted as overruns rather than by
// waking up that often.
const minTimerPeriod = 100 * time.Microsecond

// maxPosixTimers bounds a process's POSIX timers (EAGAIN beyond).
const maxPosixTimers = 1 << 15

// groupTimers are a process's timers.
type groupTimers struct {
	mu         sync.Mutex
	real       realItimer
	virt, prof cpuItimer
	posix      map[int]*posixTimer
	nextID     int
	// cpuLimit is RLIMIT_CPU's soft limit as a timer (SIGXCPU, then once
	// a second); cpuHard its hard limit (SIGKILL), a CPU clock value or 0.
	cpuLimit cpuItimer
	cpuHard  int64
	// cpuArmed counts armed CPU-clock timers, so that a Switch edge
	// costs one atomic load when there are none.
	cpuArmed atomic.Int32
}

// posixTimer is one timer_create(2) timer.
type posixTimer struct {
	id    int
	tg    *ThreadGroup
	clock TimerClock
	ev    SigEvent

	// Guarded by groupTimers.mu.
	armed    bool
	next     time.Time // wall clocks: the next expiry
	expires  int64     // CPU clocks: the clock value of the next expiry
	interval time.Duration
	timer    *time.Timer
	gen      int
	deleted  bool

	// Guarded by ThreadGroup.mu: the timer's signal is queued at most
	// once; expirations meanwhile are counted in its si_overrun.
	queued      bool
	overrun     int32 // the queued signal's overrun so far
	lastOverrun int32 // timer_getoverrun: that of the last delivered one
}

// forward returns the first expiry after now of a periodic timer that
// was due at next (next <= now).
func forward(next time.Time, interval time.Duration, now time.Time) time.Time {
	n := 1 + now.Sub(next)/interval
	return next.Add(n * interval)
}

// recountCPULocked refreshes cpuArmed; the caller holds tm.mu.
func (tm *groupTimers) recountCPULocked() {
	n := int32(0)
	if tm.virt.expires != 0 {
		n++
	}
	if tm.prof.expires != 0 {
		n++
	}
	if tm.cpuLimit.expires != 0 || tm.cpuHard != 0 {
		n++
	}
	for _, pt := range tm.posix {
		if pt.armed && pt.clock.Kind == ClockCPU {
			n++
		}
	}
	tm.cpuArmed.Store(n)
}

// ---- timer_create(2) and friends ----

// CreateTimer makes a POSIX timer of tg measuring clock and notifying as
// ev says; it starts disarmed. It returns the timer's ID.
func (tg *ThreadGroup) CreateTimer(clock TimerClock, ev SigEvent) (int, error) {
	switch ev.Notify {
	case NotifySignal, NotifyThread:
		if !ev.Signo.Valid() {
			return 0, kerr.EINVAL
		}
		if ev.Notify == NotifyThread && (ev.Thread == nil || ev.Thread.tg != tg) {
			return 0, kerr.EINVAL
		}
	case NotifyNone:
	default:
		return 0, kerr.EINVAL
	}
	if clock.Kind == ClockCPU {
		c := clock.CPU
		if c.Thread != nil {
			c.Group = c.Thread.tg
		}
		if c.Group != tg {
			// Timers on another process's CPU clock are not kept.
			return 0, kerr.EINVAL
		}
		clock.CPU = c
	}
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.posix == nil {
		tm.posix = map[int]*posixTimer{}
	}
	if len(tm.posix) >= maxPosixTimers {
		return 0, kerr.EAGAIN
	}
	// IDs are handed out in sequence from 0, skipping ones in use.
	id := tm.nextID
	for tm.posix[id] != nil {
		id = (id + 1) & math.MaxInt32
	}
	tm.nextID = (id + 1) & math.MaxInt32
	if ev.ValueIsID {
		ev.Value = uint64(id)
	}
	tm.posix[id] = &posixTimer{id: id, tg: tg, clock: clock, ev: ev}
	return id, nil
}

func (tm *groupTimers) lookupLocked(id int) (*posixTimer, error) {
	pt := tm.posix[id]
	if pt == nil {
		return nil, kerr.EINVAL
	}
	return pt, nil
}

// ClockOfTimer returns the clock timer id measures.
func (tg *ThreadGroup) ClockOfTimer(id int) (TimerClock, error) {
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	pt, err := tm.lookupLocked(id)
	if err != nil {
		return TimerClock{}, err
	}
	return pt.clock, nil
}

// GetTimer returns timer id's setting: time to the next expiry and the
// interval (timer_gettime(2)).
func (tg *ThreadGroup) GetTimer(id int) (TimerSpec, error) {
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	pt, err := tm.lookupLocked(id)
	if err != nil {
		return TimerSpec{}, err
	}
	return pt.getLocked(), nil
}

func (pt *posixTimer) getLocked() TimerSpec {
	spec := TimerSpec{Interval: pt.interval}
	if !pt.armed {
		return spec
	}
	sigNone := pt.ev.Notify == NotifyNone
	if pt.clock.Kind == ClockCPU {
		now := pt.clock.CPU.nowAtEdge()
		left := pt.expires - now
		if left <= 0 && sigNone {
			// Nothing checks a silent timer: run it forward here.
			if pt.interval == 0 {
				pt.armed = false
				pt.tg.timers.recountCPULocked()
				return spec
			}
			n := 1 + (now-pt.expires)/int64(pt.interval)
			pt.expires += n * int64(pt.interval)
			left = pt.expires - now
		}
		spec.Value = time.Duration(max(left, 1))
		return spec
	}
	now := time.Now()
	if !now.Before(pt.next) && sigNone {
		if pt.interval == 0 {
			pt.armed = false
			return spec
		}
		pt.next = forward(pt.next, pt.interval, now)
	}
	// An armed timer past its expiry (its signal on the way) reads as
	// 1ns, as on Linux: zero would mean disarmed.
	spec.Value = max(pt.next.Sub(now), 1)
	return spec
}

// SetTimer arms timer id to expire after spec.Value (zero: disarm) and
// every spec.Interval after that, and returns the previous setting
// (timer_settime(2); an absolute time is converted by the caller). A
// signal of the previous setting still pending is dropped, and the
// overrun count starts again.
func (tg *ThreadGroup) SetTimer(id int, spec TimerSpec) (TimerSpec, error) {
	tm := &tg.timers
	tm.mu.Lock()
	pt, err := tm.lookupLocked(id)
	if err != nil {
		tm.mu.Unlock()
		return TimerSpec{}, err
	}
	old := pt.getLocked()
	pt.disarmLocked()
	pt.interval = spec.Interval
	if spec.Value > 0 {
		pt.armed = true
		switch {
		case pt.clock.Kind == ClockCPU:
			pt.expires = pt.clock.CPU.nowAtEdge() + int64(spec.Value)
		default:
			pt.next = time.Now().Add(spec.Value)
			if pt.ev.Notify != NotifyNone {
				gen := pt.gen
				pt.timer = time.AfterFunc(spec.Value, func() { pt.wallFired(gen) })
			}
		}
	}
	tm.recountCPULocked()
	tm.mu.Unlock()
	pt.unqueue(true)
	return old, nil
}

// disarmLocked stops the timer; the caller holds tm.mu.
func (pt *posixTimer) disarmLocked() {
	pt.gen++
	pt.armed = false
	if pt.timer != nil {
		pt.timer.Stop()
		pt.timer = nil
	}
}

// DeleteTimer deletes timer id (timer_delete(2)); its pending signal,
// if any, goes with it.
func (tg *ThreadGroup) DeleteTimer(id int) error {
	tm := &tg.timers
	tm.mu.Lock()
	pt, err := tm.lookupLocked(id)
	if err != nil {
		tm.mu.Unlock()
		return err
	}
	pt.disarmLocked()
	pt.deleted = true
	delete(tm.posix, id)
	tm.recountCPULocked()
	tm.mu.Unlock()
	pt.unqueue(false)
	return nil
}

// TimerOverrun returns the overrun count of timer id's last delivered
// signal (timer_getoverrun(2)).
func (tg *ThreadGroup) TimerOverrun(id int) (int, error) {
	tm := &tg.timers
	tm.mu.Lock()
	pt, err := tm.lookupLocked(id)
	tm.mu.Unlock()
	if err != nil {
		return 0, err
	}
	tg.mu.Lock()
	defer tg.mu.Unlock()
	pt.settleLocked()
	return int(pt.lastOverrun), nil
}

// wallFired runs on a Go timer when a wall-clock timer expires.
func (pt *posixTimer) wallFired(gen int) {
	tm := &pt.tg.timers
	tm.mu.Lock()
	if pt.gen != gen || !pt.armed {
		tm.mu.Unlock()
		return
	}
	now := time.Now()
	n := int64(1)
	if pt.interval > 0 {
		n += int64(now.Sub(pt.next) / pt.interval)
		pt.next = pt.next.Add(time.Duration(n) * pt.interval)
	} else {
		pt.armed = false
	}
	tm.mu.Unlock()
	pt.notify(n)
	tm.mu.Lock()
	if pt.gen == gen && pt.armed {
		pt.timer.Reset(max(time.Until(pt.next), minTimerPeriod))
	}
	tm.mu.Unlock()
}

// notify tells of n expirations: it queues the timer's signal, or, if
// that is still pending, adds them to its overrun. See timer_getoverrun(2):
// a timer's signal is queued at most once.
func (pt *posixTimer) notify(n int64) {
	if pt.ev.Notify == NotifyNone {
		return
	}
	tg := pt.tg
	tg.mu.Lock()
	if q := pt.findQueuedLocked(); q != nil {
		q.Overrun = addOverrun(q.Overrun, n)
		pt.overrun = q.Overrun
		tg.mu.Unlock()
		return
	}
	pt.settleLocked()
	info := SigInfo{
		Signo:   pt.ev.Signo,
		Code:    SITimer,
		TimerID: int32(pt.id),
		Overrun: addOverrun(0, n-1),
		Value:   pt.ev.Value,
		timer:   pt,
	}
	pt.queued, pt.overrun = true, info.Overrun
	tg.mu.Unlock()
	var target *Task
	if pt.ev.Notify == NotifyThread {
		target = pt.ev.Thread
	}
	tg.send(target, &info)
}

// addOverrun adds n to an overrun count, which stops at DELAYTIMER_MAX
// (INT_MAX) as timer_getoverrun(2) says.
func addOverrun(o int32, n int64) int32 {
	return int32(min(int64(o)+n, math.MaxInt32))
}

// settleLocked notices that the timer's queued signal has been taken
// (delivered, waited for, or discarded): its overrun becomes the one
// timer_getoverrun reports. The caller holds tg.mu.
func (pt *posixTimer) settleLocked() {
	if pt.queued && pt.findQueuedLocked() == nil {
		pt.queued, pt.lastOverrun = false, pt.overrun
	}
}

// findQueuedLocked returns the timer's pending signal, or nil. The caller
// holds tg.mu.
func (pt *posixTimer) findQueuedLocked() *SigInfo {
	if !pt.queued {
		return nil
	}
	q := pt.queue()
	list := q.infos[pt.ev.Signo]
	for i := range list {
		if list[i].timer == pt {
			return &list[i]
		}
	}
	return nil
}

func (pt *posixTimer) queue() *sigQueue {
	if pt.ev.Notify == NotifyThread {
		return &pt.ev.Thread.pending
	}
	return &pt.tg.pending
}

// unqueue drops the timer's pending signal (the timer was re-armed or
// deleted) and, when rearmed, starts the overrun count again.
func (pt *posixTimer) unqueue(rearmed bool) {
	if pt.ev.Notify == NotifyNone {
		return
	}
	tg := pt.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if pt.queued {
		q := pt.queue()
		s := pt.ev.Signo
		list := q.infos[s]
		for i := range list {
			if list[i].timer == pt {
				q.infos[s] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(q.infos[s]) == 0 {
			q.infos[s] = nil
			q.set &^= SigMask(s)
		}
	}
	pt.queued = false
	if rearmed {
		pt.overrun, pt.lastOverrun = 0, 0
	}
}

// ---- lifetime ----

// deletePosixTimers deletes every POSIX timer of tg (exec).
func (tg *ThreadGroup) deletePosixTimers() {
	tm := &tg.timers
	tm.mu.Lock()
	timers := tm.posix
	tm.posix = nil
	tm.nextID = 0
	for _, pt := range timers {
		pt.disarmLocked()
		pt.deleted = true
	}
	tm.recountCPULocked()
	tm.mu.Unlock()
	for _, pt := range timers {
		pt.unqueue(false)
	}
}

// stopTimers stops every timer of a process that has exited.
func (tg *ThreadGroup) stopTimers() {
	tg.deletePosixTimers()
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.real.gen++
	if tm.real.timer != nil {
		tm.real.timer.Stop()
		tm.real.timer = nil
	}
	tm.real.next = time.Time{}
	tm.virt, tm.prof = cpuItimer{}, cpuItimer{}
	tm.cpuArmed.Store(0)
}
