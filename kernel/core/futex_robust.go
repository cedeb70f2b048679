package core

import (
	"encoding/binary"
	"sync/atomic"
)

// Robust futexes (set_robust_list(2), the kernel's
// Documentation/locking/robust-futex-ABI): each thread keeps, in its own
// memory, a list of the robust locks it holds. The kernel reads it only
// when the thread dies (or execs), and marks every lock the thread still
// owned with FUTEX_OWNER_DIED, so that the next locker gets EOWNERDEAD
// instead of waiting forever.
//
// The list head (struct robust_list_head on a 64-bit ABI) is three words:
// the first entry, the offset from an entry to its futex word, and the
// entry being locked or unlocked right now (list_op_pending). Entries are
// struct robust_list, whose first word points to the next entry; the list
// is circular through the head. Bit 0 of an entry pointer marks a PI
// futex.
const (
	robustHeadSize = 24
	// robustListLimit bounds the walk (Linux's ROBUST_LIST_LIMIT), so a
	// corrupt or circular list cannot keep a dying thread forever.
	robustListLimit = 2048
)

// releaseFutexes does what a thread's death or exec does to futexes
// (Linux's futex_exit_release and futex_exec_release): walk the robust
// list, then hand each PI futex the thread owns to its first waiter. With
// dying set, the thread can own no PI futex any more: a FUTEX_LOCK_PI
// naming it from now on fails with ESRCH, as for a thread that is gone.
// The thread's address space must still be alive.
func (t *Task) releaseFutexes(dying bool) {
	if t.mm == nil {
		return
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if t.RobustList != 0 {
		t.exitRobustListLocked()
	}
	ft.exitPIStateLocked(t)
	if dying {
		t.futexExited = true
	}
}

// exitRobustListLocked walks the robust list as Linux's exit_robust_list
// does. Any fault ends the walk quietly: the list lives in user memory,
// and a bad one only harms the program that wrote it.
func (t *Task) exitRobustListLocked() {
	head := t.RobustList
	var h [robustHeadSize]byte
	if _, err := t.mm.CopyIn(head, h[:]); err != nil {
		return
	}
	entry, pi := splitRobustEntry(binary.LittleEndian.Uint64(h[0:]))
	offset := binary.LittleEndian.Uint64(h[8:]) // signed, added modulo 2^64
	pending, pendingPI := splitRobustEntry(binary.LittleEndian.Uint64(h[16:]))

	for limit := robustListLimit; entry != uint64(head); {
		// Read the next pointer first: once the lock is released,
		// another thread may free the entry.
		var nb [8]byte
		_, nextErr := t.mm.CopyIn(uintptr(entry), nb[:])
		if entry != pending {
			if !t.futexDeathLocked(uintptr(entry+offset), pi, false) {
				return
			}
		}
		if nextErr != nil {
			return
		}
		entry, pi = splitRobustEntry(binary.LittleEndian.Uint64(nb[:]))
		if limit--; limit == 0 {
			break
		}
	}
	if pending != 0 {
		t.futexDeathLocked(uintptr(pending+offset), pendingPI, true)
	}
}

func splitRobustEntry(v uint64) (entry uint64, pi bool) { return v &^ 1, v&1 != 0 }

// futexDeathLocked releases one robust lock of the dying thread t (Linux's
// handle_futex_death): if t owns it, keep FUTEX_WAITERS, set
// FUTEX_OWNER_DIED, clear the TID, and wake one plain waiter (a PI waiter
// gets the lock from exitPIStateLocked instead). pendingOp is the entry
// that was being locked or unlocked when the thread died. It reports false
// when the walk must stop.
func (t *Task) futexDeathLocked(addr uintptr, pi, pendingOp bool) bool {
	if addr%4 != 0 {
		return false
	}
	word, err := t.mm.Uint32At(addr, true)
	if err != nil {
		return false
	}
	ft := &t.k.futexes
	for {
		val := atomic.LoadUint32(word)
		if pendingOp && !pi && val == 0 {
			// The thread died between releasing the lock and
			// removing list_op_pending, perhaps before it woke the
			// next waiter: wake one so the lock cannot stay unclaimed
			// with sleepers.
			ft.wakeRobustLocked(t, addr)
			return true
		}
		if val&FutexTIDMask != uint32(t.tid) {
			return true
		}
		if !atomic.CompareAndSwapUint32(word, val, val&FutexWaiters|FutexOwnerDied) {
			continue
		}
		if !pi && val&FutexWaiters != 0 {
			ft.wakeRobustLocked(t, addr)
		}
		return true
	}
}

// wakeRobustLocked wakes one waiter of the word at addr. The wake is a
// shared one (no FUTEX_PRIVATE_FLAG), as Linux's, which is why libcs wait
// on robust mutexes without the private flag.
func (ft *futexTable) wakeRobustLocked(t *Task, addr uintptr) {
	if key, err := t.futexKeyFor(addr, false); err == nil {
		ft.wakeLocked(key, 1, FutexBitsetAll)
	}
}
