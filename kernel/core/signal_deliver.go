package core

import "github.com/runos-project/runos/kernel/kerr"

// dequeueSignal takes the next deliverable signal: thread-directed ones
// first, then process-directed ones, as Linux's dequeue_signal does.
func (t *Task) dequeueSignal() (SigInfo, bool) {
	tg := t.tg
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if info, ok := t.pending.take(t.sigMask); ok {
		return info, true
	}
	return tg.pending.take(t.sigMask)
}

// deliverSignals acts on every deliverable signal before the task returns
// to the guest: a handler gets a frame built by the personality; a default
// action may end the group. It runs on the task's own goroutine.
func (t *Task) deliverSignals() {
	tr := t.k.Tracer
	if tr != nil {
		t.reportIgnoredSignals(tr)
	}
	for !t.killed.Load() {
		next, ok := t.dequeueSignal()
		if !ok {
			break
		}
		// info escapes (the tracer and the personality take &info):
		// copy it only for a signal that is delivered, so that the
		// common case, nothing pending, allocates nothing.
		info := next
		if tr != nil {
			tr.Signal(t, &info)
		}
		sig := info.Signo
		act := t.tg.handlers.Get(sig)
		switch {
		case act.Handler == SigIgnore:
			continue
		case act.Handler == SigDefault:
			switch sig.Default() {
			case ActIgnore, ActContinue:
				continue
			case ActStop:
				t.groupStop(sig)
				return
			case ActCore:
				t.tg.Exit(ExitStatus{Signal: sig, Core: t.tg.DumpsCore})
				return
			default:
				t.tg.Exit(ExitStatus{Signal: sig})
				return
			}
		}

		// A handler runs. Settle an interrupted syscall first: the frame
		// must save the registers the handler returns to.
		if t.restart != 0 {
			t.p.InterruptedSyscall(t, t.restart, &act)
			t.restart = 0
		}
		if err := t.p.DeliverSignal(t, &info, &act); err != nil {
			// No room for a frame: Linux kills with SIGSEGV.
			t.k.Debugf("task %d: cannot deliver %v: %v", t.tid, sig, err)
			t.tg.Exit(ExitStatus{Signal: SIGSEGV, Core: true})
			return
		}
		t.tg.mu.Lock()
		mask := t.sigMask
		if t.hasSaved {
			// The frame saved the mask the handler returns to; that
			// must be the one from before sigsuspend.
			t.hasSaved = false
		}
		mask |= act.Mask
		if act.Flags&SANoDefer == 0 {
			mask |= SigMask(sig)
		}
		t.sigMask = mask &^ Unblockable
		t.tg.mu.Unlock()
		if act.Flags&SAResetHand != 0 {
			t.tg.handlers.Set(sig, SigAction{})
		}
	}
	if t.restart != 0 {
		// No handler ran: the call restarts transparently.
		t.p.InterruptedSyscall(t, t.restart, nil)
		t.restart = 0
	}
	t.tg.mu.Lock()
	if t.hasSaved {
		t.sigMask = t.savedMask
		t.hasSaved = false
	}
	t.tg.mu.Unlock()
}

// FrameMask is the mask a signal frame must save: the one the handler
// returns to (the pre-sigsuspend mask if one is saved).
func (t *Task) FrameMask() SignalSet {
	t.tg.mu.Lock()
	defer t.tg.mu.Unlock()
	if t.hasSaved {
		return t.savedMask
	}
	return t.sigMask
}

// ErrInterrupted is what blocking calls return when a signal arrives; the
// syscall layer restarts or fails the call with EINTR.
var ErrInterrupted = kerr.ERESTARTSYS
