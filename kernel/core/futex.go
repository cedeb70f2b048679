package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// FutexBitsetAll matches every waiter (FUTEX_BITSET_MATCH_ANY).
const FutexBitsetAll = ^uint32(0)

// The bits of a futex word that the kernel itself interprets, for PI and
// robust futexes (futex(2), "Priority-inheritance futexes"; the kernel's
// Documentation/locking/robust-futex-ABI).
const (
	FutexWaiters   = 0x80000000 // FUTEX_WAITERS: someone sleeps in the kernel
	FutexOwnerDied = 0x40000000 // FUTEX_OWNER_DIED: the owner exited holding it
	FutexTIDMask   = 0x3fffffff // FUTEX_TID_MASK: the owner's thread ID
)

// futexKey names a futex word, as Linux's get_futex_key does:
//
//   - a private futex (FUTEX_PRIVATE_FLAG) by address space and virtual
//     address: mm and addr;
//   - a shared futex in a MAP_SHARED mapping by the memory-file page behind
//     it, the same in every process that maps the object: mm is nil and addr
//     is the word's memory-file offset (mm.SharedKey);
//   - a shared futex in private memory by address space and address again,
//     but with shared set: Linux keys it apart from the private futex at the
//     same address (FUT_OFF_MMSHARED), so a FUTEX_WAKE without the private
//     flag does not wake a FUTEX_WAIT_PRIVATE there, nor the reverse.
type futexKey struct {
	mm     *mm.MM
	addr   uintptr
	shared bool
}

// futexWaiter is one task asleep in the futex table, on a plain queue
// (FUTEX_WAIT) or on a PI futex's queue (FUTEX_LOCK_PI).
type futexWaiter struct {
	t      *Task
	addr   uintptr  // the word's address in t's address space
	key    futexKey // where the waiter is queued now (requeue moves it)
	bitset uint32
	ch     chan struct{}
	woken  bool // guarded by the table lock; for PI: the lock was handed over
}

// futexTable holds every sleeping futex waiter of the sandbox. One lock
// covers it: the check of a word and the enqueue, and a change of a word
// and the wake, each happen under it, so no wake is lost.
type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
	pi      map[futexKey]*piState // futex_pi.go
}

func newFutexTable() futexTable {
	return futexTable{waiters: map[futexKey][]*futexWaiter{}, pi: map[futexKey]*piState{}}
}

// futexKeyFor computes the key of the word at addr. A private key touches
// no memory (Linux only range-checks it); a shared one faults the page in
// to find what backs it, so an unmapped address is EFAULT.
func (t *Task) futexKeyFor(addr uintptr, private bool) (futexKey, error) {
	if addr%4 != 0 {
		return futexKey{}, kerr.EINVAL
	}
	if !t.mm.InUserRange(addr) {
		return futexKey{}, kerr.EFAULT
	}
	if private {
		return futexKey{mm: t.mm, addr: addr}, nil
	}
	off, ok, err := t.mm.SharedKey(addr)
	if err != nil {
		return futexKey{}, err
	}
	if ok {
		return futexKey{addr: uintptr(off), shared: true}, nil
	}
	return futexKey{mm: t.mm, addr: addr, shared: true}, nil
}

// futexKeyPair computes the keys of the two words an operation on a
// pair of futexes (FUTEX_REQUEUE, FUTEX_WAKE_OP) acts on, addr's first.
func (t *Task) futexKeyPair(addr, addr2 uintptr, private bool) (key, key2 futexKey, err error) {
	if key, err = t.futexKeyFor(addr, private); err != nil {
		return futexKey{}, futexKey{}, err
	}
	if key2, err = t.futexKeyFor(addr2, private); err != nil {
		return futexKey{}, futexKey{}, err
	}
	return key, key2, nil
}

