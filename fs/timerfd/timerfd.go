// Package timerfd implements the timer file of timerfd_create(2): a timer
// that counts its expirations, read as an 8-byte count, and that a program
// can wait for with poll, select or epoll instead of taking a signal.
package timerfd

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Clock reads the clock the timer measures, as time since that clock's
// epoch (CLOCK_REALTIME: the Unix epoch; CLOCK_MONOTONIC: boot).
type Clock func() time.Duration

// File is one timer file. Its Read never blocks: it returns EAGAIN, and the
// syscall layer waits on the wait queue when the description is blocking.
//
// Expirations are counted lazily: settleLocked compares the clock with the
// next expiry whenever the count is looked at, and a Go timer only wakes
// waiters when an expiry is due.
type File struct {
	now Clock

	mu       sync.Mutex
	next     time.Duration // next expiry on the clock; 0: disarmed
	interval time.Duration
	ticks    uint64
	timer    *time.Timer
	gen      int // bumped by each Set, so a stale timer callback does nothing
	queue    fs.WaitQueue
}

// New returns a disarmed timer measuring now.
func New(now Clock) *File { return &File{now: now} }

// settleLocked adds the expirations that are due to the count.
func (f *File) settleLocked() {
	if f.next == 0 {
		return
	}
	now := f.now()
	if now < f.next {
		return
	}
	if f.interval == 0 {
		f.ticks++
		f.next = 0
		return
	}
	n := (now-f.next)/f.interval + 1
	f.ticks += uint64(n)
	f.next += n * f.interval
}

// armLocked starts a Go timer for the next expiry, if any.
func (f *File) armLocked() {
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
	if f.next == 0 {
		return
	}
	gen := f.gen
	f.timer = time.AfterFunc(max(f.next-f.now(), 0), func() { f.fired(gen) })
}

func (f *File) fired(gen int) {
	f.mu.Lock()
	if gen != f.gen {
		f.mu.Unlock()
		return
	}
	f.settleLocked()
	ready := f.ticks > 0
	// A realtime clock may lag the Go timer a little, and a periodic timer
	// needs its next wakeup: arm again for what is still ahead.
	f.armLocked()
	f.mu.Unlock()
	if ready {
		f.queue.Notify(fs.EventIn)
	}
}

// Setting is a timer setting (struct itimerspec): Value is the time to the
// next expiry (zero: disarmed), Interval the reload (zero: one-shot).
type Setting struct{ Value, Interval time.Duration }

// Get returns the current setting (timerfd_gettime(2)).
func (f *File) Get() Setting {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.getLocked()
}

func (f *File) getLocked() Setting {
	f.settleLocked()
	if f.next == 0 {
		return Setting{Interval: f.interval}
	}
	return Setting{Value: max(f.next-f.now(), 1), Interval: f.interval}
}

// Set arms (or with a zero value disarms) the timer and returns the old
// setting (timerfd_settime(2)). With absolute the value is a time on the
// clock; one already past expires at once. Setting the timer discards the
// expirations not yet read.
func (f *File) Set(s Setting, absolute bool) Setting {
	f.mu.Lock()
	old := f.getLocked()
	f.gen++
	f.ticks = 0
	f.interval = s.Interval
	switch {
	case s.Value == 0:
		f.next = 0
	case absolute:
		f.next = s.Value
	default:
		f.next = f.now() + s.Value
	}
	f.settleLocked()
	ready := f.ticks > 0
	f.armLocked()
	f.mu.Unlock()
	if ready {
		f.queue.Notify(fs.EventIn)
	}
	return old
}

// Read takes the expiration count as an 8-byte native-endian value
// (timerfd_create(2)); EAGAIN when there is none yet.
func (f *File) Read(p []byte) (int, error) {
	if len(p) < 8 {
		return 0, kerr.EINVAL
	}
	f.mu.Lock()
	f.settleLocked()
	n := f.ticks
	f.ticks = 0
	f.mu.Unlock()
	if n == 0 {
		return 0, kerr.EAGAIN
	}
	binary.LittleEndian.PutUint64(p, n)
	return 8, nil
}

func (f *File) Write(p []byte) (int, error)               { return 0, kerr.EINVAL }
func (f *File) ReadAt(p []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (f *File) WriteAt(p []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (f *File) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }

// Stat describes an anonymous inode, as Linux's anon_inode:[timerfd].
func (f *File) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}, nil
}

// Close stops the Go timer.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	if f.timer != nil {
		f.timer.Stop()
	}
	return nil
}

// Readiness implements fs.Pollable: readable once an expiry is due.
func (f *File) Readiness(mask fs.Events) fs.Events {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settleLocked()
	if f.ticks > 0 {
		return fs.EventIn & mask
	}
	return 0
}

// WaitQueue implements fs.Pollable.
func (f *File) WaitQueue() *fs.WaitQueue { return &f.queue }
