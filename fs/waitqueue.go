package fs

import "sync"

// Events are readiness bits, with poll(2)'s meanings (POLLIN, POLLOUT,
// ...). The values are POSIX's, which every personality so far shares.
type Events uint32

const (
	EventIn    Events = 0x1
	EventPri   Events = 0x2
	EventOut   Events = 0x4
	EventErr   Events = 0x8
	EventHup   Events = 0x10
	EventRdHup Events = 0x2000
)

// Pollable is a file whose readiness can be waited for (pipes, eventfd,
// sockets). A file that is not Pollable is always ready, as regular files
// are for poll(2).
type Pollable interface {
	// Readiness returns which of mask's events are ready now.
	Readiness(mask Events) Events
	// WaitQueue is where the file announces changes of readiness.
	WaitQueue() *WaitQueue
}

// Waiter is one registration on a WaitQueue: Wake runs (under the queue's
// lock, so it must not block) when any of Mask's events happen.
type Waiter struct {
	Mask Events
	Wake func(Events)
}

// ChannelWaiter returns a waiter that does a non-blocking send on ch, and
// ch, for a task that blocks until a file is ready.
func ChannelWaiter(mask Events) (*Waiter, chan struct{}) {
	ch := make(chan struct{}, 1)
	return &Waiter{Mask: mask, Wake: func(Events) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}}, ch
}

// WaitQueue is the list of waiters to tell when a file's readiness
// changes.
type WaitQueue struct {
	mu      sync.Mutex
	waiters map[*Waiter]struct{}
}

// Add registers w.
func (q *WaitQueue) Add(w *Waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiters == nil {
		q.waiters = map[*Waiter]struct{}{}
	}
	q.waiters[w] = struct{}{}
}

// Remove unregisters w.
func (q *WaitQueue) Remove(w *Waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.waiters, w)
}

// Notify wakes every waiter interested in any of ev.
func (q *WaitQueue) Notify(ev Events) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for w := range q.waiters {
		if w.Mask&ev != 0 {
			w.Wake(ev)
		}
	}
}

// HostStream is implemented by files that pass through to a host
// descriptor which may block (a terminal or pipe given to runos). Their
// Read and Write return EAGAIN instead of blocking the kernel, and the
// syscall layer waits for the host descriptor with poll(2) in a way a
// signal can interrupt.
type HostStream interface {
	HostFD() int
}

// HostStreamFor is implemented by files whose reads and writes go to
// different host descriptors (a console made of stdin and stdout): fd is
// the one for the given direction, ok false if there is none.
type HostStreamFor interface {
	HostFDFor(write bool) (fd int, ok bool)
}
