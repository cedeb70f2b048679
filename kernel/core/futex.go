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

// futexKey names a futex word. Private futexes are keyed by address space
// and virtual address; shared ones (across processes) will be keyed by the
// backing page when fork arrives.
type futexKey struct {
	mm   *mm.MM
	addr uintptr
}

type futexWaiter struct {
	key    futexKey // where the waiter is queued now (requeue moves it)
	bitset uint32
	ch     chan struct{}
	woken  bool
}

type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
}

func newFutexTable() futexTable {
	return futexTable{waiters: map[futexKey][]*futexWaiter{}}
}

// FutexWait sleeps while the word at addr holds val, until a wake matching
// bitset, the deadline (zero: none) or a signal. See futex(2),
// FUTEX_WAIT_BITSET.
func (t *Task) FutexWait(addr uintptr, val, bitset uint32, deadline time.Time) error {
	if bitset == 0 {
		return kerr.EINVAL
	}
	ft := &t.k.futexes
	key := futexKey{t.mm, addr}
	ft.mu.Lock()
	word, err := t.mm.Uint32At(addr, false)
	if err != nil {
		ft.mu.Unlock()
		return err
	}
	// The check and the enqueue happen under the table lock, and a waker
	// takes the same lock after changing the word, so no wake is lost.
	if atomic.LoadUint32(word) != val {
		ft.mu.Unlock()
		return kerr.EAGAIN
	}
	w := &futexWaiter{key: key, bitset: bitset, ch: make(chan struct{}, 1)}
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
func (t *Task) FutexWake(addr uintptr, n int, bitset uint32) int {
	ft := &t.k.futexes
	key := futexKey{t.mm, addr}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.wakeLocked(key, n, bitset)
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
	if len(kept) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = kept
	}
	return woke
}

func (ft *futexTable) remove(key futexKey, w *futexWaiter) {
	list := ft.waiters[key]
	for i, o := range list {
		if o == w {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = list
	}
}

// FutexRequeue wakes up to nWake waiters on addr and moves up to
// nRequeue of the rest to addr2 (FUTEX_REQUEUE). With check set, the word
// at addr must hold val first, or EAGAIN (FUTEX_CMP_REQUEUE). It returns
// how many were woken plus, for CMP_REQUEUE, how many were requeued.
func (t *Task) FutexRequeue(addr, addr2 uintptr, nWake, nRequeue int, check bool, val uint32) (int, error) {
	ft := &t.k.futexes
	key, key2 := futexKey{t.mm, addr}, futexKey{t.mm, addr2}
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
	woke := ft.wakeLocked(key, nWake, FutexBitsetAll)
	moved := 0
	list := ft.waiters[key]
	for len(list) > 0 && moved < nRequeue {
		w := list[0]
		list = list[1:]
		w.key = key2
		ft.waiters[key2] = append(ft.waiters[key2], w)
		moved++
	}
	if len(list) == 0 {
		delete(ft.waiters, key)
	} else {
		ft.waiters[key] = list
	}
	if check {
		return woke + moved, nil
	}
	return woke, nil
}

// FutexWakeOp is FUTEX_WAKE_OP: under the futex lock, apply op to the
// word at addr2 (returning its old value to cmp), wake nWake on addr, and
// if cmp(old) holds, wake nWake2 on addr2.
func (t *Task) FutexWakeOp(addr, addr2 uintptr, nWake, nWake2 int, op func(old uint32) uint32, cmp func(old uint32) bool) (int, error) {
	ft := &t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	word, err := t.mm.Uint32At(addr2, true)
	if err != nil {
		return 0, err
	}
	var old uint32
	for {
		old = atomic.LoadUint32(word)
		if atomic.CompareAndSwapUint32(word, old, op(old)) {
			break
		}
	}
	woke := ft.wakeLocked(futexKey{t.mm, addr}, nWake, FutexBitsetAll)
	if cmp(old) {
		woke += ft.wakeLocked(futexKey{t.mm, addr2}, nWake2, FutexBitsetAll)
	}
	return woke, nil
}
