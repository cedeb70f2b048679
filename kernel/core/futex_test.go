package core

import (
	"encoding/binary"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// nullAS is an address space that mirrors nothing: the futex code only
// touches guest memory through the kernel's view of the memory file.
type nullAS struct{}

func (nullAS) Map(addr, length uintptr, off uint64, p platform.Perms) error { return nil }
func (nullAS) Unmap(addr, length uintptr) error                             { return nil }
func (nullAS) Release()                                                     {}

const testTop = uintptr(1 << 46)

// futexWorld is a kernel with tasks that never run guest code: enough to
// call the futex operations from test goroutines.
type futexWorld struct {
	t *testing.T
	k *Kernel
}

func newFutexWorld(t *testing.T) *futexWorld {
	mf, err := mm.NewMemoryFile(64 << 20)
	if err != nil {
		t.Skipf("no memory file: %v", err)
	}
	return &futexWorld{t: t, k: NewKernel(Config{MemoryFile: mf})}
}

// process makes a one-task process on address space m.
func (w *futexWorld) process(m *mm.MM) *Task {
	w.k.mu.Lock()
	defer w.k.mu.Unlock()
	id := w.k.allocID()
	tg := newThreadGroup(w.k, id, nil)
	t := newTask(w.k, tg, id, nil)
	t.mm = m
	w.k.tasks[id] = t
	w.k.groups[id] = tg
	return t
}

// thread adds a task to t's process.
func (w *futexWorld) thread(t *Task) *Task {
	w.k.mu.Lock()
	defer w.k.mu.Unlock()
	id := w.k.allocID()
	c := newTask(w.k, t.tg, id, nil)
	c.mm = t.mm
	w.k.tasks[id] = c
	return c
}

func (w *futexWorld) mm() *mm.MM { return mm.New(w.k.MemoryFile, nullAS{}, testTop) }

func (w *futexWorld) mmap(m *mm.MM, shared bool) uintptr {
	addr, err := m.Mmap(mm.MmapOpts{Length: 4096, Perms: platform.Perms{Read: true, Write: true}, Shared: shared})
	if err != nil {
		w.t.Fatal(err)
	}
	return addr
}

func (w *futexWorld) word(t *Task, addr uintptr) *uint32 {
	p, err := t.mm.Uint32At(addr, true)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// sleepers counts the tasks asleep in the futex table (plain and PI).
func (w *futexWorld) sleepers() int {
	ft := &w.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := 0
	for _, l := range ft.waiters {
		n += len(l)
	}
	for _, ps := range ft.pi {
		n += len(ps.waiters)
	}
	return n
}

// waitSleepers waits until n tasks sleep in the table.
func (w *futexWorld) waitSleepers(n int) {
	for w.sleepers() != n {
		runtime.Gosched()
	}
}

// async runs f on its own goroutine and returns its result channel. Each
// task may have at most one call running, as on its real goroutine.
func async(f func() error) <-chan error {
	c := make(chan error, 1)
	go func() { c <- f() }()
	return c
}

// expectPending checks that the call behind c has not returned, once the
// table says it sleeps (it cannot return without a wake).
func expectPending(t *testing.T, c <-chan error) {
	t.Helper()
	select {
	case err := <-c:
		t.Fatalf("the waiter returned early: %v", err)
	default:
	}
}

func TestFutexSharedKey(t *testing.T) {
	for _, tc := range []struct {
		name      string
		shared    bool // MAP_SHARED
		private   bool // FUTEX_PRIVATE_FLAG on both sides
		wakesPeer bool // the forked child's wake reaches the parent
	}{
		{"MAP_SHARED, shared futex", true, false, true},
		{"MAP_SHARED, private futex", true, true, false},
		{"MAP_PRIVATE, shared futex", false, false, false},
		{"MAP_PRIVATE, private futex", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newFutexWorld(t)
			m := w.mm()
			addr := w.mmap(m, tc.shared) + 8
			parent := w.process(m)
			cm, err := m.Fork(nullAS{})
			if err != nil {
				t.Fatal(err)
			}
			child := w.process(cm)

			done := async(func() error { return parent.FutexWait(addr, tc.private, 0, FutexBitsetAll, time.Time{}) })
			w.waitSleepers(1)
			n, err := child.FutexWake(addr, tc.private, 1, FutexBitsetAll)
			if err != nil {
				t.Fatal(err)
			}
			if got := n == 1; got != tc.wakesPeer {
				t.Fatalf("child's wake woke %d, want the parent woken: %v", n, tc.wakesPeer)
			}
			if !tc.wakesPeer {
				expectPending(t, done)
				// A wake of the other kind (private/shared) in the
				// same process does not match either.
				if n, _ := parent.FutexWake(addr, !tc.private, 1, FutexBitsetAll); n != 0 {
					t.Fatalf("a wake with the other private flag woke %d", n)
				}
				if n, _ := parent.FutexWake(addr, tc.private, 1, FutexBitsetAll); n != 1 {
					t.Fatalf("the parent's own wake woke %d, want 1", n)
				}
			}
			if err := <-done; err != nil {
				t.Fatalf("FutexWait = %v", err)
			}
		})
	}
}

func TestFutexPI(t *testing.T) {
	w := newFutexWorld(t)
	m := w.mm()
	addr := w.mmap(m, false)
	a := w.process(m)
	b, c := w.thread(a), w.thread(a)
	word := w.word(a, addr)

	if err := a.FutexLockPI(addr, true, false, time.Time{}); err != nil {
		t.Fatalf("LOCK_PI of a free word: %v", err)
	}
	if *word != uint32(a.tid) {
		t.Fatalf("word = %#x, want the owner's TID %d", *word, a.tid)
	}
	if err := a.FutexLockPI(addr, true, false, time.Time{}); err != kerr.EDEADLK {
		t.Fatalf("LOCK_PI by the owner = %v, want EDEADLK", err)
	}
	if err := b.FutexLockPI(addr, true, true, time.Time{}); err != kerr.EAGAIN {
		t.Fatalf("TRYLOCK_PI of a held lock = %v, want EAGAIN", err)
	}
	if err := b.FutexUnlockPI(addr, true); err != kerr.EPERM {
		t.Fatalf("UNLOCK_PI by a non-owner = %v, want EPERM", err)
	}

	// Two waiters queue in order; each unlock hands the lock to the next.
	bDone := async(func() error { return b.FutexLockPI(addr, true, false, time.Time{}) })
	w.waitSleepers(1)
	cDone := async(func() error { return c.FutexLockPI(addr, true, false, time.Time{}) })
	w.waitSleepers(2)
	if n, err := a.FutexWake(addr, true, 1, FutexBitsetAll); err != kerr.EINVAL || n != 0 {
		t.Fatalf("FUTEX_WAKE of a PI futex with waiters = %d, %v; want EINVAL", n, err)
	}
	if err := a.FutexUnlockPI(addr, true); err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("first waiter: %v", err)
	}
	if want := FutexWaiters | uint32(b.tid); *word != want {
		t.Fatalf("after the handover word = %#x, want %#x", *word, want)
	}
	expectPending(t, cDone)
	if err := b.FutexUnlockPI(addr, true); err != nil {
		t.Fatal(err)
	}
	if err := <-cDone; err != nil {
		t.Fatalf("second waiter: %v", err)
	}
	if err := c.FutexUnlockPI(addr, true); err != nil {
		t.Fatal(err)
	}
	if *word != 0 {
		t.Fatalf("after the last unlock word = %#x, want 0", *word)
	}

	// A timed-out waiter leaves the queue (and FUTEX_WAITERS set).
	if err := a.FutexLockPI(addr, true, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := b.FutexLockPI(addr, true, false, time.Now().Add(time.Millisecond)); err != kerr.ETIMEDOUT {
		t.Fatalf("timed LOCK_PI = %v, want ETIMEDOUT", err)
	}
	if w.sleepers() != 0 || *word != FutexWaiters|uint32(a.tid) {
		t.Fatalf("after the timeout: %d sleepers, word %#x", w.sleepers(), *word)
	}
	if err := a.FutexUnlockPI(addr, true); err != nil || *word != 0 {
		t.Fatalf("unlock with nobody queued: %v, word %#x", err, *word)
	}
}

// robustList writes a robust list head at base and entries after it, each
// entry followed by its futex word (futex_offset 8); pi marks entries as PI
// futexes. It returns the words' addresses.
func robustList(t *testing.T, task *Task, base uintptr, words []uint32, pi bool, pending int) []uintptr {
	t.Helper()
	entry := func(i int) uintptr { return base + 64 + uintptr(i)*16 }
	link := func(a uintptr) uint64 {
		if pi && a != base {
			return uint64(a) | 1
		}
		return uint64(a)
	}
	buf := make([]byte, 64+16*len(words))
	first := base
	if len(words) > 0 {
		first = entry(0)
	}
	binary.LittleEndian.PutUint64(buf[0:], link(first))
	binary.LittleEndian.PutUint64(buf[8:], 8)
	if pending >= 0 {
		binary.LittleEndian.PutUint64(buf[16:], link(entry(pending)))
	}
	var addrs []uintptr
	for i, v := range words {
		next := base
		if i+1 < len(words) {
			next = entry(i + 1)
		}
		off := 64 + i*16
		binary.LittleEndian.PutUint64(buf[off:], link(next))
		binary.LittleEndian.PutUint32(buf[off+8:], v)
		addrs = append(addrs, entry(i)+8)
	}
	if _, err := task.mm.CopyOut(base, buf); err != nil {
		t.Fatal(err)
	}
	task.RobustList, task.RobustLen = base, robustHeadSize
	return addrs
}

func TestFutexRobustDeath(t *testing.T) {
	w := newFutexWorld(t)
	m := w.mm()
	base := w.mmap(m, false)
	dying := w.process(m)
	other, other2 := w.thread(dying), w.thread(dying)
	me, them := uint32(dying.tid), uint32(other.tid)

	addrs := robustList(t, dying, base, []uint32{
		me,                // held, nobody waits
		me | FutexWaiters, // held, one waiter
		them,              // held by another thread: untouched
		0,                 // pending unlock finished: wake a waiter
	}, false, 3)

	// Sleepers on the second and the pending word, waiting the way libcs
	// do for robust mutexes: without FUTEX_PRIVATE_FLAG.
	held := async(func() error { return other.FutexWait(addrs[1], false, me|FutexWaiters, FutexBitsetAll, time.Time{}) })
	w.waitSleepers(1)
	pend := async(func() error { return other2.FutexWait(addrs[3], false, 0, FutexBitsetAll, time.Time{}) })
	w.waitSleepers(2)

	dying.releaseFutexes(true)

	want := []uint32{FutexOwnerDied, FutexOwnerDied | FutexWaiters, them, 0}
	for i, a := range addrs {
		if got := *w.word(dying, a); got != want[i] {
			t.Errorf("word %d = %#x, want %#x", i, got, want[i])
		}
	}
	for _, c := range []<-chan error{held, pend} {
		if err := <-c; err != nil {
			t.Errorf("waiter: %v", err)
		}
	}
}

func TestFutexRobustLimit(t *testing.T) {
	w := newFutexWorld(t)
	m := w.mm()
	base := w.mmap(m, false)
	dying := w.process(m)
	// An entry pointing to itself: the walk must stop at the limit, having
	// released the word once.
	addrs := robustList(t, dying, base, []uint32{uint32(dying.tid)}, false, -1)
	entry := addrs[0] - 8
	var self [8]byte
	binary.LittleEndian.PutUint64(self[:], uint64(entry))
	if _, err := dying.mm.CopyOut(entry, self[:]); err != nil {
		t.Fatal(err)
	}
	dying.releaseFutexes(true)
	if got := *w.word(dying, addrs[0]); got != FutexOwnerDied {
		t.Fatalf("word = %#x, want FUTEX_OWNER_DIED", got)
	}
}

func TestFutexPIOwnerDeath(t *testing.T) {
	for _, robust := range []bool{false, true} {
		name := "not robust"
		if robust {
			name = "robust"
		}
		t.Run(name, func(t *testing.T) {
			w := newFutexWorld(t)
			m := w.mm()
			base := w.mmap(m, false)
			owner := w.process(m)
			waiter := w.thread(owner)
			var addr uintptr
			if robust {
				addr = robustList(t, owner, base, []uint32{0}, true, -1)[0]
			} else {
				addr = base + 1024
			}
			if err := owner.FutexLockPI(addr, true, false, time.Time{}); err != nil {
				t.Fatal(err)
			}
			done := async(func() error { return waiter.FutexLockPI(addr, true, false, time.Time{}) })
			w.waitSleepers(1)
			owner.releaseFutexes(true)
			if err := <-done; err != nil {
				t.Fatalf("waiter: %v", err)
			}
			want := FutexWaiters | uint32(waiter.tid)
			if robust {
				want |= FutexOwnerDied
			}
			if got := *w.word(owner, addr); got != want {
				t.Fatalf("word = %#x, want %#x", got, want)
			}

			// A thread that has released its futexes owns nothing: a
			// word naming it is refused with ESRCH.
			atomic.StoreUint32(w.word(owner, addr), uint32(owner.tid))
			if err := waiter.FutexLockPI(addr, true, false, time.Time{}); !errors.Is(err, kerr.ESRCH) {
				t.Fatalf("LOCK_PI naming a dead owner = %v, want ESRCH", err)
			}
		})
	}
}
