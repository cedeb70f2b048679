package core

import (
	"errors"
	"testing"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// timerWorld is a process with one task that never runs guest code:
// enough to drive timers, queues and accounting from the test.
func timerWorld() (*ThreadGroup, *Task) {
	k := NewKernel(Config{})
	k.mu.Lock()
	defer k.mu.Unlock()
	id := k.allocID()
	tg := newThreadGroup(k, id, nil)
	t := newTask(k, tg, id, nil)
	k.tasks[id], k.groups[id] = t, tg
	return tg, t
}

// TestTimerOverrun checks that a timer's signal is queued once and that
// later expirations become its si_overrun, which timer_getoverrun then
// reports (timer_getoverrun(2)).
func TestTimerOverrun(t *testing.T) {
	cases := []struct {
		name        string
		expirations []int64 // expirations per notify
		wantOverrun int32
	}{
		{"one", []int64{1}, 0},
		{"two notifies", []int64{1, 1}, 1},
		{"batched", []int64{3, 4}, 6},
		{"saturates", []int64{1, 1 << 40}, 1<<31 - 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, _ := timerWorld()
			id, err := tg.CreateTimer(TimerClock{Kind: ClockMonotonic}, SigEvent{Notify: NotifySignal, Signo: SIGRTMIN, Value: 7})
			if err != nil {
				t.Fatal(err)
			}
			pt := tg.timers.posix[id]
			for _, n := range c.expirations {
				pt.notify(n)
			}
			if n := len(tg.pending.infos[SIGRTMIN]); n != 1 {
				t.Fatalf("%d signals queued, want 1", n)
			}
			info, ok := tg.pending.take(0)
			if !ok || info.Code != SITimer || info.TimerID != int32(id) || info.Value != 7 {
				t.Fatalf("took %+v, %v; want the timer's SI_TIMER signal", info, ok)
			}
			if info.Overrun != c.wantOverrun {
				t.Errorf("si_overrun = %d, want %d", info.Overrun, c.wantOverrun)
			}
			if got, _ := tg.TimerOverrun(id); got != int(c.wantOverrun) {
				t.Errorf("timer_getoverrun = %d, want %d", got, c.wantOverrun)
			}
			// Once taken, the next expiry queues a fresh signal.
			pt.notify(1)
			if info, _ := tg.pending.take(0); info.Overrun != 0 {
				t.Errorf("next signal's si_overrun = %d, want 0", info.Overrun)
			}
		})
	}
}

// TestTimerSettimeDropsPending checks that re-arming or deleting a timer
// takes its pending signal back.
func TestTimerSettimeDropsPending(t *testing.T) {
	for _, del := range []bool{false, true} {
		tg, _ := timerWorld()
		id, _ := tg.CreateTimer(TimerClock{Kind: ClockRealtime}, SigEvent{Notify: NotifySignal, Signo: SIGUSR1})
		tg.timers.posix[id].notify(2)
		if !tg.pending.set.Has(SIGUSR1) {
			t.Fatal("signal not queued")
		}
		if del {
			tg.DeleteTimer(id)
		} else {
			tg.SetTimer(id, TimerSpec{})
		}
		if tg.pending.set.Has(SIGUSR1) {
			t.Errorf("delete=%v: the timer's signal is still pending", del)
		}
	}
}

// TestTimerSigevNone checks timer_gettime on a timer nothing runs: a
// one-shot reads zero once expired; a periodic one stays within its
// interval.
func TestTimerSigevNone(t *testing.T) {
	cases := []struct {
		name     string
		spec     TimerSpec
		wait     time.Duration
		wantZero bool
	}{
		{"running", TimerSpec{Value: time.Hour}, 0, false},
		{"one-shot expired", TimerSpec{Value: time.Millisecond}, 5 * time.Millisecond, true},
		{"periodic", TimerSpec{Value: time.Millisecond, Interval: 2 * time.Millisecond}, 5 * time.Millisecond, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, _ := timerWorld()
			id, _ := tg.CreateTimer(TimerClock{Kind: ClockMonotonic}, SigEvent{Notify: NotifyNone})
			if _, err := tg.SetTimer(id, c.spec); err != nil {
				t.Fatal(err)
			}
			time.Sleep(c.wait)
			got, _ := tg.GetTimer(id)
			if (got.Value == 0) != c.wantZero {
				t.Errorf("value %v, want zero: %v", got.Value, c.wantZero)
			}
			if limit := max(c.spec.Value, c.spec.Interval); got.Value > limit {
				t.Errorf("value %v beyond the setting %+v", got.Value, c.spec)
			}
			if got.Interval != c.spec.Interval {
				t.Errorf("interval %v, want %v", got.Interval, c.spec.Interval)
			}
		})
	}
}

func TestTimerErrors(t *testing.T) {
	tg, _ := timerWorld()
	other, othert := timerWorld()
	cases := []struct {
		name  string
		clock TimerClock
		ev    SigEvent
	}{
		{"signal 0", TimerClock{}, SigEvent{Notify: NotifySignal}},
		{"signal 65", TimerClock{}, SigEvent{Notify: NotifySignal, Signo: 65}},
		{"thread of another process", TimerClock{}, SigEvent{Notify: NotifyThread, Signo: SIGALRM, Thread: othert}},
		{"another process's CPU clock", TimerClock{Kind: ClockCPU, CPU: CPUClock{Group: other}}, SigEvent{Notify: NotifyNone}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := tg.CreateTimer(c.clock, c.ev); !errors.Is(err, kerr.EINVAL) {
				t.Errorf("CreateTimer = %v, want EINVAL", err)
			}
		})
	}
	for _, op := range []func() error{
		func() error { _, err := tg.GetTimer(42); return err },
		func() error { _, err := tg.SetTimer(42, TimerSpec{}); return err },
		func() error { return tg.DeleteTimer(42) },
		func() error { _, err := tg.TimerOverrun(42); return err },
	} {
		if err := op(); !errors.Is(err, kerr.EINVAL) {
			t.Errorf("operation on a missing timer = %v, want EINVAL", err)
		}
	}
}

