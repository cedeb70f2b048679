package core

import (
	"math"
	"time"
)

// The interval timers of setitimer(2) (alarm(2) is ITIMER_REAL), and the
// check of every CPU-clock timer at a task's Switch edges. See timer.go
// for how timers run and are locked.

// Itimer is one of setitimer(2)'s timers.
type Itimer int

const (
	ItimerReal    Itimer = iota // wall clock, SIGALRM
	ItimerVirtual               // user CPU time of the process, SIGVTALRM
	ItimerProf                  // user + system CPU time, SIGPROF
)

type realItimer struct {
	timer    *time.Timer
	gen      int       // bumped at each setting: a stale callback does nothing
	next     time.Time // zero: disarmed
	interval time.Duration
}

type cpuItimer struct {
	expires  int64 // CPU clock value of the next expiry; 0: disarmed
	interval int64
}

// GetItimer returns the setting of interval timer which: the time left
// and the interval (getitimer(2)).
func (tg *ThreadGroup) GetItimer(which Itimer) TimerSpec {
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	switch which {
	case ItimerReal:
		if tm.real.next.IsZero() {
			return TimerSpec{Interval: tm.real.interval}
		}
		// An expired timer whose callback has not run yet shows a
		// tiny value, not zero: it is still armed.
		return TimerSpec{Value: max(time.Until(tm.real.next), time.Microsecond), Interval: tm.real.interval}
	case ItimerVirtual:
		return tm.virt.get(CPUClock{Group: tg, Kind: CPUVirt})
	default:
		return tm.prof.get(CPUClock{Group: tg, Kind: CPUProf})
	}
}

func (it *cpuItimer) get(c CPUClock) TimerSpec {
	if it.expires == 0 {
		return TimerSpec{Interval: time.Duration(it.interval)}
	}
	left := max(it.expires-c.nowAtEdge(), int64(time.Microsecond))
	return TimerSpec{Value: time.Duration(left), Interval: time.Duration(it.interval)}
}

// SetItimer arms (or, with a zero Value, disarms) interval timer which
// and returns its previous setting (setitimer(2)).
func (tg *ThreadGroup) SetItimer(which Itimer, spec TimerSpec) TimerSpec {
	old := tg.GetItimer(which)
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	switch which {
	case ItimerReal:
		r := &tm.real
		r.gen++
		if r.timer != nil {
			r.timer.Stop()
			r.timer = nil
		}
		// A disarmed ITIMER_REAL keeps no interval (Linux's
		// do_setitimer), unlike the CPU ones.
		r.next, r.interval = time.Time{}, 0
		if spec.Value > 0 {
			r.interval = spec.Interval
			r.next = time.Now().Add(spec.Value)
			gen := r.gen
			r.timer = time.AfterFunc(spec.Value, func() { tg.realItimerFired(gen) })
		}
	case ItimerVirtual:
		tm.virt.set(spec, CPUClock{Group: tg, Kind: CPUVirt})
	case ItimerProf:
		tm.prof.set(spec, CPUClock{Group: tg, Kind: CPUProf})
	}
	tm.recountCPULocked()
	return old
}

func (it *cpuItimer) set(spec TimerSpec, c CPUClock) {
	it.expires, it.interval = 0, int64(spec.Interval)
	if spec.Value > 0 {
		it.expires = c.nowAtEdge() + int64(spec.Value)
	}
}

// realItimerFired sends SIGALRM and reloads ITIMER_REAL. Like Linux's
// itimer, it counts no overruns: intervals missed while late are skipped.
func (tg *ThreadGroup) realItimerFired(gen int) {
	tm := &tg.timers
	tm.mu.Lock()
	r := &tm.real
	if r.gen != gen || r.next.IsZero() {
		tm.mu.Unlock()
		return
	}
	now := time.Now()
	if r.interval > 0 {
		r.next = forward(r.next, r.interval, now)
		r.timer.Reset(max(r.next.Sub(now), minTimerPeriod))
	} else {
		r.next = time.Time{}
	}
	tm.mu.Unlock()
	// See setitimer(2): the signal is SIGALRM, sent as by the kernel.
	tg.SendSignal(&SigInfo{Signo: SIGALRM, Code: SIKernel})
}