// FutexWait sleeps while the word at addr holds val, until a wake matching
// bitset, the deadline (zero: none) or a signal. private is
// FUTEX_PRIVATE_FLAG. See futex(2), FUTEX_WAIT_BITSET.
func (t *Task) FutexWait(addr uintptr, private bool, val, bitset uint32, deadline time.Time) error {
	if bitset == 0 {
		return kerr.EINVAL
	}
	key, err := t.futexKeyFor(addr, private)
	if err != nil {
		return err
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	word, err := t.mm.Uint32At(addr, false)
	if err != nil {
		ft.mu.Unlock()
		return err
	}
	if atomic.LoadUint32(word) != val {
		ft.mu.Unlock()
		return kerr.EAGAIN
	}
	w := &futexWaiter{t: t, addr: addr, key: key, bitset: bitset, ch: make(chan struct{}, 1)}
	ft.waiters[key] = append(ft.waiters[key], w)
	ft.mu.Unlock()

	err = t.Block(w.ch, deadline)
	if err == nil {
		return nil
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if w.woken {
		return nil // a wake raced with the signal or timeout: it wins
	}
	ft.remove(w.key, w)
	return err
}

// FutexWake wakes up to n waiters on addr whose bitset intersects bitset.
// A futex with PI waiters cannot be woken this way (EINVAL, as Linux).
func (t *Task) FutexWake(addr uintptr, private bool, n int, bitset uint32) (int, error) {
	key, err := t.futexKeyFor(addr, private)
	if err != nil {
		return 0, err
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.pi[key] != nil {
		return 0, kerr.EINVAL
	}
	return ft.wakeLocked(key, n, bitset), nil
}

func (ft *futexTable) wakeLocked(key futexKey, n int, bitset uint32) int {
	woke := 0
	list := ft.waiters[key]
	kept := list[:0]
	for _, w := range list {
		if woke < n && w.bitset&bitset != 0 {
			w.woken = true
			w.ch <- struct{}{}
			woke++
			continue
		}
		kept = append(kept, w)
	}
	ft.setQueue(key, kept)
	return woke
}

// setQueue stores what is left of key's queue, dropping the key once
// nobody waits there so the table does not grow with every futex used.
func (ft *futexTable) setQueue(key futexKey, list []*futexWaiter) {
	if len(list) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = list
	}
}

func (ft *futexTable) remove(key futexKey, w *futexWaiter) {
	list := ft.waiters[key]
	for i, o := range list {
		if o == w {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	ft.setQueue(key, list)
}

// FutexRequeue wakes up to nWake waiters on addr and moves up to
// nRequeue of the rest to addr2 (FUTEX_REQUEUE). With check set, the word
// at addr must hold val first, or EAGAIN (FUTEX_CMP_REQUEUE). It returns
// how many were woken plus how many were requeued: futex(2) says only the
// woken for FUTEX_REQUEUE, but Linux counts both for either operation.
func (t *Task) FutexRequeue(addr, addr2 uintptr, private bool, nWake, nRequeue int, check bool, val uint32) (int, error) {
	key, key2, err := t.futexKeyPair(addr, addr2, private)
	if err != nil {
		return 0, err
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if check {
		word, err := t.mm.Uint32At(addr, false)
		if err != nil {
			return 0, err
		}
		if atomic.LoadUint32(word) != val {
			return 0, kerr.EAGAIN
		}
	}
	if ft.pi[key] != nil || ft.pi[key2] != nil {
		// Plain requeue onto or off a PI futex would mix the two kinds
		// of queue; Linux refuses it too.
		return 0, kerr.EINVAL
	}
	woke := ft.wakeLocked(key, nWake, FutexBitsetAll)
	moved := 0
	if key != key2 {
		list := ft.waiters[key]
		for len(list) > 0 && moved < nRequeue {
			w := list[0]
			list = list[1:]
			w.key = key2
			ft.waiters[key2] = append(ft.waiters[key2], w)
			moved++
		}
		ft.setQueue(key, list)
	} else {
		// Requeueing onto the same futex moves nobody, but Linux still
		// counts them.
		moved = min(nRequeue, len(ft.waiters[key]))
	}
	return woke + moved, nil
}

// FutexWakeOp is FUTEX_WAKE_OP: under the futex lock, apply op to the
// word at addr2 (returning its old value to cmp), wake nWake on addr, and
// if cmp(old) holds, wake nWake2 on addr2. A nil op or cmp is an invalid
// one (ENOSYS); as in Linux, a valid operation is still applied before a
// bad comparison is noticed.
func (t *Task) FutexWakeOp(addr, addr2 uintptr, private bool, nWake, nWake2 int, op func(old uint32) uint32, cmp func(old uint32) bool) (int, error) {
	key, key2, err := t.futexKeyPair(addr, addr2, private)
	if err != nil {
		return 0, err
	}
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	word, err := t.mm.Uint32At(addr2, true)
	if err != nil {
		return 0, err
	}
	if op == nil {
		return 0, kerr.ENOSYS
	}
	var old uint32
	for {
		old = atomic.LoadUint32(word)
		if atomic.CompareAndSwapUint32(word, old, op(old)) {
			break
		}
	}
	if cmp == nil {
		return 0, kerr.ENOSYS
	}
	woke := ft.wakeLocked(key, nWake, FutexBitsetAll)
	if cmp(old) {
		woke += ft.wakeLocked(key2, nWake2, FutexBitsetAll)
	}
	return woke, nil
}
