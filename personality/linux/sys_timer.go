package linux

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Timers: alarm(2), setitimer(2) and the POSIX timers of timer_create(2).
// The core keeps the timers; these handlers translate struct itimerval,
// struct itimerspec and struct sigevent.

var timerCalls = map[string]impl{
	"alarm":            full(sysAlarm),
	"setitimer":        full(sysSetitimer),
	"getitimer":        full(sysGetitimer),
	"timer_create":     partial(sysTimerCreate, "CPU-clock timers only on the caller's own process and threads; the alarm clocks act as REALTIME and BOOTTIME"),
	"timer_settime":    full(sysTimerSettime),
	"timer_gettime":    full(sysTimerGettime),
	"timer_getoverrun": full(sysTimerGetoverrun),
	"timer_delete":     full(sysTimerDelete),
}

// setitimer(2) "which" values.
const (
	itimerReal    = 0
	itimerVirtual = 1
	itimerProf    = 2
)

func toItimer(which uintptr) (core.Itimer, bool) {
	switch int32(which) {
	case itimerReal:
		return core.ItimerReal, true
	case itimerVirtual:
		return core.ItimerVirtual, true
	case itimerProf:
		return core.ItimerProf, true
	}
	return 0, false
}

// struct timeval: tv_sec, tv_usec, 8 bytes each.
func timevalDuration(b []byte) (time.Duration, bool) {
	sec, usec := int64(le.Uint64(b)), int64(le.Uint64(b[8:]))
	if sec < 0 || usec < 0 || usec >= 1e6 {
		return 0, false
	}
	return timespec{sec, usec * 1000}.duration(), true
}

func putTimeval(b []byte, d time.Duration) {
	le.PutUint64(b, uint64(d/time.Second))
	le.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
}

// copyOutItimerval writes struct itimerval: it_interval, then it_value.
// A value that is not a whole number of microseconds is rounded up, so
// that an armed timer never reads as disarmed.
func copyOutItimerval(t *core.Task, addr uintptr, spec core.TimerSpec) error {
	var b [32]byte
	putTimeval(b[0:], spec.Interval)
	putTimeval(b[16:], (spec.Value+time.Microsecond-1)/time.Microsecond*time.Microsecond)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func sysSetitimer(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var spec core.TimerSpec
	if a[1] != 0 {
		var b [32]byte
		if _, err := t.MM().CopyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		iv, ok1 := timevalDuration(b[0:])
		v, ok2 := timevalDuration(b[16:])
		if !ok1 || !ok2 {
			return 0, kerr.EINVAL
		}
		spec = core.TimerSpec{Value: v, Interval: iv}
	}
	// A NULL new value disarms, as Linux still accepts (setitimer(2),
	// BUGS).
	which, ok := toItimer(a[0])
	if !ok {
		return 0, kerr.EINVAL
	}
	old := t.Group().SetItimer(which, spec)
	if a[2] != 0 {
		return 0, copyOutItimerval(t, a[2], old)
	}
	return 0, nil
}

func sysGetitimer(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	which, ok := toItimer(a[0])
	if !ok {
		return 0, kerr.EINVAL
	}
	return 0, copyOutItimerval(t, a[1], t.Group().GetItimer(which))
}

// sysAlarm is ITIMER_REAL in whole seconds. The old value is rounded to
// the nearest second, but a pending alarm never reads as 0 (alarm(2);
// Linux's alarm_setitimer).
func sysAlarm(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	secs := time.Duration(uint32(a[0])) * time.Second
	old := t.Group().SetItimer(core.ItimerReal, core.TimerSpec{Value: secs})
	left := old.Value / time.Second
	if frac := old.Value % time.Second; (left == 0 && frac > 0) || frac >= time.Second/2 {
		left++
	}
	return uintptr(left), nil
}

// struct sigevent (<asm-generic/siginfo.h>): sigev_value at 0, sigev_signo
// at 8, sigev_notify at 12, then a union whose first member is
// sigev_notify_thread_id; 64 bytes in all.
const (
	sigevSignal   = 0
	sigevNone     = 1
	sigevThread   = 2
	sigevThreadID = 4
	sigeventSize  = 64
)

func copyInSigevent(t *core.Task, addr uintptr) (core.SigEvent, error) {
	var b [sigeventSize]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return core.SigEvent{}, err
	}
	ev := core.SigEvent{
		Value: le.Uint64(b[0:]),
		Signo: toCoreSignal(uintptr(le.Uint32(b[8:]))),
	}
	// SIGEV_THREAD is glibc's to implement; the kernel sees it as
	// SIGEV_SIGNAL to the process.
	switch int32(le.Uint32(b[12:])) {
	case sigevSignal, sigevThread:
		ev.Notify = core.NotifySignal
	case sigevNone:
		ev.Notify = core.NotifyNone
	case sigevThreadID:
		ev.Notify = core.NotifyThread
		tid := int(int32(le.Uint32(b[16:])))
		ev.Thread = t.Kernel().TaskByTID(tid)
		if tid <= 0 || ev.Thread == nil || ev.Thread.Group() != t.Group() {
			return core.SigEvent{}, kerr.EINVAL
		}
	default:
		return core.SigEvent{}, kerr.EINVAL
	}
	return ev, nil
}