// cpuFiring is one CPU-clock timer expiry found at a Switch edge.
type cpuFiring struct {
	sig Signal
	pt  *posixTimer
	n   int64
}

// runCPUTimers fires the CPU-clock timers of t's process that have
// expired, and, when the task is about to enter the guest, arms its wake
// timer for the nearest expiry. It runs on t's goroutine.
func (t *Task) runCPUTimers(entering bool) {
	tg := t.tg
	tm := &tg.timers
	var fired [4]cpuFiring
	fires := fired[:0]
	next := int64(math.MaxInt64) // nanoseconds of CPU time to the nearest expiry

	tm.mu.Lock()
	user, sys := tg.cpu.user.Load(), tg.cpu.sys.Load()
	for _, it := range [...]struct {
		it  *cpuItimer
		now int64
		sig Signal
	}{{&tm.virt, user, SIGVTALRM}, {&tm.prof, user + sys, SIGPROF}, {&tm.cpuLimit, user + sys, SIGXCPU}} {
		if it.it.expires == 0 {
			continue
		}
		if it.now >= it.it.expires {
			// One signal, no overruns: intervals missed while late
			// (a Switch edge comes only so often) are skipped.
			fires = append(fires, cpuFiring{sig: it.sig})
			if iv := it.it.interval; iv > 0 {
				it.it.expires += iv * (1 + (it.now-it.it.expires)/iv)
			} else {
				it.it.expires = 0
			}
		}
		if it.it.expires != 0 {
			next = min(next, it.it.expires-it.now)
		}
	}
	if tm.cpuHard != 0 {
		if user+sys >= tm.cpuHard {
			// getrlimit(2), RLIMIT_CPU: past the hard limit, SIGKILL.
			fires = append(fires, cpuFiring{sig: SIGKILL})
			tm.cpuHard = 0
		} else {
			next = min(next, tm.cpuHard-(user+sys))
		}
	}
	for _, pt := range tm.posix {
		if !pt.armed || pt.clock.Kind != ClockCPU || (pt.clock.CPU.Thread != nil && pt.clock.CPU.Thread != t) {
			continue
		}
		now := pt.clock.CPU.nowAtEdge()
		if now >= pt.expires {
			n := int64(1)
			if pt.interval > 0 {
				n += (now - pt.expires) / int64(pt.interval)
				pt.expires += n * int64(pt.interval)
			} else {
				pt.armed = false
			}
			if pt.ev.Notify != NotifyNone {
				fires = append(fires, cpuFiring{pt: pt, n: n})
			}
		}
		if pt.armed {
			next = min(next, pt.expires-now)
		}
	}
	tm.recountCPULocked()
	tm.mu.Unlock()

	for _, f := range fires {
		if f.pt != nil {
			f.pt.notify(f.n)
		} else {
			tg.SendSignal(&SigInfo{Signo: f.sig, Code: SIKernel})
		}
	}
	if entering && next != math.MaxInt64 && t.ctx != nil {
		d := max(time.Duration(next), minTimerPeriod)
		if t.cpu.wake == nil {
			t.cpu.wake = time.AfterFunc(d, t.ctx.Interrupt)
		} else {
			t.cpu.wake.Reset(d)
		}
		t.cpu.waking = true
	}
}

// SetCPULimit applies RLIMIT_CPU (getrlimit(2)): when the process's CPU
// time reaches soft it gets SIGXCPU, and again each second after; at hard
// it gets SIGKILL. Zero means no limit.
func (tg *ThreadGroup) SetCPULimit(soft, hard time.Duration) {
	tm := &tg.timers
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tg.cpuLimitSoft, tg.cpuLimitHard = soft, hard
	tm.cpuLimit = cpuItimer{}
	if soft > 0 {
		tm.cpuLimit = cpuItimer{expires: int64(soft), interval: int64(time.Second)}
	}
	tm.cpuHard = int64(hard)
	tm.recountCPULocked()
}
