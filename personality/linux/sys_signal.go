package linux

import (
	"time"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// sigaction flags (<asm/signal.h>).
const (
	saNocldstop = 0x00000001
	saNocldwait = 0x00000002
	saSiginfo   = 0x00000004
	saRestorer  = 0x04000000
	saOnstack   = 0x08000000
	saRestart   = 0x10000000
	saNodefer   = 0x40000000
	saResethand = 0x80000000
)

// sigsetSize is sizeof(kernel sigset_t): 64 signals in 8 bytes.
const sigsetSize = 8

// Linux numbers signals as the core does, so conversion is the identity;
// it is written out so a personality with other numbers knows where to
// translate.
func toCoreSignal(s uintptr) core.Signal { return core.Signal(int32(s)) }

func decodeSigactionFlags(f uint64) int {
	var c int
	for _, m := range [...]struct {
		linux uint64
		core  int
	}{
		{saOnstack, core.SAOnStack}, {saRestart, core.SARestart},
		{saNodefer, core.SANoDefer}, {saResethand, core.SAResetHand},
		{saSiginfo, core.SASigInfo}, {saRestorer, core.SARestorer},
		{saNocldstop, core.SANoCldStop}, {saNocldwait, core.SANoCldWait},
	} {
		if f&m.linux != 0 {
			c |= m.core
		}
	}
	return c
}

func sysRtSigaction(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	sig, actAddr, oldAddr := toCoreSignal(a[0]), a[1], a[2]
	if a[3] != sigsetSize || !sig.Valid() {
		return 0, kerr.EINVAL
	}
	var act core.SigAction
	if actAddr != 0 {
		if sig == core.SIGKILL || sig == core.SIGSTOP {
			return 0, kerr.EINVAL
		}
		// struct kernel_sigaction: handler, flags, restorer, mask.
		var b [32]byte
		if _, err := t.MM().CopyIn(actAddr, b[:]); err != nil {
			return 0, err
		}
		act = core.SigAction{
			Handler:  uintptr(le.Uint64(b[0:])),
			RawFlags: le.Uint64(b[8:]),
			Restorer: uintptr(le.Uint64(b[16:])),
			Mask:     core.SignalSet(le.Uint64(b[24:])) &^ core.Unblockable,
		}
		act.Flags = decodeSigactionFlags(act.RawFlags)
	}
	var old core.SigAction
	if actAddr != 0 {
		old = t.Group().Handlers().Set(sig, act)
		if act.Handler == core.SigIgnore || (act.Handler == core.SigDefault && sig.Default() == core.ActIgnore) {
			// POSIX: setting a pending signal to be ignored discards it.
			t.Group().DiscardPending(sig)
		}
	} else {
		old = t.Group().Handlers().Get(sig)
	}
	if oldAddr != 0 {
		var b [32]byte
		le.PutUint64(b[0:], uint64(old.Handler))
		le.PutUint64(b[8:], old.RawFlags)
		le.PutUint64(b[16:], uint64(old.Restorer))
		le.PutUint64(b[24:], uint64(old.Mask))
		if _, err := t.MM().CopyOut(oldAddr, b[:]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// sigprocmask(2) "how" values.
const (
	sigBlock   = 0
	sigUnblock = 1
	sigSetmask = 2
)

func sysRtSigprocmask(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	how, setAddr, oldAddr := int(int32(a[0])), a[1], a[2]
	if a[3] != sigsetSize {
		return 0, kerr.EINVAL
	}
	old := t.SigMask()
	if setAddr != 0 {
		v, err := copyInU64(t, setAddr)
		if err != nil {
			return 0, err
		}
		set := core.SignalSet(v)
		switch how {
		case sigBlock:
			t.SetSigMask(old | set)
		case sigUnblock:
			t.SetSigMask(old &^ set)
		case sigSetmask:
			t.SetSigMask(set)
		default:
			return 0, kerr.EINVAL
		}
	}
	if oldAddr != 0 {
		if err := copyOutU64(t, oldAddr, uint64(old)); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysRtSigpending(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[1] > sigsetSize {
		return 0, kerr.EINVAL
	}
	var b [8]byte
	le.PutUint64(b[:], uint64(t.PendingSignals()&t.SigMask()))
	_, err := t.MM().CopyOut(a[0], b[:a[1]])
	return 0, err
}

// sigaltstack(2) values.
const (
	ssOnstack    = 1
	ssDisable    = 2
	ssAutodisarm = 1 << 31
	minSigStkSz  = 2048
)

func sysSigaltstack(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	ssAddr, oldAddr := a[0], a[1]
	cur := t.AltStack()
	onStack := cur.Contains(uintptr(t.State.Regs.Rsp))
	if ssAddr != 0 {
		// stack_t: ss_sp, ss_flags (int, padded), ss_size.
		var b [24]byte
		if _, err := t.MM().CopyIn(ssAddr, b[:]); err != nil {
			return 0, err
		}
		if onStack {
			return 0, kerr.EPERM
		}
		flags := int(int32(le.Uint32(b[8:])))
		mode := flags &^ ssAutodisarm
		if mode != 0 && mode != ssDisable && mode != ssOnstack {
			return 0, kerr.EINVAL
		}
		ns := core.SignalStack{SP: uintptr(le.Uint64(b[0:])), Size: uintptr(le.Uint64(b[16:]))}
		if mode == ssDisable {
			ns = core.SignalStack{Flags: core.SSDisable}
		} else if ns.Size < minSigStkSz {
			return 0, kerr.ENOMEM
		}
		t.SetAltStack(ns)
	}
	if oldAddr != 0 {
		var b [24]byte
		flags := uint32(0)
		switch {
		case cur.Size == 0 || cur.Flags&core.SSDisable != 0:
			flags = ssDisable
		case onStack:
			flags = ssOnstack
		}
		if cur.Flags&core.SSDisable == 0 {
			le.PutUint64(b[0:], uint64(cur.SP))
			le.PutUint64(b[16:], uint64(cur.Size))
		}
		le.PutUint32(b[8:], flags)
		if _, err := t.MM().CopyOut(oldAddr, b[:]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// senderInfo is the siginfo of a signal t sends: si_uid is the sender's
// real uid (sigaction(2)).
func senderInfo(t *core.Task, sig core.Signal, code int32) *core.SigInfo {
	return &core.SigInfo{Signo: sig, Code: code, PID: int32(t.Group().PID()), UID: t.Credentials().UID}
}

func doTkill(t *core.Task, tgid, tid int, sigArg uintptr) (uintptr, error) {
	sig := toCoreSignal(sigArg)
	if tid <= 0 || (tgid != -1 && tgid <= 0) {
		return 0, kerr.EINVAL
	}
	if sig != 0 && !sig.Valid() {
		return 0, kerr.EINVAL
	}
	target := t.Kernel().TaskByTID(tid)
	if target == nil || (tgid != -1 && target.Group().PID() != tgid) {
		return 0, kerr.ESRCH
	}
	if !t.MaySignal(target.Group(), sig) {
		return 0, kerr.EPERM
	}
	if sig == 0 {
		return 0, nil
	}
	target.SendSignal(senderInfo(t, sig, core.SITkill))
	return 0, nil
}

func sysTgkill(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doTkill(t, int(int32(a[0])), int(int32(a[1])), a[2])
}

func sysTkill(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doTkill(t, -1, int(int32(a[0])), a[1])
}

func sysKill(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	pid, sig := int(int32(a[0])), toCoreSignal(a[1])
	if sig != 0 && !sig.Valid() {
		return 0, kerr.EINVAL
	}
	if pid == -0x80000000 {
		return 0, kerr.ESRCH // -INT_MIN has no process group
	}
	groups := t.GroupsMatching(pid)
	if len(groups) == 0 {
		return 0, kerr.ESRCH
	}
	// kill(2): a process the sender may not signal is skipped. One
	// process, or a process group none of which may be signalled, is
	// EPERM; pid -1 succeeds whatever it reached, as on Linux.
	sent := false
	for _, g := range groups {
		if !t.MaySignal(g, sig) {
			continue
		}
		sent = true
		if sig != 0 {
			g.SendSignal(senderInfo(t, sig, core.SIUser))
		}
	}
	if !sent && pid != -1 {
		return 0, kerr.EPERM
	}
	return 0, nil
}

// sysRtSigsuspend replaces the mask and sleeps until a signal is
// delivered; the old mask comes back once the handler's frame is built
// (sigsuspend(2)). It always fails with EINTR.
func sysRtSigsuspend(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[1] != sigsetSize {
		return 0, kerr.EINVAL
	}
	v, err := copyInU64(t, a[0])
	if err != nil {
		return 0, err
	}
	old := t.SigMask()
	t.SetSigMask(core.SignalSet(v))
	t.SetSavedMask(old)
	for {
		if err := t.Block(nil, time.Time{}); err == kerr.ERESTARTSYS {
			return 0, kerr.ERESTARTNOHAND
		}
	}
}

// sysPause sleeps until a signal is delivered (pause(2)).
func sysPause(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	for {
		if err := t.Block(nil, time.Time{}); err == kerr.ERESTARTSYS {
			return 0, kerr.ERESTARTNOHAND
		}
	}
}
