// Package epoll implements the epoll object (epoll(7)): an interest list of
// (file, events, user data) and a wait for any of them to become ready.
// Entries are level-triggered unless EPOLLET is set; an edge-triggered
// entry is reported once per notification from its file. EPOLLONESHOT
// disables an entry after one report until EPOLL_CTL_MOD.
package epoll

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Entry flags beyond the readiness events (epoll_ctl(2)).
const (
	FlagEdge    = 1 << 31 // EPOLLET
	FlagOneShot = 1 << 30 // EPOLLONESHOT
)

// Key identifies an interest-list entry: the file description and the
// descriptor number it was added with (epoll(7), "Questions and answers",
// Q2).
type Key struct {
	File *fs.FileDescription
	FD   int
}

type entry struct {
	key     Key
	events  uint32 // requested events and flags
	data    uint64
	pending bool        // edge-triggered: armed by ADD/MOD
	edge    atomic.Bool // edge-triggered: a notification arrived since last report
	armed   bool        // one-shot: disabled after a report until EPOLL_CTL_MOD
	waiter  *fs.Waiter
}

// Instance is one epoll file.
type Instance struct {
	mu      sync.Mutex
	entries map[Key]*entry
	order   []Key // report order: insertion order, round-robin on reports
	// notify is signalled whenever a watched file changes readiness.
	notify chan struct{}
	queue  fs.WaitQueue // an epoll file is itself pollable
}

// New returns an empty epoll instance.
func New() *Instance {
	return &Instance{entries: map[Key]*entry{}, notify: make(chan struct{}, 1)}
}

// Event is one ready entry as epoll_wait reports it.
type Event struct {
	Events uint32
	Data   uint64
}

// Add implements EPOLL_CTL_ADD.
func (e *Instance) Add(k Key, events uint32, data uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.entries[k]; ok {
		return kerr.EEXIST
	}
	if _, ok := k.File.File.(*Instance); ok && k.File.File.(*Instance) == e {
		return kerr.EINVAL
	}
	en := &entry{key: k, events: events, data: data, armed: true, pending: true}
	e.entries[k] = en
	e.order = append(e.order, k)
	if p, ok := k.File.File.(fs.Pollable); ok {
		en.waiter = &fs.Waiter{Mask: fs.Events(events) | fs.EventErr | fs.EventHup, Wake: func(fs.Events) {
			// Runs under the file's queue lock: only touch the atomic
			// edge flag and the channel, never e.mu (lock order).
			en.edge.Store(true)
			e.signal()
		}}
		p.WaitQueue().Add(en.waiter)
	}
	e.signal()
	return nil
}

func (e *Instance) signal() {
	select {
	case e.notify <- struct{}{}:
	default:
	}
	e.queue.Notify(fs.EventIn)
}

// Modify implements EPOLL_CTL_MOD.
func (e *Instance) Modify(k Key, events uint32, data uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.entries[k]
	if !ok {
		return kerr.ENOENT
	}
	en.events, en.data, en.armed, en.pending = events, data, true, true
	if en.waiter != nil {
		en.waiter.Mask = fs.Events(events) | fs.EventErr | fs.EventHup
	}
	e.signal()
	return nil
}

// Delete implements EPOLL_CTL_DEL.
func (e *Instance) Delete(k Key) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.entries[k]
	if !ok {
		return kerr.ENOENT
	}
	e.removeLocked(en)
	return nil
}

func (e *Instance) removeLocked(en *entry) {
	delete(e.entries, en.key)
	for i, k := range e.order {
		if k == en.key {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	if p, ok := en.key.File.File.(fs.Pollable); ok && en.waiter != nil {
		p.WaitQueue().Remove(en.waiter)
	}
}

// Ready collects up to max ready events without waiting.
func (e *Instance) Ready(max int) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	var reported []Key
	for _, k := range e.order {
		if len(out) >= max {
			break
		}
		en := e.entries[k]
		if !en.armed {
			continue
		}
		mask := fs.Events(en.events) | fs.EventErr | fs.EventHup
		var ev fs.Events
		if p, ok := k.File.File.(fs.Pollable); ok {
			edge := en.edge.Swap(false)
			if en.events&FlagEdge != 0 && !en.pending && !edge {
				continue
			}
			ev = p.Readiness(mask)
		} else {
			// Regular files are always ready (they cannot even be added
			// on Linux; the syscall layer refuses them with EPERM).
			ev = mask & (fs.EventIn | fs.EventOut)
		}
		en.pending = false
		if ev == 0 {
			continue
		}
		out = append(out, Event{Events: uint32(ev), Data: en.data})
		reported = append(reported, k)
		if en.events&FlagOneShot != 0 {
			en.armed = false
		}
	}
	// Rotate reported entries to the back so that a busy file does not
	// starve the others (epoll(7), "Possible pitfalls").
	for _, k := range reported {
		for i, o := range e.order {
			if o == k {
				e.order = append(append(e.order[:i:i], e.order[i+1:]...), k)
				break
			}
		}
	}
	return out
}

// Notify returns the channel signalled when any watched file changes.
func (e *Instance) Notify() <-chan struct{} { return e.notify }

// ForgetFile removes every entry of a file description that has been
// closed for good (epoll(7): an entry goes when all descriptors referring
// to the open file description are closed).
func (e *Instance) ForgetFile(d *fs.FileDescription) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, en := range e.entries {
		if k.File == d {
			e.removeLocked(en)
		}
	}
}

func (e *Instance) Read(p []byte) (int, error)                { return 0, kerr.EINVAL }
func (e *Instance) Write(p []byte) (int, error)               { return 0, kerr.EINVAL }
func (e *Instance) ReadAt(p []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (e *Instance) WriteAt(p []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (e *Instance) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }
func (e *Instance) Stat() (fs.Stat, error)                    { return fs.Stat{Mode: 0o600, Nlink: 1}, nil }

// Close drops every entry.
func (e *Instance) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, en := range e.entries {
		e.removeLocked(en)
	}
	return nil
}

// Readiness implements fs.Pollable: an epoll file is readable when one of
// its entries is ready.
func (e *Instance) Readiness(mask fs.Events) fs.Events {
	e.mu.Lock()
	n := len(e.entries)
	e.mu.Unlock()
	if n == 0 {
		return 0
	}
	return mask & fs.EventIn
}

// WaitQueue implements fs.Pollable.
func (e *Instance) WaitQueue() *fs.WaitQueue { return &e.queue }
