package core

import (
	"time"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// This file is the process tree: fork, the end of a process (zombie,
// SIGCHLD, reparenting to PID 1), wait, process groups and sessions.
// Everything in the tree is guarded by Kernel.mu.

// ForkOptions say what a new process shares with its parent (clone(2)).
type ForkOptions struct {
	ShareVM      bool   // CLONE_VM (vfork, or clone with a stack)
	ShareFiles   bool   // CLONE_FILES
	ShareFS      bool   // CLONE_FS: root, working directory and umask
	ShareHandler bool   // CLONE_SIGHAND (needs ShareVM)
	Vfork        bool   // CLONE_VFORK: the parent waits until exec or exit
	Parent       bool   // CLONE_PARENT: the child's parent is our parent
	ExitSignal   Signal // what the parent gets at the child's end
	// ProcLimit is the caller's RLIMIT_NPROC: how many processes its
	// real user may have (EAGAIN beyond; root is exempt, see creds.go).
	// 0 is no limit: a limit of 0 works as 1 would, because the caller
	// counts itself.
	ProcLimit uint64
}

// Fork creates a new process whose single task is a copy of t (fork(2),
// vfork(2), clone(2) without CLONE_THREAD). The child is not started: the
// caller adjusts its registers and calls Start. maxProcs, when positive,
// is the sandbox's process limit (EAGAIN beyond it, like RLIMIT_NPROC).
func (t *Task) Fork(o ForkOptions) (*Task, error) {
	k := t.k
	if err := t.PullFP(); err != nil {
		return nil, err
	}
	var m *mm.MM
	if o.ShareVM {
		m = t.mm
	} else {
		as, err := k.Platform.NewAddressSpace()
		if err != nil {
			return nil, err
		}
		// The return from fork writes the stack on both sides: its
		// page (and the one below, for the pushes of the libc wrapper)
		// are copied at once rather than faulted on (mm.Fork's hot).
		sp := uintptr(t.State.Regs.Rsp)
		if m, err = t.mm.Fork(as, sp, sp-256); err != nil {
			as.Release()
			return nil, err
		}
	}
	fds := t.fds
	if o.ShareFiles {
		fds.Share()
	} else {
		fds = t.fds.Fork()
	}
	handlers := t.tg.handlers
	if !o.ShareHandler {
		handlers = handlers.Copy()
	}

	k.mu.Lock()
	if k.MaxProcs > 0 && len(k.groups) >= k.MaxProcs || k.overProcLimitLocked(t.tg, o.ProcLimit) {
		k.mu.Unlock()
		if !o.ShareVM {
			m.Release()
		}
		if !o.ShareFiles {
			fds.CloseAll()
		}
		return nil, kerr.EAGAIN
	}
	parent := t.tg
	if o.Parent && parent.parent != nil {
		parent = parent.parent
	}
	id := k.allocID()
	tg := newThreadGroup(k, id, parent)
	tg.handlers = handlers
	tg.pgid, tg.sid, tg.ctty = t.tg.pgid, t.tg.sid, t.tg.ctty
	tg.exitSignal = o.ExitSignal
	t.tg.mu.Lock()
	tg.fs.Store(t.tg.forkFS(o.ShareFS))
	tg.fsctx.Store(t.tg.fsctx.Load())
	tg.Exe, tg.ExeDentry = t.tg.Exe, t.tg.ExeDentry
	tg.argEnv = t.tg.argEnv
	for r, l := range t.tg.Limits {
		tg.Limits[r] = l
	}
	tg.DumpsCore = t.tg.DumpsCore
	soft, hard := t.tg.cpuLimitSoft, t.tg.cpuLimitHard
	tg.creds = t.tg.creds
	mask := t.sigMask
	sched := t.sched.forChild()
	t.tg.mu.Unlock()
	if o.Vfork {
		tg.vforkDone = make(chan struct{})
	}
	parent.children[tg] = struct{}{}
	c := &Task{
		k:    k,
		tid:  id,
		tg:   tg,
		p:    t.p,
		wake: make(chan struct{}, 1),
		mm:   m,
		fds:  fds,
		Comm: t.Comm,
	}
	c.State.Regs = t.State.Regs
	c.State.FP = t.State.FP.Clone()
	c.State.FPDirty = true
	c.sigMask = mask
	c.altStack = t.altStack
	c.sched = sched
	tg.tasks = []*Task{c}
	k.tasks[id] = c
	k.groups[id] = tg
	k.mmUsers[m]++
	k.mu.Unlock()
	if soft != 0 || hard != 0 {
		tg.SetCPULimit(soft, hard)
	}
	return c, nil
}

// WaitVfork blocks the parent of a vfork child until the child execs or
// exits (vfork(2)). It is not interruptible by signals, as on Linux.
func (t *Task) WaitVfork(child *Task) {
	if ch := child.tg.vforkDone; ch != nil {
		defer t.blockedFor(time.Now())
		<-ch
	}
}

func (tg *ThreadGroup) releaseVfork() {
	tg.k.mu.Lock()
	ch := tg.vforkDone
	tg.vforkDone = nil
	tg.k.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// retainMM and releaseMM count the tasks using an address space; the last
// one out releases it (threads and vfork children share one).
func (k *Kernel) retainMM(m *mm.MM) {
	k.mu.Lock()
	k.mmUsers[m]++
	k.mu.Unlock()
}

func (k *Kernel) releaseMM(m *mm.MM) {
	if m == nil {
		return
	}
	k.mu.Lock()
	k.mmUsers[m]--
	last := k.mmUsers[m] <= 0
	if last {
		delete(k.mmUsers, m)
	}
	k.mu.Unlock()
	if last {
		m.Release()
	}
}

// groupExited runs when the last task of tg is gone: it turns tg into a
// zombie for its parent to reap (or reaps it at once if the parent does
// not want it), hands tg's children to PID 1, and tells the parent.
func (k *Kernel) groupExited(tg *ThreadGroup) {
	k.sessionLeaderExited(tg) // ctty.go
	tg.releaseFS()
	k.mu.Lock()
	tg.zombie = true
	init := k.init
	// Orphans are adopted by the nearest living ancestor that made
	// itself a child subreaper (prctl(2), PR_SET_CHILD_SUBREAPER), else
	// by PID 1, which reaps them as init(1) and a container's init do.
	adopter := init
	for a := tg.parent; a != nil; a = a.parent {
		if a.ChildSubreaper && !a.zombie {
			adopter = a
			break
		}
	}
	type deathSignal struct {
		g   *ThreadGroup
		sig Signal
	}
	var deathSigs []deathSignal
	for c := range tg.children {
		delete(tg.children, c)
		if c.PdeathSig != 0 && !c.zombie {
			deathSigs = append(deathSigs, deathSignal{c, c.PdeathSig})
		}
		if adopter == nil || adopter == tg {
			c.parent = nil
			continue
		}
		c.parent = adopter
		adopter.children[c] = struct{}{}
		if c.zombie {
			adopter.notifyChildLocked()
		}
	}
	parent := tg.parent
	var sig Signal
	if parent != nil {
		act := parent.handlers.Get(SIGCHLD)
		autoReap := act.Handler == SigIgnore || act.Flags&SANoCldWait != 0
		if tg.exitSignal != 0 && act.Handler != SigIgnore {
			sig = tg.exitSignal
		}
		if autoReap && tg.exitSignal == SIGCHLD {
			// wait(2), NOTES: with SIGCHLD ignored or SA_NOCLDWAIT,
			// children do not become zombies.
			delete(parent.children, tg)
			delete(k.groups, tg.pid)
		}
		parent.notifyChildLocked()
	} else {
		delete(k.groups, tg.pid)
	}
	st := tg.exitStatus
	k.mu.Unlock()
	for _, d := range deathSigs {
		d.g.SendSignal(&SigInfo{Signo: d.sig, Code: SIUser, PID: int32(tg.pid)})
	}

	if sig != 0 {
		info := &SigInfo{Signo: sig, PID: int32(tg.pid), UID: tg.Credentials().UID, Code: cldExited, Status: int32(st.Code)}
		if st.Signal != 0 {
			info.Code, info.Status = cldKilled, int32(st.Signal)
			if st.Core {
				info.Code = cldDumped
			}
		}
		parent.SendSignal(info)
	}
	if tg == init {
		// The sandbox ends with its first process, as a PID namespace
		// ends with its init: everything else is killed.
		k.mu.Lock()
		var rest []*ThreadGroup
		for _, g := range k.groups {
			if g != tg {
				rest = append(rest, g)
			}
		}
		k.mu.Unlock()
		for _, g := range rest {
			g.Exit(ExitStatus{Signal: SIGKILL})
		}
	}
	tg.releaseVfork()
	tg.stopTimers()
	close(tg.done)
	tg.notifyPIDFiles()
}

// notifyChildLocked wakes every thread of tg waiting for a child; the
// caller holds k.mu.
func (tg *ThreadGroup) notifyChildLocked() {
	close(tg.childEvent)
	tg.childEvent = make(chan struct{})
}

// si_code values for SIGCHLD (<asm-generic/siginfo.h>).
const (
	cldExited    = 1
	cldKilled    = 2
	cldDumped    = 3
	cldStopped   = 5
	cldContinued = 6
)

// WaitKind is which state change wait reports.
type WaitKind int

const (
	WaitExited WaitKind = iota + 1
	WaitStopped
	WaitContinued
)

// WaitOptions are the decoded arguments of wait4/waitid.
type WaitOptions struct {
	// Selector: PID > 0 a child; PGID > 0 a process group; neither: any.
	PID, PGID                  int
	Exited, Stopped, Continued bool
	NoHang, NoWait             bool
	// Clone waits for children whose exit signal is not SIGCHLD
	// (__WCLONE); All waits for both kinds (__WALL).
	Clone, All bool
}

// WaitResult is one collected state change.
type WaitResult struct {
	PID    int
	Kind   WaitKind
	Status ExitStatus // for WaitExited
	Signal Signal     // the stop signal for WaitStopped
	UID    uint32     // the child's real user ID (waitid's si_uid)
	Usage  Rusage     // the child's usage and its reaped children's
}

// Wait waits for a child state change (wait4(2), waitid(2)). It returns
// PID 0 with NoHang when children exist but none has changed; ECHILD when
// no child matches; ERESTARTSYS when a signal interrupts.
func (t *Task) Wait(o WaitOptions) (WaitResult, error) {
	k := t.k
	for {
		k.mu.Lock()
		found := false
		for c := range t.tg.children {
			if o.PID > 0 && c.pid != o.PID || o.PGID > 0 && c.pgid != o.PGID {
				continue
			}
			if !o.All && o.Clone != (c.exitSignal != SIGCHLD) {
				continue
			}
			found = true
			usage := c.usageBoth()
			if c.zombie && o.Exited {
				r := WaitResult{PID: c.pid, Kind: WaitExited, Status: c.exitStatus, UID: c.Credentials().UID, Usage: usage}
				if !o.NoWait {
					t.tg.addReapedChild(usage)
					delete(t.tg.children, c)
					delete(k.groups, c.pid)
				}
				k.mu.Unlock()
				return r, nil
			}
			c.mu.Lock()
			uid := c.credsLocked().UID
			if o.Stopped && c.stopped && c.stopReport {
				r := WaitResult{PID: c.pid, Kind: WaitStopped, Signal: c.stopSig, UID: uid, Usage: usage}
				if !o.NoWait {
					c.stopReport = false
				}
				c.mu.Unlock()
				k.mu.Unlock()
				return r, nil
			}
			if o.Continued && c.contReport {
				r := WaitResult{PID: c.pid, Kind: WaitContinued, UID: uid, Usage: usage}
				if !o.NoWait {
					c.contReport = false
				}
				c.mu.Unlock()
				k.mu.Unlock()
				return r, nil
			}
			c.mu.Unlock()
		}
		ch := t.tg.childEvent
		k.mu.Unlock()
		if !found {
			return WaitResult{}, kerr.ECHILD
		}
		if o.NoHang {
			return WaitResult{}, nil
		}
		if err := t.Block(ch, zeroTime); err != nil {
			return WaitResult{}, err
		}
	}
}

// ProcessGroup returns tg's process group ID.
func (tg *ThreadGroup) ProcessGroup() int {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.pgid
}

// Session returns tg's session ID.
func (tg *ThreadGroup) Session() int {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.sid
}

// SetProcessGroup is setpgid(2) called by t on process pid (0: itself)
// with group pgid (0: pid), with the checks its ERRORS section lists.
func (t *Task) SetProcessGroup(pid, pgid int) error {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if pid < 0 || pgid < 0 {
		return kerr.EINVAL
	}
	target := t.tg
	if pid != 0 && pid != t.tg.pid {
		target = k.groups[pid]
		if target == nil || target.parent != t.tg || target.zombie {
			return kerr.ESRCH
		}
		if target.sid != t.tg.sid {
			return kerr.EPERM
		}
		if target.execed {
			return kerr.EACCES
		}
	}
	if pgid == 0 {
		pgid = target.pid
	}
	if target.sid == target.pid {
		return kerr.EPERM // a session leader cannot move
	}
	if pgid != target.pid {
		ok := false
		for _, g := range k.groups {
			if g.pgid == pgid && g.sid == target.sid && !g.zombie {
				ok = true
				break
			}
		}
		if !ok {
			return kerr.EPERM
		}
	}
	target.pgid = pgid
	return nil
}

// SetSession is setsid(2).
func (t *Task) SetSession() (int, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := t.tg
	for _, g := range k.groups {
		if g.pgid == tg.pid {
			return 0, kerr.EPERM // already a process group leader
		}
	}
	tg.sid, tg.pgid, tg.ctty = tg.pid, tg.pid, nil
	return tg.pid, nil
}

// GroupsMatching returns the live processes kill(2) reaches with pid:
// > 0 that process; 0 the caller's group; -1 every process but PID 1 and
// the caller; < -1 the process group -pid.
func (t *Task) GroupsMatching(pid int) []*ThreadGroup {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*ThreadGroup
	for _, g := range k.groups {
		// A zombie still counts: kill(2) on it succeeds (and does
		// nothing) until it is reaped.
		switch {
		case pid > 0 && g.pid == pid,
			pid == 0 && g.pgid == t.tg.pgid,
			pid == -1 && g != t.tg && g != k.init,
			pid < -1 && g.pgid == -pid:
			out = append(out, g)
		}
	}
	return out
}

// SetChildSubreaper marks tg as a subreaper (or not) for orphans.
func (tg *ThreadGroup) SetChildSubreaper(on bool) {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	tg.ChildSubreaper = on
}

// SetPdeathSig sets the signal tg gets when its parent ends (0: none).
func (tg *ThreadGroup) SetPdeathSig(s Signal) {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	tg.PdeathSig = s
}
