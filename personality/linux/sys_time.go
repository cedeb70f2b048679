package linux

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// timespec is struct timespec: tv_sec and tv_nsec, 8 bytes each.
type timespec struct{ sec, nsec int64 }

func (ts timespec) valid() bool { return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < 1e9 }

func (ts timespec) duration() time.Duration {
	if ts.sec > int64(1<<62)/1e9 {
		return 1 << 62
	}
	return time.Duration(ts.sec)*time.Second + time.Duration(ts.nsec)
}

func copyInTimespec(t *core.Task, addr uintptr) (timespec, error) {
	var b [16]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return timespec{}, err
	}
	return timespec{int64(le.Uint64(b[0:])), int64(le.Uint64(b[8:]))}, nil
}

func copyOutTimespec(t *core.Task, addr uintptr, ts timespec) error {
	var b [16]byte
	le.PutUint64(b[0:], uint64(ts.sec))
	le.PutUint64(b[8:], uint64(ts.nsec))
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

// Clock IDs (clock_gettime(2)).
const (
	clockRealtime         = 0
	clockMonotonic        = 1
	clockProcessCputimeID = 2
	clockThreadCputimeID  = 3
	clockMonotonicRaw     = 4
	clockRealtimeCoarse   = 5
	clockMonotonicCoarse  = 6
	clockBoottime         = 7
	clockRealtimeAlarm    = 8
	clockBoottimeAlarm    = 9
	clockTAI              = 11
)

// hostClock maps a guest clock to the host clock that serves it. The
// sandbox shares the host's notion of time; the CPU-time clocks are
// runos's own (see cpuClock).
func hostClock(id int32) (int32, bool) {
	switch id {
	case clockRealtime, clockMonotonic, clockMonotonicRaw, clockRealtimeCoarse,
		clockMonotonicCoarse, clockBoottime, clockTAI:
		return id, true
	case clockRealtimeAlarm:
		return clockRealtime, true
	case clockBoottimeAlarm:
		return clockBoottime, true
	case clockProcessCputimeID, clockThreadCputimeID:
		return id, true
	}
	return 0, false
}

// CPU clock IDs (clock_getcpuclockid(3), and the kernel's CPUCLOCK_*
// macros): ~pid << 3 | perthread << 2 | kind, kind 0 PROF, 1 VIRT,
// 2 SCHED; pid 0 is the caller. CLOCK_PROCESS_CPUTIME_ID and
// CLOCK_THREAD_CPUTIME_ID are the caller's SCHED clocks.
const (
	cpuclockPerthread = 4
	cpuclockKindMask  = 3
	cpuclockSched     = 2
)

// cpuClock decodes a CPU clock ID. A thread clock must name a thread of
// the caller's process; a process clock any process (or, for gettime,
// the caller's own thread ID).
func cpuClock(t *core.Task, id int32, gettime bool) (core.CPUClock, bool) {
	switch id {
	case clockProcessCputimeID:
		return core.CPUClock{Group: t.Group(), Kind: core.CPUSched}, true
	case clockThreadCputimeID:
		return core.CPUClock{Thread: t, Kind: core.CPUSched}, true
	}
	if id >= 0 || id&cpuclockKindMask > cpuclockSched {
		return core.CPUClock{}, false
	}
	kind := core.CPUKind(id & cpuclockKindMask) // PROF, VIRT, SCHED in order
	pid := int(^id >> 3)
	if id&cpuclockPerthread != 0 {
		th := t
		if pid != 0 {
			th = t.Kernel().TaskByTID(pid)
		}
		if th == nil || th.Group() != t.Group() {
			return core.CPUClock{}, false
		}
		return core.CPUClock{Thread: th, Kind: kind}, true
	}
	g := t.Group()
	if pid != 0 && !(gettime && pid == t.TID()) {
		if g = t.Kernel().GroupByPID(pid); g == nil {
			return core.CPUClock{}, false
		}
	}
	return core.CPUClock{Group: g, Kind: kind}, true
}

func durationTimespec(d time.Duration) timespec {
	return timespec{int64(d / time.Second), int64(d % time.Second)}
}

func sysClockGettime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if c, ok := cpuClock(t, int32(a[0]), true); ok {
		return 0, copyOutTimespec(t, a[1], durationTimespec(c.Now()))
	}
	id, ok := hostClock(int32(a[0]))
	if !ok {
		return 0, kerr.EINVAL
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0, kerr.EINVAL
	}
	return 0, copyOutTimespec(t, a[1], timespec{ts.Sec, ts.Nsec})
}

