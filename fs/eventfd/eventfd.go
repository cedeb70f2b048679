// Package eventfd implements the eventfd object (eventfd(2)): a 64-bit
// counter that write adds to and read takes, used by programs (and by Go's
// runtime) to wake a thread blocked in epoll.
package eventfd

import (
	"encoding/binary"
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// maxCount is the largest value the counter may hold (eventfd(2)).
const maxCount = ^uint64(0) - 1

// File is one eventfd. Reads and writes never block here: they return
// EAGAIN, and the syscall layer waits on the WaitQueue when the open file
// description is in blocking mode.
type File struct {
	mu        sync.Mutex
	count     uint64
	semaphore bool
	queue     fs.WaitQueue
}

// New returns an eventfd with the initial value init; semaphore selects
// EFD_SEMAPHORE semantics (each read takes 1).
func New(init uint64, semaphore bool) *File {
	return &File{count: init, semaphore: semaphore}
}

// Read takes the counter (or 1 of it) as an 8-byte native-endian value.
func (f *File) Read(p []byte) (int, error) {
	if len(p) < 8 {
		return 0, kerr.EINVAL
	}
	f.mu.Lock()
	if f.count == 0 {
		f.mu.Unlock()
		return 0, kerr.EAGAIN
	}
	v := f.count
	if f.semaphore {
		v = 1
	}
	f.count -= v
	f.mu.Unlock()
	binary.LittleEndian.PutUint64(p, v)
	f.queue.Notify(fs.EventOut)
	return 8, nil
}

// Write adds an 8-byte value to the counter.
func (f *File) Write(p []byte) (int, error) {
	if len(p) < 8 {
		return 0, kerr.EINVAL
	}
	v := binary.LittleEndian.Uint64(p)
	if v == ^uint64(0) {
		return 0, kerr.EINVAL
	}
	f.mu.Lock()
	if maxCount-f.count < v {
		f.mu.Unlock()
		return 0, kerr.EAGAIN
	}
	f.count += v
	f.mu.Unlock()
	if v > 0 {
		f.queue.Notify(fs.EventIn)
	}
	return 8, nil
}

func (f *File) ReadAt(p []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (f *File) WriteAt(p []byte, off int64) (int, error) { return 0, kerr.ESPIPE }
func (f *File) Seek(off int64, whence int) (int64, error) {
	return 0, kerr.ESPIPE
}

// Stat describes an anonymous inode, as Linux's anon_inode:[eventfd].
func (f *File) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}, nil
}

func (f *File) Close() error { return nil }

// Readiness implements fs.Pollable.
func (f *File) Readiness(mask fs.Events) fs.Events {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ev fs.Events
	if f.count > 0 {
		ev |= fs.EventIn
	}
	if f.count < maxCount {
		ev |= fs.EventOut
	}
	return ev & mask
}

// WaitQueue implements fs.Pollable.
func (f *File) WaitQueue() *fs.WaitQueue { return &f.queue }
