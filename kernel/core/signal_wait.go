package core

import (
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// WaitSignal takes a pending signal of set without running its handler
// (sigtimedwait(2), sigwaitinfo(2)). If none is pending it waits, with the
// signals of set unblocked for the wait so that their arrival wakes it,
// until one arrives (it is returned), the deadline passes (EAGAIN; a zero
// deadline with poll set means do not wait at all; zero without poll waits
// for ever), or another unblocked signal arrives (EINTR; that signal is
// then delivered as usual). Thread-directed signals are taken before
// process-directed ones, lowest number first, as for delivery.
func (t *Task) WaitSignal(set SignalSet, deadline time.Time, poll bool) (SigInfo, error) {
	set &^= Unblockable
	tg := t.tg
	tg.mu.Lock()
	if info, ok := t.takeFromLocked(set); ok {
		tg.mu.Unlock()
		return info, nil
	}
	if poll {
		tg.mu.Unlock()
		return SigInfo{}, kerr.EAGAIN
	}
	old := t.sigMask
	t.realBlocked = old
	t.sigMask &^= set
	tg.mu.Unlock()

	err := t.Block(nil, deadline)

	tg.mu.Lock()
	t.sigMask = old
	t.realBlocked = 0
	info, ok := t.takeFromLocked(set)
	tg.mu.Unlock()
	switch {
	case ok:
		return info, nil
	case err == kerr.ETIMEDOUT:
		return SigInfo{}, kerr.EAGAIN
	}
	return SigInfo{}, kerr.EINTR
}

// takeFromLocked dequeues the next pending signal in set; the caller
// holds tg.mu.
func (t *Task) takeFromLocked(set SignalSet) (SigInfo, bool) {
	if info, ok := t.pending.takeIn(set); ok {
		return info, true
	}
	return t.tg.pending.takeIn(set)
}

// takeIn removes the lowest-numbered pending signal of set. Unlike take,
// it never takes SIGKILL or SIGSTOP unless set holds them.
func (q *sigQueue) takeIn(set SignalSet) (SigInfo, bool) {
	avail := q.set & set
	if avail == 0 {
		return SigInfo{}, false
	}
	s := Signal(1)
	for avail&1 == 0 {
		avail >>= 1
		s++
	}
	info := q.infos[s][0]
	q.infos[s] = q.infos[s][1:]
	if len(q.infos[s]) == 0 {
		q.infos[s] = nil
		q.set &^= SigMask(s)
	}
	return info, true
}
