package core

import "time"

// Job control: stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) stop
// every thread of a process until SIGCONT, and the parent hears of both
// through SIGCHLD and wait (see signal(7), "Standard signals", and
// wait(2), WUNTRACED and WCONTINUED).

// groupStop stops t's process with sig: every thread parks at its next
// return towards the guest.
func (t *Task) groupStop(sig Signal) {
	tg := t.tg
	tg.mu.Lock()
	if tg.stopped || tg.exiting {
		tg.mu.Unlock()
		return
	}
	tg.stopped, tg.stopSig, tg.stopReport, tg.contReport = true, sig, true, false
	for _, o := range tg.tasks {
		if o != t {
			o.kick()
		}
	}
	tg.mu.Unlock()
	tg.tellParent(cldStopped, sig)
}

// parkIfStopped blocks the task while its process is stopped; SIGKILL
// (which sets killed) and SIGCONT release it.
func (t *Task) parkIfStopped() {
	tg := t.tg
	for {
		tg.mu.Lock()
		if !tg.stopped || t.killed.Load() {
			tg.mu.Unlock()
			return
		}
		ch := tg.contCh
		tg.mu.Unlock()
		start := time.Now()
		select {
		case <-ch:
		case <-t.wake:
		}
		t.blockedFor(start)
	}
}

// continueLocked resumes a stopped process and discards pending stop
// signals, as the generation of SIGCONT does; it reports whether the
// process was stopped. The caller holds tg.mu.
func (tg *ThreadGroup) continueLocked() bool {
	for _, s := range [...]Signal{SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU} {
		tg.pending.discard(s)
		for _, t := range tg.tasks {
			t.pending.discard(s)
		}
	}
	if !tg.stopped {
		return false
	}
	tg.stopped, tg.stopReport, tg.contReport = false, false, true
	close(tg.contCh)
	tg.contCh = make(chan struct{})
	return true
}

// discardContLocked drops a pending SIGCONT when a stop signal is
// generated. The caller holds tg.mu.
func (tg *ThreadGroup) discardContLocked() {
	tg.pending.discard(SIGCONT)
	for _, t := range tg.tasks {
		t.pending.discard(SIGCONT)
	}
}

// tellParent wakes the parent's waiters and, unless its SIGCHLD action
// says SA_NOCLDSTOP, sends it SIGCHLD with code (CLD_STOPPED or
// CLD_CONTINUED).
func (tg *ThreadGroup) tellParent(code int32, sig Signal) {
	k := tg.k
	k.mu.Lock()
	parent := tg.parent
	if parent != nil {
		parent.notifyChildLocked()
	}
	k.mu.Unlock()
	if parent == nil {
		return
	}
	act := parent.handlers.Get(SIGCHLD)
	if act.Flags&SANoCldStop != 0 || act.Handler == SigIgnore {
		return
	}
	status := int32(sig)
	if code == cldContinued {
		status = int32(SIGCONT)
	}
	parent.SendSignal(&SigInfo{Signo: SIGCHLD, Code: code, PID: int32(tg.pid), UID: tg.Credentials().UID, Status: status})
}
