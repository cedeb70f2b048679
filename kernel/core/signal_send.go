package core

import "github.com/runos-project/runos/fs"

// SendSignal queues a process-directed signal (kill(2)) on the group and
// wakes a thread that can take it.
func (tg *ThreadGroup) SendSignal(info *SigInfo) {
	tg.send(nil, info)
}

// SendSignal queues a thread-directed signal (tgkill(2)) on t.
func (t *Task) SendSignal(info *SigInfo) {
	t.tg.send(t, info)
}

// send generates a signal for the group (target nil) or one thread. What
// happens at generation time follows signal(7): SIGKILL ends the process
// at once, SIGCONT resumes a stopped one (even if it is blocked or
// ignored), a stop signal cancels a pending SIGCONT, and an ignored
// signal is discarded — unless the recipient blocks it: a blocked signal
// stays pending even if ignored, so that sigwaitinfo(2) and signalfd(2)
// can still collect it (a blocked SIGCHLD read through a signalfd is the
// common case). For a process-directed signal the recipient Linux checks
// is the thread group leader, here the group's first live thread.
func (tg *ThreadGroup) send(target *Task, info *SigInfo) {
	tg.mu.Lock()
	if tg.exiting {
		tg.mu.Unlock()
		return
	}
	sig := info.Signo
	if sig == SIGKILL {
		tg.killLocked(ExitStatus{Signal: SIGKILL})
		tg.mu.Unlock()
		return
	}
	resumed := false
	if sig == SIGCONT {
		resumed = tg.continueLocked()
	} else if sig.Default() == ActStop {
		tg.discardContLocked()
	}
	act := tg.handlers.Get(sig)
	recipient := target
	if recipient == nil && len(tg.tasks) > 0 {
		recipient = tg.tasks[0]
	}
	if !act.ignored(sig) || (recipient != nil && (recipient.sigMask | recipient.realBlocked).Has(sig)) {
		if target != nil {
			target.pending.add(info)
			if !target.sigMask.Has(sig) {
				target.kick()
			}
		} else {
			tg.pending.add(info)
			// Wake the first thread that does not block it; if all block
			// it, it stays pending until one unblocks.
			for _, t := range tg.tasks {
				if !t.sigMask.Has(sig) {
					t.kick()
					break
				}
			}
		}
	} else if tg.k.Tracer != nil {
		tg.traceIgnoredLocked(target, info)
	}
	tg.mu.Unlock()
	tg.signalfds.Notify(fs.EventIn)
	if resumed {
		tg.tellParent(cldContinued, SIGCONT)
	}
}

// ForceSignal delivers a synchronous signal caused by the task itself (a
// fault): if the signal is blocked or ignored, its disposition is reset to
// the default so the program does not loop on the faulting instruction
// (Linux's force_sig_info).
func (t *Task) ForceSignal(info *SigInfo) {
	tg := t.tg
	tg.mu.Lock()
	act := tg.handlers.Get(info.Signo)
	if act.Handler == SigIgnore || t.sigMask.Has(info.Signo) {
		tg.handlers.Set(info.Signo, SigAction{})
		t.sigMask &^= SigMask(info.Signo)
	}
	t.pending.add(info)
	tg.mu.Unlock()
}

// SigMask returns the task's blocked set.
func (t *Task) SigMask() SignalSet {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	return t.sigMask
}

// SetSigMask replaces the blocked set (SIGKILL and SIGSTOP cannot be
// blocked) and wakes the task if that unblocked something pending.
func (t *Task) SetSigMask(m SignalSet) {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	t.sigMask = m &^ Unblockable
}

// SetSavedMask arranges for mask to be restored once a signal handler has
// been set up (sigsuspend, ppoll, pselect).
func (t *Task) SetSavedMask(m SignalSet) {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	t.savedMask, t.hasSaved = m, true
}

// AltStack returns the alternate signal stack.
func (t *Task) AltStack() SignalStack { return t.altStack }

// SetAltStack replaces the alternate signal stack.
func (t *Task) SetAltStack(s SignalStack) { t.altStack = s }

// PendingSignals returns the union of the thread's and the group's
// pending sets (rt_sigpending).
func (t *Task) PendingSignals() SignalSet {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	return t.pending.set | t.tg.pending.set
}

// hasDeliverable reports whether a signal is pending and not blocked; the
// caller holds tg.mu.
func (t *Task) hasDeliverableLocked() bool {
	return (t.pending.set|t.tg.pending.set)&^(t.sigMask&^Unblockable) != 0
}

// HasDeliverable reports whether a signal could be delivered now; blocking
// syscalls use it to decide to return ERESTARTSYS.
func (t *Task) HasDeliverable() bool {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	return t.hasDeliverableLocked() || t.killed.Load()
}

// killLocked ends the whole group with status; the caller holds tg.mu.
func (tg *ThreadGroup) killLocked(st ExitStatus) {
	if tg.exiting {
		return
	}
	tg.exiting = true
	tg.exitStatus = st
	for _, t := range tg.tasks {
		t.killed.Store(true)
		t.kick()
	}
}

// Exit ends the whole group (exit_group(2), or a fatal signal).
func (tg *ThreadGroup) Exit(st ExitStatus) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.killLocked(st)
}

// DiscardPending drops pending instances of s from the group and every
// thread (a signal set to be ignored is discarded, see sigaction(2)).
func (tg *ThreadGroup) DiscardPending(s Signal) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.pending.discard(s)
	for _, t := range tg.tasks {
		t.pending.discard(s)
	}
}
