package core

import "sync"

// sigQueue is a set of pending signals. Standard signals are pending at
// most once (a second one merges with the first); real-time signals queue
// each instance with its own siginfo, and are taken lowest number first.
// See signal(7), "Queueing and delivery semantics for standard signals"
// and "Real-time signals".
type sigQueue struct {
	set   SignalSet
	infos [NumSignals + 1][]SigInfo
}

func (q *sigQueue) add(info *SigInfo) {
	s := info.Signo
	if s < SIGRTMIN && q.set.Has(s) {
		return // standard signals do not queue
	}
	q.set |= SigMask(s)
	q.infos[s] = append(q.infos[s], *info)
}

// take removes the lowest-numbered pending signal not in mask. Standard
// signals go before real-time ones because they have lower numbers, which
// is also the order Linux delivers them in.
func (q *sigQueue) take(mask SignalSet) (SigInfo, bool) {
	avail := q.set &^ (mask &^ Unblockable)
	if avail == 0 {
		return SigInfo{}, false
	}
	var s Signal = 1
	for avail&1 == 0 {
		avail >>= 1
		s++
	}
	list := q.infos[s]
	info := list[0]
	q.infos[s] = list[1:]
	if len(q.infos[s]) == 0 {
		q.infos[s] = nil
		q.set &^= SigMask(s)
	}
	return info, true
}

func (q *sigQueue) discard(s Signal) {
	q.set &^= SigMask(s)
	q.infos[s] = nil
}

// SignalHandlers is a disposition table, shared by the threads of a group
// (and by processes cloned with CLONE_SIGHAND).
type SignalHandlers struct {
	mu      sync.Mutex
	actions [NumSignals + 1]SigAction
}

// Get returns the action for s.
func (h *SignalHandlers) Get(s Signal) SigAction {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.actions[s]
}

// Set installs act for s and returns the previous action.
func (h *SignalHandlers) Set(s Signal, act SigAction) SigAction {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.actions[s]
	h.actions[s] = act
	return old
}

// Copy returns an independent copy (fork without CLONE_SIGHAND).
func (h *SignalHandlers) Copy() *SignalHandlers {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := &SignalHandlers{actions: h.actions}
	return n
}

// ResetForExec sets every handled signal back to SIG_DFL; ignored ones
// stay ignored (see execve(2)).
func (h *SignalHandlers) ResetForExec() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.actions {
		if h.actions[i].Handler != SigIgnore {
			h.actions[i] = SigAction{}
		}
	}
}

func (act *SigAction) ignored(s Signal) bool {
	return act.Handler == SigIgnore || (act.Handler == SigDefault && s.Default() == ActIgnore)
}
