package linux

import (
	"time"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Queued signals: waiting for a signal synchronously (sigtimedwait(2))
// and sending one with a chosen siginfo (rt_sigqueueinfo(2), used by
// sigqueue(3) to pass a value).

var sigqueueCalls = map[string]impl{
	"rt_sigtimedwait":   full(sysRtSigtimedwait),
	"rt_sigqueueinfo":   full(sysRtSigqueueinfo),
	"rt_tgsigqueueinfo": full(sysRtTgsigqueueinfo),
}

const siginfoSize = 128

func sysRtSigtimedwait(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	setAddr, infoAddr, tsAddr := a[0], a[1], a[2]
	if a[3] != sigsetSize {
		return 0, kerr.EINVAL
	}
	v, err := copyInU64(t, setAddr)
	if err != nil {
		return 0, err
	}
	var deadline time.Time
	poll := false
	if tsAddr != 0 {
		ts, err := copyInTimespec(t, tsAddr)
		if err != nil {
			return 0, err
		}
		if !ts.valid() {
			return 0, kerr.EINVAL
		}
		if ts.sec == 0 && ts.nsec == 0 {
			poll = true
		} else {
			deadline = time.Now().Add(ts.duration())
		}
	}
	info, err := t.WaitSignal(core.SignalSet(v), deadline, poll)
	if err != nil {
		return 0, err
	}
	if infoAddr != 0 {
		var b [siginfoSize]byte
		encodeSiginfo(b[:], &info)
		if _, err := t.MM().CopyOut(infoAddr, b[:]); err != nil {
			return 0, err
		}
	}
	return uintptr(info.Signo), nil
}

// copyInSiginfo reads a siginfo_t a program wants sent. Its si_signo is
// replaced by sig, as Linux does.
func copyInSiginfo(t *core.Task, addr uintptr, sig core.Signal) (core.SigInfo, error) {
	var b [siginfoSize]byte
	if _, err := t.MM().CopyIn(addr, b[:]); err != nil {
		return core.SigInfo{}, err
	}
	return decodeSiginfo(b[:], sig), nil
}

// decodeSiginfo is the inverse of encodeSiginfo.
func decodeSiginfo(b []byte, sig core.Signal) core.SigInfo {
	info := core.SigInfo{
		Signo: sig,
		Errno: int32(le.Uint32(b[4:])),
		Code:  int32(le.Uint32(b[8:])),
	}
	switch {
	case isFault(&info):
		info.Addr = uintptr(le.Uint64(b[16:]))
	case info.Code == core.SITimer:
		info.TimerID = int32(le.Uint32(b[16:]))
		info.Overrun = int32(le.Uint32(b[20:]))
		info.Value = le.Uint64(b[24:])
	default:
		info.PID = int32(le.Uint32(b[16:]))
		info.UID = le.Uint32(b[20:])
		if sig == core.SIGCHLD {
			info.Status = int32(le.Uint32(b[24:]))
		} else {
			info.Value = le.Uint64(b[24:])
		}
	}
	return info
}

// forgedInfo reports whether info claims to come from the kernel or from
// kill/tkill, which only a process signalling itself may claim (see
// rt_sigqueueinfo(2), EPERM).
func forgedInfo(info *core.SigInfo) bool {
	return info.Code >= 0 || info.Code == core.SITkill
}

func sysRtSigqueueinfo(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	pid, sig := int(int32(a[0])), toCoreSignal(a[1])
	info, err := copyInSiginfo(t, a[2], sig)
	if err != nil {
		return 0, err
	}
	// Linux compares the caller's thread ID with the target PID.
	if forgedInfo(&info) && t.TID() != pid {
		return 0, kerr.EPERM
	}
	g := t.Kernel().GroupByPID(pid)
	if pid <= 0 || g == nil {
		return 0, kerr.ESRCH
	}
	if sig != 0 && !sig.Valid() {
		return 0, kerr.EINVAL
	}
	if sig != 0 {
		g.SendSignal(&info)
	}
	return 0, nil
}

func sysRtTgsigqueueinfo(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	tgid, tid, sig := int(int32(a[0])), int(int32(a[1])), toCoreSignal(a[2])
	info, err := copyInSiginfo(t, a[3], sig)
	if err != nil {
		return 0, err
	}
	if tgid <= 0 || tid <= 0 {
		return 0, kerr.EINVAL
	}
	if forgedInfo(&info) && t.TID() != tid {
		return 0, kerr.EPERM
	}
	target := t.Kernel().TaskByTID(tid)
	if target == nil || target.Group().PID() != tgid {
		return 0, kerr.ESRCH
	}
	if sig != 0 && !sig.Valid() {
		return 0, kerr.EINVAL
	}
	if sig != 0 {
		target.SendSignal(&info)
	}
	return 0, nil
}