func sysClockGetres(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	id, ok := hostClock(int32(a[0]))
	if c, cpu := cpuClock(t, int32(a[0]), true); cpu {
		// The same kind of clock of runos itself has the resolution
		// the guest's would have: 1ns for SCHED, a tick otherwise.
		id, ok = int32(^0<<3)|int32(c.Kind), true
	}
	if !ok {
		return 0, kerr.EINVAL
	}
	if a[1] == 0 {
		return 0, nil
	}
	var ts unix.Timespec
	if err := unix.ClockGetres(id, &ts); err != nil {
		return 0, kerr.EINVAL
	}
	return 0, copyOutTimespec(t, a[1], timespec{ts.Sec, ts.Nsec})
}

func sysGettimeofday(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	now := time.Now()
	if a[0] != 0 {
		var b [16]byte // struct timeval
		le.PutUint64(b[0:], uint64(now.Unix()))
		le.PutUint64(b[8:], uint64(now.Nanosecond()/1000))
		if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		var b [8]byte // struct timezone: UTC, no DST
		if _, err := t.MM().CopyOut(a[1], b[:]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysTime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	now := time.Now().Unix()
	if a[0] != 0 {
		if err := copyOutU64(t, a[0], uint64(now)); err != nil {
			return 0, err
		}
	}
	return uintptr(now), nil
}

// monotonicDeadline converts an absolute CLOCK_MONOTONIC time to a
// time.Time deadline.
func monotonicDeadline(ts timespec) time.Time {
	var now unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
	d := time.Duration(ts.sec-now.Sec)*time.Second + time.Duration(ts.nsec-now.Nsec)
	return time.Now().Add(d)
}

// sleepUntil blocks until deadline; an interruption reports the time left
// into remAddr (if set) as nanosleep(2) requires.
func sleepUntil(t *core.Task, deadline time.Time, remAddr uintptr) error {
	err := t.Block(nil, deadline)
	switch err {
	case kerr.ETIMEDOUT, nil:
		return nil
	}
	if remAddr != 0 {
		left := max(time.Until(deadline), 0)
		if cerr := copyOutTimespec(t, remAddr, timespec{int64(left / time.Second), int64(left % time.Second)}); cerr != nil {
			return cerr
		}
	}
	return kerr.ERESTARTNOHAND
}

func sysNanosleep(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	ts, err := copyInTimespec(t, a[0])
	if err != nil {
		return 0, err
	}
	if !ts.valid() {
		return 0, kerr.EINVAL
	}
	return 0, sleepUntil(t, time.Now().Add(ts.duration()), a[1])
}

const timerAbstime = 1

func sysClockNanosleep(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	id := int32(a[0])
	switch id {
	case clockRealtime, clockMonotonic, clockBoottime, clockTAI, clockRealtimeAlarm, clockBoottimeAlarm:
	case clockThreadCputimeID:
		return 0, kerr.EINVAL
	default:
		if _, ok := hostClock(id); !ok {
			return 0, kerr.EINVAL
		}
		return 0, kerr.EOPNOTSUPP
	}
	ts, err := copyInTimespec(t, a[2])
	if err != nil {
		return 0, err
	}
	if !ts.valid() {
		return 0, kerr.EINVAL
	}
	if a[1]&timerAbstime != 0 {
		var deadline time.Time
		if id == clockRealtime || id == clockRealtimeAlarm || id == clockTAI {
			deadline = time.Unix(ts.sec, ts.nsec)
		} else {
			deadline = monotonicDeadline(ts)
		}
		// An absolute sleep reports no remaining time.
		return 0, sleepUntil(t, deadline, 0)
	}
	return 0, sleepUntil(t, time.Now().Add(ts.duration()), a[3])
}

func sysSchedYield(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	runtime.Gosched()
	return 0, nil
}
