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
	w := &futexWaiter{bitset: bitset, ch: make(chan struct{}, 1)}
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
	ft.remove(key, w)
	return err
}

// FutexWake wakes up to n waiters on addr whose bitset intersects bitset.
func (t *Task) FutexWake(addr uintptr, n int, bitset uint32) int {
	ft := &t.k.futexes
	key := futexKey{t.mm, addr}
	ft.mu.Lock()
	defer ft.mu.Unlock()
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
