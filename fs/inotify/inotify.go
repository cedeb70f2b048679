// Package inotify implements inotify(7): watches on files and
// directories, and the instances (descriptors) that queue the events of
// their watches for read(2).
//
// The VFS reports every change to a Hub (it implements vfs.Notifier);
// the Hub finds the watches on the inode changed and on its directory
// and queues an event on each watch's instance. An Instance is the open
// file inotify_init(2) returns: reads take whole events, and it is
// Pollable while events wait.
//
// Event and flag bits (Mask) are the package's own constants; their
// values are inotify(7)'s IN_* numbers, which are part of what inotify
// is, so a personality with the Linux ABI passes masks through
// unchanged. The layout of a read record is the personality's: it
// supplies a Format.
//
// Lock order: Hub.mu → Instance.mu → the instance's wait queue.
package inotify

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Mask is a set of events and watch flags.
type Mask uint32

// Events (inotify(7)).
const (
	Access       Mask = 0x1
	Modify       Mask = 0x2
	Attrib       Mask = 0x4
	CloseWrite   Mask = 0x8
	CloseNoWrite Mask = 0x10
	Open         Mask = 0x20
	MovedFrom    Mask = 0x40
	MovedTo      Mask = 0x80
	Create       Mask = 0x100
	Delete       Mask = 0x200
	DeleteSelf   Mask = 0x400
	MoveSelf     Mask = 0x800

	AllEvents Mask = 0xfff

	// Reported without being asked for.
	Unmount   Mask = 0x2000
	QOverflow Mask = 0x4000
	Ignored   Mask = 0x8000

	IsDir Mask = 0x40000000 // the subject of the event is a directory
)

// Watch flags, given to AddWatch with the events.
const (
	OnlyDir    Mask = 0x1000000  // fail with ENOTDIR unless a directory
	DontFollow Mask = 0x2000000  // do not follow a final symlink
	ExclUnlink Mask = 0x4000000  // no events for children once unlinked
	MaskCreate Mask = 0x10000000 // fail with EEXIST if already watched
	MaskAdd    Mask = 0x20000000 // add to the watch's mask, not replace it
	Oneshot    Mask = 0x80000000 // remove the watch after one event

	// AllBits are the bits inotify_add_watch(2) accepts.
	AllBits = AllEvents | Unmount | QOverflow | Ignored | IsDir |
		OnlyDir | DontFollow | ExclUnlink | MaskCreate | MaskAdd | Oneshot
)

// fromVFS converts the VFS's event bits to inotify's.
var fromVFS = []struct {
	v vfs.FileEvent
	m Mask
}{
	{vfs.EventAccess, Access}, {vfs.EventModify, Modify}, {vfs.EventAttrib, Attrib},
	{vfs.EventCloseWrite, CloseWrite}, {vfs.EventCloseNoWrite, CloseNoWrite},
	{vfs.EventOpen, Open}, {vfs.EventMovedFrom, MovedFrom}, {vfs.EventMovedTo, MovedTo},
	{vfs.EventCreate, Create}, {vfs.EventDelete, Delete},
	{vfs.EventDeleteSelf, DeleteSelf}, {vfs.EventMoveSelf, MoveSelf},
}

func maskOf(ev vfs.FileEvent) Mask {
	var m Mask
	for _, c := range fromVFS {
		if ev&c.v != 0 {
			m |= c.m
		}
	}
	return m
}

// DefaultMaxQueued is /proc/sys/fs/inotify/max_queued_events's default:
// an instance queues at most this many events, then one QOverflow.
const DefaultMaxQueued = 16384

// Event is one queued event: the watch it came from (-1 for QOverflow),
// what happened, the cookie pairing MovedFrom with MovedTo, and the
// name of the directory's child it happened to ("" for the watched file
// itself).
type Event struct {
	WD     int32
	Mask   Mask
	Cookie uint32
	Name   string
}

// Format is how a personality lays events out for read(2).
type Format interface {
	// Size is the bytes e takes.
	Size(e *Event) int
	// Put writes e into b, which is Size(e) bytes long.
	Put(b []byte, e *Event)
}