// TestItimerReal arms, reads and disarms ITIMER_REAL; a disarmed
// ITIMER_REAL keeps no interval.
func TestItimerReal(t *testing.T) {
	tg, _ := timerWorld()
	old := tg.SetItimer(ItimerReal, TimerSpec{Value: time.Hour, Interval: time.Minute})
	if old != (TimerSpec{}) {
		t.Errorf("first setting returned %+v, want zero", old)
	}
	got := tg.GetItimer(ItimerReal)
	if got.Value <= 59*time.Minute || got.Value > time.Hour || got.Interval != time.Minute {
		t.Errorf("GetItimer = %+v, want about an hour and a minute", got)
	}
	tg.SetItimer(ItimerReal, TimerSpec{Interval: time.Minute})
	if got := tg.GetItimer(ItimerReal); got != (TimerSpec{}) {
		t.Errorf("after disarm GetItimer = %+v, want zero", got)
	}
}

// TestCPUItimer drives ITIMER_VIRTUAL by hand: user time past the expiry
// fires one SIGVTALRM at the next Switch edge, and the interval reloads
// past the intervals missed.
func TestCPUItimer(t *testing.T) {
	tg, task := timerWorld()
	tg.SetItimer(ItimerVirtual, TimerSpec{Value: 10 * time.Millisecond, Interval: 10 * time.Millisecond})
	if tg.timers.cpuArmed.Load() != 1 {
		t.Fatalf("cpuArmed = %d, want 1", tg.timers.cpuArmed.Load())
	}
	task.runCPUTimers(false)
	if tg.pending.set.Has(SIGVTALRM) {
		t.Fatal("fired with no CPU time used")
	}
	tg.cpu.user.Add(int64(35 * time.Millisecond))
	task.runCPUTimers(false)
	if !tg.pending.set.Has(SIGVTALRM) {
		t.Fatal("did not fire after 35ms of user time")
	}
	got := tg.GetItimer(ItimerVirtual)
	if got.Value <= 0 || got.Value > 10*time.Millisecond {
		t.Errorf("after firing, value %v, want within the interval", got.Value)
	}
	tg.SetItimer(ItimerVirtual, TimerSpec{})
	if tg.timers.cpuArmed.Load() != 0 {
		t.Errorf("cpuArmed = %d after disarm, want 0", tg.timers.cpuArmed.Load())
	}
}

// TestWaitSignalTakes checks the sigtimedwait queue rules: thread
// signals first, lowest number first, never an unrequested SIGSTOP.
func TestWaitSignalTakes(t *testing.T) {
	tg, task := timerWorld()
	tg.pending.add(&SigInfo{Signo: SIGSTOP})
	tg.pending.add(&SigInfo{Signo: SIGUSR2})
	tg.pending.add(&SigInfo{Signo: SIGRTMIN, Value: 1})
	tg.pending.add(&SigInfo{Signo: SIGRTMIN, Value: 2})
	task.pending.add(&SigInfo{Signo: SIGRTMIN + 1})
	set := SigMask(SIGUSR2) | SigMask(SIGRTMIN) | SigMask(SIGRTMIN+1)
	var got []Signal
	var vals []uint64
	for {
		info, err := task.WaitSignal(set, time.Time{}, true)
		if err != nil {
			if !errors.Is(err, kerr.EAGAIN) {
				t.Fatalf("WaitSignal = %v, want EAGAIN at the end", err)
			}
			break
		}
		got = append(got, info.Signo)
		vals = append(vals, info.Value)
	}
	want := []Signal{SIGRTMIN + 1, SIGUSR2, SIGRTMIN, SIGRTMIN}
	if len(got) != len(want) {
		t.Fatalf("took %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("took %v, want %v", got, want)
		}
	}
	if vals[2] != 1 || vals[3] != 2 {
		t.Errorf("real-time values in order %v, want 1 then 2", vals[2:])
	}
	if !tg.pending.set.Has(SIGSTOP) {
		t.Error("SIGSTOP was taken though not asked for")
	}
}

// TestReapedChildUsage checks RUSAGE_CHILDREN sums reaped children with
// their own reaped children, and keeps the largest maxrss.
func TestReapedChildUsage(t *testing.T) {
	parent, _ := timerWorld()
	child, _ := timerWorld()
	child.cpu.user.Store(int64(3 * time.Second))
	child.cpu.sys.Store(int64(time.Second))
	child.cpu.maxRSS.Store(100)
	child.addReapedChild(Rusage{User: time.Second, MaxRSS: 500})
	parent.addReapedChild(child.usageBoth())
	got := parent.ChildrenUsage()
	want := Rusage{User: 4 * time.Second, Sys: time.Second, MaxRSS: 500}
	if got != want {
		t.Errorf("ChildrenUsage = %+v, want %+v", got, want)
	}
}
