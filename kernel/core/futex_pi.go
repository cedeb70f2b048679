package core

import (
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// PI futexes (futex(2), "Priority-inheritance futexes"): the word holds
// the owner's TID, with FutexWaiters set once somebody sleeps in the
// kernel for it. User space takes a free lock with a compare-and-swap of
// 0 to its TID and releases an uncontended one the same way; the kernel is
// only asked when that fails, and then it queues the caller (LOCK_PI) or
// hands the lock straight to the first waiter (UNLOCK_PI), writing the new
// owner's TID into the word, so that no other thread can steal it between
// the wake and the new owner running.
//
// Priority inheritance itself, boosting the owner to the priority of its
// most urgent waiter, means nothing here: runos does not schedule, the
// host does, and every task has the same priority. So the waiters are
// served in arrival order, which is what Linux does for equal priorities.

// piState is the kernel's side of a contended PI futex: who owns it and
// who waits for it. It exists while someone waits.
type piState struct {
	owner   *Task
	waiters []*futexWaiter
}

// FutexLockPI is FUTEX_LOCK_PI (and LOCK_PI2, and with try set
// FUTEX_TRYLOCK_PI): take the PI futex at addr, sleeping until its owner
// hands it over or the deadline passes. Errors follow futex(2): EDEADLK if
// the caller owns it already, ESRCH if the TID in the word names no live
// thread, EAGAIN for a trylock that would sleep, ETIMEDOUT.
func (t *Task) FutexLockPI(addr uintptr, private, try bool, deadline time.Time) error {
	key, err := t.futexKeyFor(addr, private)
	if err != nil {
		return err
	}
	ft := &t.k.futexes
	me := uint32(t.tid)
	var w *futexWaiter
	for w == nil {
		// The owner is looked up before the table lock is taken (the
		// lock order puts Kernel.mu first) and checked again under it.
		var word *uint32
		if word, err = t.mm.Uint32At(addr, true); err != nil {
			return err
		}
		guess := atomic.LoadUint32(word) & FutexTIDMask
		var owner *Task
		if guess != 0 && guess != me {
			owner = t.k.TaskByTID(int(guess))
		}

		ft.mu.Lock()
		var again bool
		w, again, err = ft.lockPILocked(t, key, addr, guess, owner, try)
		ft.mu.Unlock()
		if err != nil || w == nil && !again {
			return err // taken at once, or failed
		}
	}

	err = t.Block(w.ch, deadline)
	if err == nil {
		return nil
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if w.woken {
		return nil // the lock was handed over before the signal or timeout
	}
	ft.removePI(w)
	if err == kerr.ERESTARTSYS {
		// Linux restarts an interrupted FUTEX_LOCK_PI even after a
		// handler without SA_RESTART: lock callers never see EINTR.
		return kerr.ERESTARTNOINTR
	}
	return err
}

// lockPILocked is one attempt of FutexLockPI under the table lock. It
// returns the queued waiter when the caller must sleep, nil when it took
// the lock, or again when the word changed under it (user space races
// with the kernel on the word, so every update is a compare-and-swap).
// guess is the owner TID read before the lock, owner its task.
func (ft *futexTable) lockPILocked(t *Task, key futexKey, addr uintptr, guess uint32, owner *Task, try bool) (w *futexWaiter, again bool, err error) {
	me := uint32(t.tid)
	word, err := t.mm.Uint32At(addr, true)
	if err != nil {
		return nil, false, err
	}
	val := atomic.LoadUint32(word)
	tid := val & FutexTIDMask
	if tid == me {
		return nil, false, kerr.EDEADLK
	}
	if len(ft.waiters[key]) > 0 {
		// Plain FUTEX_WAIT sleepers on the word: it is not a PI futex.
		return nil, false, kerr.EINVAL
	}
	ps := ft.pi[key]
	switch {
	case ps != nil:
		// Others wait already; the owner will hand the lock over. A TID
		// that is neither 0 nor the recorded owner means user space
		// scribbled on the word.
		if tid != 0 && tid != uint32(ps.owner.tid) {
			return nil, false, kerr.EINVAL
		}
		if !atomic.CompareAndSwapUint32(word, val, val|FutexWaiters) {
			return nil, true, nil
		}
	case tid == 0:
		// Free (perhaps with FUTEX_OWNER_DIED, which is kept for the
		// new owner to see): take it.
		if !atomic.CompareAndSwapUint32(word, val, val&FutexOwnerDied|me) {
			return nil, true, nil
		}
		return nil, false, nil
	default:
		// The first waiter: mark the word, then find the owner. Linux
		// sets FUTEX_WAITERS before it looks, so the bit stays even when
		// the lookup fails.
		if !atomic.CompareAndSwapUint32(word, val, val|FutexWaiters) {
			return nil, true, nil
		}
		if tid != guess {
			return nil, true, nil
		}
		if owner == nil || owner.futexExited {
			// See futex(2), ESRCH: the owner is gone and its robust
			// list (if any) did not release the lock.
			return nil, false, kerr.ESRCH
		}
		if try {
			return nil, false, kerr.EAGAIN
		}
		ps = &piState{owner: owner}
		ft.pi[key] = ps
	}
	if try {
		return nil, false, kerr.EAGAIN
	}
	w = &futexWaiter{t: t, addr: addr, key: key, bitset: FutexBitsetAll, ch: make(chan struct{}, 1)}
	ps.waiters = append(ps.waiters, w)
	return w, false, nil
}

// removePI takes a waiter that gave up (timeout, signal) off its queue.
// The word keeps FUTEX_WAITERS, so the owner's unlock still comes to the
// kernel, which then finds nobody and clears the word.
func (ft *futexTable) removePI(w *futexWaiter) {
	ps := ft.pi[w.key]
	if ps == nil {
		return
	}
	for i, o := range ps.waiters {
		if o == w {
			ps.waiters = append(ps.waiters[:i], ps.waiters[i+1:]...)
			break
		}
	}
	if len(ps.waiters) == 0 {
		delete(ft.pi, w.key)
	}
}

// FutexUnlockPI is FUTEX_UNLOCK_PI: the caller, which must own the futex
// (EPERM otherwise), releases it to the first waiter or, with none, to
// nobody (the word becomes 0).
func (t *Task) FutexUnlockPI(addr uintptr, private bool) error {
	me := uint32(t.tid)
	if addr%4 != 0 {
		// Linux reads the word and checks the owner before it looks at
		// the alignment.
		var b [4]byte
		if _, err := t.mm.CopyIn(addr, b[:]); err != nil {
			return err
		}
		if (uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)&FutexTIDMask != me {
			return kerr.EPERM
		}
		return kerr.EINVAL
	}
	if !t.mm.InUserRange(addr) {
		return kerr.EFAULT
	}
	if word, err := t.mm.Uint32At(addr, false); err != nil {
		return err
	} else if atomic.LoadUint32(word)&FutexTIDMask != me {
		return kerr.EPERM
	}
	key, err := t.futexKeyFor(addr, private)
	if err != nil {
		return err
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for {
		word, err := t.mm.Uint32At(addr, true)
		if err != nil {
			return err
		}
		val := atomic.LoadUint32(word)
		if val&FutexTIDMask != me {
			return kerr.EPERM
		}
		if len(ft.waiters[key]) > 0 {
			return kerr.EINVAL
		}
		ps := ft.pi[key]
		if ps == nil {
			if atomic.CompareAndSwapUint32(word, val, 0) {
				return nil
			}
			continue
		}
		if ps.owner != t {
			// The word says we own it, the kernel says another
			// thread does: user space fiddled with the word.
			return kerr.EINVAL
		}
		// The new owner gets the word with FUTEX_WAITERS set while any
		// PI state is around (so its unlock comes here), and without
		// FUTEX_OWNER_DIED: the old owner made the state consistent.
		next := ps.waiters[0]
		if !atomic.CompareAndSwapUint32(word, val, FutexWaiters|uint32(next.t.tid)) {
			continue
		}
		ft.handOverPI(ps, next)
		return nil
	}
}

// handOverPI makes w, the first waiter of ps, the owner (its TID is in the
// word already) and wakes it.
func (ft *futexTable) handOverPI(ps *piState, w *futexWaiter) {
	ps.waiters = ps.waiters[1:]
	ps.owner = w.t
	if len(ps.waiters) == 0 {
		delete(ft.pi, w.key)
	}
	w.woken = true
	w.ch <- struct{}{}
}

// exitPIStateLocked hands every PI futex that t owns and others wait for
// to its first waiter, as Linux's exit_pi_state_list does when a thread
// dies or execs: a PI lock is never left to a dead owner while someone
// sleeps for it. FUTEX_OWNER_DIED, set by the robust list walk when the
// lock was robust, is kept so the new owner learns of the death.
func (ft *futexTable) exitPIStateLocked(t *Task) {
	for _, ps := range ft.pi {
		if ps.owner != t || len(ps.waiters) == 0 {
			continue
		}
		next := ps.waiters[0]
		if word, err := next.t.mm.Uint32At(next.addr, true); err == nil {
			for {
				val := atomic.LoadUint32(word)
				if atomic.CompareAndSwapUint32(word, val, val&FutexOwnerDied|FutexWaiters|uint32(next.t.tid)) {
					break
				}
			}
		}
		ft.handOverPI(ps, next)
	}
}