// Hub is where a namespace's changes meet the watches on them.
type Hub struct {
	mu      sync.Mutex
	watches map[vfs.Inode][]*watch // by watched inode, oldest first
	count   atomic.Int64           // watches, read without mu
}

// NewHub returns a Hub with no watches; install it with VFS.Notifier.
func NewHub() *Hub { return &Hub{watches: map[vfs.Inode][]*watch{}} }

// Active implements vfs.Notifier: whether any watch exists.
func (h *Hub) Active() bool { return h.count.Load() > 0 }

// watch is one instance's watch on one inode. Its fields are guarded by
// Hub.mu.
type watch struct {
	in   *Instance
	wd   int32
	ino  vfs.Inode
	mask Mask // events and the Oneshot and ExclUnlink flags
}

// Instance is one inotify descriptor's state, and its open file.
type Instance struct {
	hub    *Hub
	format Format
	// MaxQueued is the queue's limit, DefaultMaxQueued unless a test
	// changes it before use.
	MaxQueued int

	// byWD is guarded by Hub.mu.
	byWD   map[int32]*watch
	nextWD int32

	mu     sync.Mutex
	queue  []Event
	queued int // bytes of the queue, as Format sizes them (FIONREAD)
	// overflowed: a QOverflow is in the queue.
	overflowed bool
	wq         fs.WaitQueue
}

// New makes an instance whose watches live in hub.
func New(hub *Hub, format Format) *Instance {
	return &Instance{hub: hub, format: format, MaxQueued: DefaultMaxQueued, byWD: map[int32]*watch{}, nextWD: 1}
}

// AddWatch is inotify_add_watch(2) once the path is resolved to ino
// (following a final symlink unless mask has DontFollow): it returns the
// watch descriptor of ino's watch, new or changed.
func (in *Instance) AddWatch(ino vfs.Inode, isDir bool, mask Mask) (int32, error) {
	if mask&^AllBits != 0 || mask == 0 || mask&MaskAdd != 0 && mask&MaskCreate != 0 {
		return 0, kerr.EINVAL
	}
	if mask&OnlyDir != 0 && !isDir {
		return 0, kerr.ENOTDIR
	}
	keep := mask & (AllEvents | Oneshot | ExclUnlink)
	h := in.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.watches[ino] {
		if w.in != in {
			continue
		}
		if mask&MaskCreate != 0 {
			return 0, kerr.EEXIST
		}
		if mask&MaskAdd != 0 {
			keep |= w.mask
		}
		w.mask = keep
		return w.wd, nil
	}
	w := &watch{in: in, wd: in.nextWD, ino: ino, mask: keep}
	in.nextWD++
	in.byWD[w.wd] = w
	h.watches[ino] = append(h.watches[ino], w)
	h.count.Add(1)
	return w.wd, nil
}

// RemoveWatch is inotify_rm_watch(2): EINVAL for an unknown wd. The
// watch's last event is Ignored.
func (in *Instance) RemoveWatch(wd int32) error {
	h := in.hub
	h.mu.Lock()
	w, ok := in.byWD[wd]
	if !ok {
		h.mu.Unlock()
		return kerr.EINVAL
	}
	h.removeLocked(w)
	in.mu.Lock()
	in.queueLocked(Event{WD: wd, Mask: Ignored})
	in.mu.Unlock()
	h.mu.Unlock()
	in.wq.Notify(fs.EventIn)
	return nil
}

// removeLocked forgets w. The caller holds h.mu.
func (h *Hub) removeLocked(w *watch) {
	delete(w.in.byWD, w.wd)
	h.count.Add(-1)
	ws := h.watches[w.ino]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(h.watches, w.ino)
	} else {
		h.watches[w.ino] = ws
	}
}

