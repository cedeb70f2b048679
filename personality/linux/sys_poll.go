package linux

import (
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/epoll"
	"github.com/runos-project/runos/fs/eventfd"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// waitFile waits until d's file can do what mask asks (core.Task.WaitFile).
func waitFile(t *core.Task, d *fs.FileDescription, mask fs.Events) error {
	return t.WaitFile(d.File, mask)
}

// eventfd2(2) flags.
const (
	efdSemaphore = 1
	efdNonblock  = oNonblock
	efdCloexec   = oCloexec
)

func sysEventfd2(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	flags := a[1]
	if flags&^(efdSemaphore|efdNonblock|efdCloexec) != 0 {
		return 0, kerr.EINVAL
	}
	status := fs.FlagRead | fs.FlagWrite
	if flags&efdNonblock != 0 {
		status |= fs.FlagNonblock
	}
	d := fs.NewFileDescription(eventfd.New(uint64(uint32(a[0])), flags&efdSemaphore != 0), "anon_inode:[eventfd]", status)
	fd, err := t.FDs().Allocate(d, 0, flags&efdCloexec != 0)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func sysEventfd(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return sysEventfd2(t, core.SyscallArgs{a[0], 0})
}

func newEpoll(t *core.Task, cloexec bool) (uintptr, error) {
	d := fs.NewFileDescription(epoll.New(), "anon_inode:[eventpoll]", fs.FlagRead|fs.FlagWrite)
	fd, err := t.FDs().Allocate(d, 0, cloexec)
	if err != nil {
		d.DecRef()
		return 0, err
	}
	return uintptr(fd), nil
}

func sysEpollCreate(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if int32(a[0]) <= 0 {
		return 0, kerr.EINVAL
	}
	return newEpoll(t, false)
}

func sysEpollCreate1(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if a[0]&^oCloexec != 0 {
		return 0, kerr.EINVAL
	}
	return newEpoll(t, a[0]&oCloexec != 0)
}

// epoll_ctl(2) operations and the flags Linux accepts in events.
const (
	epollCtlAdd    = 1
	epollCtlDel    = 2
	epollCtlMod    = 3
	epollExclusive = 1 << 28
	epollWakeup    = 1 << 29
)

func getEpoll(t *core.Task, fd uintptr) (*fs.FileDescription, *epoll.Instance, error) {
	d, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	ep, ok := d.File.(*epoll.Instance)
	if !ok {
		d.DecRef()
		return nil, nil, kerr.EINVAL
	}
	return d, ep, nil
}

func sysEpollCtl(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	ed, ep, err := getEpoll(t, a[0])
	if err != nil {
		return 0, err
	}
	defer ed.DecRef()
	fd := fdArg(a[2])
	d, err := t.FDs().Get(fd)
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	if d == ed {
		return 0, kerr.EINVAL
	}
	if _, ok := d.File.(fs.Pollable); !ok {
		// Regular files and directories cannot be watched (epoll_ctl(2),
		// EPERM): they are always ready.
		return 0, kerr.EPERM
	}
	key := epoll.Key{File: d, FD: fd}
	op := int(int32(a[1]))
	var events uint32
	var data uint64
	if op != epollCtlDel {
		// struct epoll_event is packed on x86-64: events (4), data (8).
		var b [12]byte
		if _, err := t.MM().CopyIn(a[3], b[:]); err != nil {
			return 0, err
		}
		events, data = le.Uint32(b[0:]), le.Uint64(b[4:])
		events &^= epollWakeup
	}
	switch op {
	case epollCtlAdd:
		return 0, ep.Add(key, events, data)
	case epollCtlMod:
		if events&epollExclusive != 0 {
			return 0, kerr.EINVAL
		}
		return 0, ep.Modify(key, events, data)
	case epollCtlDel:
		return 0, ep.Delete(key)
	}
	return 0, kerr.EINVAL
}

// epMaxEvents is EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event).
const epMaxEvents = 0x7fffffff / 12

// doEpollWait waits up to timeout for events; a negative timeout waits
// for ever, zero not at all.
func doEpollWait(t *core.Task, epfd, evAddr uintptr, maxEvents int, timeout time.Duration) (uintptr, error) {
	if maxEvents <= 0 || maxEvents > epMaxEvents {
		return 0, kerr.EINVAL
	}
	ed, ep, err := getEpoll(t, epfd)
	if err != nil {
		return 0, err
	}
	defer ed.DecRef()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		evs := ep.Ready(maxEvents)
		if len(evs) > 0 {
			b := make([]byte, 12*len(evs))
			for i, e := range evs {
				le.PutUint32(b[12*i:], e.Events)
				le.PutUint64(b[12*i+4:], e.Data)
			}
			if _, err := t.MM().CopyOut(evAddr, b); err != nil {
				return 0, err
			}
			return uintptr(len(evs)), nil
		}
		if timeout == 0 {
			return 0, nil
		}
		switch err := t.Block(ep.Notify(), deadline); err {
		case nil:
		case kerr.ETIMEDOUT:
			return 0, nil
		default:
			// epoll_wait(2) is never restarted after a handler: EINTR.
			return 0, kerr.ERESTARTNOHAND
		}
	}
}

// msTimeout is epoll_wait's timeout in milliseconds: negative is for ever.
func msTimeout(v uintptr) time.Duration {
	return time.Duration(int32(v)) * time.Millisecond
}

func sysEpollWait(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return doEpollWait(t, a[0], a[1], int(int32(a[2])), msTimeout(a[3]))
}

// sysEpollPwait is epoll_wait with a signal mask for the wait, restored
// after a handler runs, as for pselect6 (epoll_pwait(2)).
func sysEpollPwait(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if err := setTempMask(t, a[4], a[5]); err != nil {
		return 0, err
	}
	return doEpollWait(t, a[0], a[1], int(int32(a[2])), msTimeout(a[3]))
}