// timerClock maps a clock ID to the clock a timer can measure.
func timerClock(t *core.Task, id int32) (core.TimerClock, error) {
	switch id {
	case clockRealtime, clockRealtimeAlarm, clockTAI:
		return core.TimerClock{Kind: core.ClockRealtime}, nil
	case clockMonotonic:
		return core.TimerClock{Kind: core.ClockMonotonic}, nil
	case clockBoottime, clockBoottimeAlarm:
		return core.TimerClock{Kind: core.ClockBoottime}, nil
	case clockMonotonicRaw, clockRealtimeCoarse, clockMonotonicCoarse:
		return core.TimerClock{}, kerr.EOPNOTSUPP // no timers on these clocks
	}
	if c, ok := cpuClock(t, id, false); ok {
		return core.TimerClock{Kind: core.ClockCPU, CPU: c}, nil
	}
	return core.TimerClock{}, kerr.EINVAL
}

func sysTimerCreate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	clock, err := timerClock(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	// A NULL sevp is SIGEV_SIGNAL with SIGALRM and the timer's ID as
	// the value (timer_create(2)).
	ev := core.SigEvent{Notify: core.NotifySignal, Signo: core.SIGALRM, ValueIsID: true}
	if a[1] != 0 {
		if ev, err = copyInSigevent(t, a[1]); err != nil {
			return 0, err
		}
	}
	id, err := t.Group().CreateTimer(clock, ev)
	if err != nil {
		return 0, err
	}
	if err := copyOutU32(t, a[2], uint32(id)); err != nil {
		t.Group().DeleteTimer(id)
		return 0, err
	}
	return 0, nil
}

// struct itimerspec: it_interval, then it_value, each a timespec.
func copyOutItimerspec(t *core.Task, addr uintptr, spec core.TimerSpec) error {
	var b [32]byte
	le.PutUint64(b[0:], uint64(spec.Interval/time.Second))
	le.PutUint64(b[8:], uint64(spec.Interval%time.Second))
	le.PutUint64(b[16:], uint64(spec.Value/time.Second))
	le.PutUint64(b[24:], uint64(spec.Value%time.Second))
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

// clockNow reads a timer's clock, to turn an absolute expiry into a
// relative one.
func clockNow(c core.TimerClock) time.Duration {
	var id int32
	switch c.Kind {
	case core.ClockCPU:
		return c.CPU.Now()
	case core.ClockMonotonic:
		id = clockMonotonic
	case core.ClockBoottime:
		id = clockBoottime
	default:
		id = clockRealtime
	}
	var ts unix.Timespec
	_ = unix.ClockGettime(id, &ts)
	return timespec{ts.Sec, ts.Nsec}.duration()
}

func sysTimerSettime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	id, flags, newAddr, oldAddr := int(int32(a[0])), a[1], a[2], a[3]
	if newAddr == 0 {
		return 0, kerr.EINVAL
	}
	var b [32]byte
	if _, err := t.MM().CopyIn(newAddr, b[:]); err != nil {
		return 0, err
	}
	iv := timespec{int64(le.Uint64(b[0:])), int64(le.Uint64(b[8:]))}
	v := timespec{int64(le.Uint64(b[16:])), int64(le.Uint64(b[24:]))}
	if !iv.valid() || !v.valid() {
		return 0, kerr.EINVAL
	}
	spec := core.TimerSpec{Value: v.duration(), Interval: iv.duration()}
	if flags&timerAbstime != 0 && spec.Value != 0 {
		clock, err := t.Group().ClockOfTimer(id)
		if err != nil {
			return 0, err
		}
		// An expiry already past fires at once.
		spec.Value = max(spec.Value-clockNow(clock), 1)
	}
	old, err := t.Group().SetTimer(id, spec)
	if err != nil {
		return 0, err
	}
	if oldAddr != 0 {
		return 0, copyOutItimerspec(t, oldAddr, old)
	}
	return 0, nil
}

func sysTimerGettime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	spec, err := t.Group().GetTimer(int(int32(a[0])))
	if err != nil {
		return 0, err
	}
	return 0, copyOutItimerspec(t, a[1], spec)
}

func sysTimerGetoverrun(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	n, err := t.Group().TimerOverrun(int(int32(a[0])))
	return uintptr(n), err
}

func sysTimerDelete(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, t.Group().DeleteTimer(int(int32(a[0])))
}