// Notify implements vfs.Notifier: it queues the event on every watch of
// the directory (with the child's name) and then of the file itself, as
// Linux reports to a parent's mark before the inode's.
func (h *Hub) Notify(n *vfs.Notification) {
	m := maskOf(n.Event)
	if m == 0 {
		return
	}
	var woken []*Instance
	h.mu.Lock()
	if n.Dir != nil {
		for _, w := range h.watches[n.Dir] {
			if n.Unlinked && w.mask&ExclUnlink != 0 {
				continue
			}
			woken = h.deliverLocked(w, m, n, n.Name, woken)
		}
	}
	if n.Event&vfs.EntryEvents == 0 {
		for _, w := range h.watches[n.Inode] {
			woken = h.deliverLocked(w, m, n, "", woken)
		}
		if m&DeleteSelf != 0 {
			// The file is gone: so are its watches (IN_IGNORED).
			for _, w := range h.watches[n.Inode] {
				h.removeLocked(w)
				w.in.mu.Lock()
				w.in.queueLocked(Event{WD: w.wd, Mask: Ignored})
				w.in.mu.Unlock()
				woken = append(woken, w.in)
			}
		}
	}
	h.mu.Unlock()
	for _, in := range woken {
		in.wq.Notify(fs.EventIn)
	}
}

// deliverLocked queues m on w's instance if w asks for it, and removes a
// one-shot watch after its event. The caller holds h.mu.
func (h *Hub) deliverLocked(w *watch, m Mask, n *vfs.Notification, name string, woken []*Instance) []*Instance {
	if w.mask&m&AllEvents == 0 {
		return woken
	}
	ev := Event{WD: w.wd, Mask: m, Cookie: n.Cookie, Name: name}
	// inotify never reported IN_ISDIR with the *_SELF events.
	if n.IsDir && m&(DeleteSelf|MoveSelf) == 0 {
		ev.Mask |= IsDir
	}
	w.in.mu.Lock()
	w.in.queueLocked(ev)
	if w.mask&Oneshot != 0 {
		h.removeLocked(w)
		w.in.queueLocked(Event{WD: w.wd, Mask: Ignored})
	}
	w.in.mu.Unlock()
	return append(woken, w.in)
}

// queueLocked appends e unless the queue is full, where one QOverflow
// stands for everything lost until it is read, or e repeats the last
// unread event, which Linux's inotify_merge coalesces. The caller holds
// in.mu.
func (in *Instance) queueLocked(e Event) {
	k := len(in.queue)
	if k >= in.MaxQueued {
		if in.overflowed {
			return
		}
		in.overflowed = true
		e = Event{WD: -1, Mask: QOverflow}
	} else if k > 0 {
		last := &in.queue[k-1]
		if last.Mask != Ignored && last.Mask == e.Mask && last.WD == e.WD && last.Name == e.Name {
			return
		}
	}
	in.queue = append(in.queue, e)
	in.queued += in.format.Size(&e)
}

// Read takes as many whole events as fit in p: EINVAL if not even the
// first does, EAGAIN if none is queued (the caller waits on WaitQueue).
func (in *Instance) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) == 0 {
		return 0, kerr.EAGAIN
	}
	n, taken := 0, 0
	for _, e := range in.queue {
		sz := in.format.Size(&e)
		if n+sz > len(p) {
			break
		}
		in.format.Put(p[n:n+sz], &e)
		n += sz
		taken++
		if e.Mask == QOverflow {
			in.overflowed = false
		}
	}
	if taken == 0 {
		return 0, kerr.EINVAL
	}
	in.queued -= n
	in.queue = append(in.queue[:0:0], in.queue[taken:]...)
	return n, nil
}

// Buffered is the bytes a read could take now (ioctl FIONREAD).
func (in *Instance) Buffered() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.queued
}

func (in *Instance) Write([]byte) (int, error)          { return 0, kerr.EINVAL }
func (in *Instance) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (in *Instance) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (in *Instance) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }

// Stat describes an anonymous inode, as Linux's anon_inode:inotify.
func (in *Instance) Stat() (fs.Stat, error) {
	return fs.Stat{Mode: 0o600, Nlink: 1, Blksize: 4096}, nil
}

// Close drops the instance's watches.
func (in *Instance) Close() error {
	h := in.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range in.byWD {
		h.removeLocked(w)
	}
	return nil
}

// Readiness implements fs.Pollable: readable while events wait.
func (in *Instance) Readiness(mask fs.Events) fs.Events {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) > 0 {
		return fs.EventIn & mask
	}
	return 0
}

// WaitQueue implements fs.Pollable.
func (in *Instance) WaitQueue() *fs.WaitQueue { return &in.wq }
