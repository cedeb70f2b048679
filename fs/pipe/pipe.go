// Package pipe implements pipes (pipe(7)): a bounded byte buffer with a
// read end and a write end. Ends never block here; they return EAGAIN and
// announce readiness on the pipe's wait queue, and the syscall layer waits
// when the open file description is in blocking mode.
package pipe

import (
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Capacity is the default pipe size on Linux (16 pages).
const Capacity = 65536

// PipeBuf is PIPE_BUF: writes of at most this many bytes are atomic.
const PipeBuf = 4096

type pipe struct {
	mu      sync.Mutex
	buf     []byte
	readers int
	writers int
	queue   fs.WaitQueue
	ino     uint64
	// capacity is the pipe's size, F_SETPIPE_SZ's to change.
	capacity int
	// attr is the pipe inode's mode, owner and times, which fchmod(2)
	// and fchown(2) change on either end (see attr.go).
	attr attr
}

var (
	inoMu   sync.Mutex
	nextIno uint64 = 1
)

// New returns the two ends of a new pipe.
func New() (r *ReadEnd, w *WriteEnd) {
	inoMu.Lock()
	ino := nextIno
	nextIno++
	inoMu.Unlock()
	p := &pipe{readers: 1, writers: 1, ino: ino, capacity: Capacity, attr: newAttr()}
	return &ReadEnd{p}, &WriteEnd{p}
}

func (p *pipe) stat() (fs.Stat, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.attr
	return fs.Stat{
		Ino: p.ino, Mode: fs.ModeFIFO | a.mode, Nlink: 1, UID: a.uid, GID: a.gid, Blksize: 4096,
		Atime: a.atime, Mtime: a.mtime, Ctime: a.ctime,
	}, nil
}

// ReadEnd is the reading side of a pipe.
type ReadEnd struct{ p *pipe }

// Read takes up to len(p) bytes; 0 at end of file (no writers left);
// EAGAIN if empty while writers remain.
func (r *ReadEnd) Read(b []byte) (int, error) {
	p := r.p
	p.mu.Lock()
	if len(b) == 0 {
		p.mu.Unlock()
		return 0, nil
	}
	if len(p.buf) == 0 {
		w := p.writers
		p.mu.Unlock()
		if w == 0 {
			return 0, nil
		}
		return 0, kerr.EAGAIN
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	p.mu.Unlock()
	p.queue.Notify(fs.EventOut)
	return n, nil
}

func (r *ReadEnd) Write(b []byte) (int, error)               { return 0, kerr.EBADF }
func (r *ReadEnd) ReadAt(b []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (r *ReadEnd) WriteAt(b []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (r *ReadEnd) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }
func (r *ReadEnd) Stat() (fs.Stat, error)                    { return r.p.stat() }

// Close drops the reader; writers then get EPIPE.
func (r *ReadEnd) Close() error {
	r.p.mu.Lock()
	r.p.readers--
	r.p.mu.Unlock()
	r.p.queue.Notify(fs.EventOut | fs.EventErr)
	return nil
}

// Readiness implements fs.Pollable: readable with data or no writers
// (which also shows as POLLHUP).
func (r *ReadEnd) Readiness(mask fs.Events) fs.Events {
	p := r.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev fs.Events
	if len(p.buf) > 0 {
		ev |= fs.EventIn
	}
	if p.writers == 0 {
		ev |= fs.EventHup
	}
	return ev & (mask | fs.EventHup)
}

// WaitQueue implements fs.Pollable.
func (r *ReadEnd) WaitQueue() *fs.WaitQueue { return &r.p.queue }

// WriteEnd is the writing side of a pipe.
type WriteEnd struct{ p *pipe }

// Write appends what fits. A write of at most PipeBuf bytes is atomic: it
// goes in whole or not at all (EAGAIN). With no reader left it fails with
// EPIPE (the caller raises SIGPIPE).
func (w *WriteEnd) Write(b []byte) (int, error) {
	p := w.p
	p.mu.Lock()
	if p.readers == 0 {
		p.mu.Unlock()
		return 0, kerr.EPIPE
	}
	room := p.capacity - len(p.buf)
	if room == 0 || (len(b) <= PipeBuf && room < len(b)) {
		p.mu.Unlock()
		return 0, kerr.EAGAIN
	}
	n := min(room, len(b))
	p.buf = append(p.buf, b[:n]...)
	p.mu.Unlock()
	p.queue.Notify(fs.EventIn)
	return n, nil
}

func (w *WriteEnd) Read(b []byte) (int, error)                { return 0, kerr.EBADF }
func (w *WriteEnd) ReadAt(b []byte, off int64) (int, error)   { return 0, kerr.ESPIPE }
func (w *WriteEnd) WriteAt(b []byte, off int64) (int, error)  { return 0, kerr.ESPIPE }
func (w *WriteEnd) Seek(off int64, whence int) (int64, error) { return 0, kerr.ESPIPE }
func (w *WriteEnd) Stat() (fs.Stat, error)                    { return w.p.stat() }

// Close drops the writer; readers then see end of file.
func (w *WriteEnd) Close() error {
	w.p.mu.Lock()
	w.p.writers--
	w.p.mu.Unlock()
	w.p.queue.Notify(fs.EventIn | fs.EventHup)
	return nil
}

// Readiness implements fs.Pollable: writable with room, POLLERR with no
// reader.
func (w *WriteEnd) Readiness(mask fs.Events) fs.Events {
	p := w.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev fs.Events
	if p.readers == 0 {
		ev |= fs.EventErr
	} else if p.capacity-len(p.buf) >= PipeBuf || len(p.buf) == 0 {
		ev |= fs.EventOut
	}
	return ev & (mask | fs.EventErr)
}

// WaitQueue implements fs.Pollable.
func (w *WriteEnd) WaitQueue() *fs.WaitQueue { return &w.p.queue }

// End is either end of a pipe: what fcntl(2)'s F_GETPIPE_SZ and
// F_SETPIPE_SZ, ioctl FIONREAD, splice(2) and tee(2) need.
type End interface {
	Pipe() *Shared
}

// Shared is the pipe both ends share.
type Shared = pipe

func (r *ReadEnd) Pipe() *Shared  { return r.p }
func (w *WriteEnd) Pipe() *Shared { return w.p }

// Size returns the capacity in bytes (F_GETPIPE_SZ).
func (p *pipe) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.capacity
}

// SetSize changes the capacity (F_SETPIPE_SZ): the request is rounded up
// to a power-of-two number of pages, at least one; EBUSY if the bytes
// already buffered would not fit (pipe(7)). It returns the new size.
func (p *pipe) SetSize(n int) (int, error) {
	size := 4096
	for size < n {
		size <<= 1
	}
	p.mu.Lock()
	if len(p.buf) > size {
		p.mu.Unlock()
		return 0, kerr.EBUSY
	}
	p.capacity = size
	p.mu.Unlock()
	p.queue.Notify(fs.EventOut)
	return size, nil
}

// Room returns how many bytes a write could add now; with no reader
// left, EPIPE.
func (p *pipe) Room() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readers == 0 {
		return 0, kerr.EPIPE
	}
	return p.capacity - len(p.buf), nil
}

// Buffered returns the bytes waiting to be read (FIONREAD).
func (p *pipe) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf)
}

// Peek copies buffered bytes without taking them, for tee(2); EAGAIN if
// empty while writers remain, 0 at end of file.
func (p *pipe) Peek(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		if p.writers == 0 {
			return 0, nil
		}
		return 0, kerr.EAGAIN
	}
	return copy(b, p.buf), nil
}
