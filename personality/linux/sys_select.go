package linux

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// poll(2) event bits beyond the ones fs.Events shares with it.
const (
	pollNval   = 0x20
	pollRdnorm = 0x40
	pollRdband = 0x80
	pollWrnorm = 0x100
	pollWrband = 0x200
)

// readiness reports which of mask (poll(2) bits) d is ready for now.
// Files that cannot be waited for (regular files, devices) are always
// ready, as poll(2) says of regular files.
func readiness(d *fs.FileDescription, mask uint32) uint32 {
	want := fs.Events(mask) | fs.EventErr | fs.EventHup
	if mask&pollRdnorm != 0 {
		want |= fs.EventIn
	}
	if mask&pollWrnorm != 0 {
		want |= fs.EventOut
	}
	var ev fs.Events
	switch f := d.File.(type) {
	case fs.HostStream:
		fds := [1]unix.PollFd{{Fd: int32(f.HostFD()), Events: int16(want)}}
		if n, err := unix.Poll(fds[:], 0); err == nil && n > 0 {
			ev = fs.Events(uint16(fds[0].Revents))
		}
	case fs.Pollable:
		ev = f.Readiness(want)
	default:
		ev = fs.EventIn | fs.EventOut
	}
	out := uint32(ev) & (mask | uint32(fs.EventErr|fs.EventHup))
	if ev&fs.EventIn != 0 && mask&pollRdnorm != 0 {
		out |= pollRdnorm
	}
	if ev&fs.EventOut != 0 && mask&pollWrnorm != 0 {
		out |= pollWrnorm
	}
	return out
}

// pollEntry is one descriptor being waited for.
type pollEntry struct {
	fd     int
	events uint32
	d      *fs.FileDescription // nil: negative or invalid fd
}

// waitAny blocks until one of the entries may have become ready, the
// deadline passes (ETIMEDOUT) or a signal arrives (ERESTARTSYS). Kernel
// files wake it through their wait queues; host streams through a host
// poll(2) on a helper goroutine, cancelled through an eventfd.
func waitAny(t *core.Task, es []pollEntry, deadline time.Time) error {
	ch := make(chan struct{}, 1)
	wake := func(fs.Events) {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	var hostFDs []unix.PollFd
	for _, e := range es {
		if e.d == nil {
			continue
		}
		switch f := e.d.File.(type) {
		case fs.HostStream:
			hostFDs = append(hostFDs, unix.PollFd{Fd: int32(f.HostFD()), Events: int16(e.events | unix.POLLIN)})
		case fs.Pollable:
			w := &fs.Waiter{Mask: fs.Events(e.events) | fs.EventErr | fs.EventHup | fs.EventIn | fs.EventOut, Wake: wake}
			f.WaitQueue().Add(w)
			defer f.WaitQueue().Remove(w)
		}
	}
	if len(hostFDs) > 0 {
		cancel, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			return kerr.EAGAIN
		}
		defer unix.Close(cancel)
		hostFDs = append(hostFDs, unix.PollFd{Fd: int32(cancel), Events: unix.POLLIN})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if _, err := unix.Poll(hostFDs, -1); err != unix.EINTR {
					break
				}
			}
			wake(0)
		}()
		defer func() {
			unix.Write(cancel, []byte{1, 0, 0, 0, 0, 0, 0, 0})
			<-done
		}()
	}
	// Something may have become ready between the caller's check and the
	// registration above: look once more before sleeping.
	for _, e := range es {
		if e.d != nil && readiness(e.d, e.events) != 0 {
			return nil
		}
	}
	return t.Block(ch, deadline)
}

// doPoll is poll(2)'s loop: collect revents; if none, wait and retry.
func doPoll(t *core.Task, fdsAddr uintptr, nfds int, deadline time.Time, noWait bool) (uintptr, error) {
	if nfds < 0 || nfds > t.FDs().Limit() {
		return 0, kerr.EINVAL
	}
	// struct pollfd: int fd; short events; short revents.
	buf := make([]byte, 8*nfds)
	if _, err := t.MM().CopyIn(fdsAddr, buf); err != nil {
		return 0, err
	}
	es := make([]pollEntry, nfds)
	for i := range es {
		es[i] = pollEntry{fd: int(int32(le.Uint32(buf[8*i:]))), events: uint32(le.Uint16(buf[8*i+4:]))}
		if es[i].fd >= 0 {
			if d, err := t.FDs().Get(es[i].fd); err == nil {
				es[i].d = d
				defer d.DecRef()
			}
		}
	}
	for {
		n := 0
		for i, e := range es {
			var rev uint32
			switch {
			case e.fd < 0:
			case e.d == nil:
				rev = pollNval
			default:
				rev = readiness(e.d, e.events)
			}
			le.PutUint16(buf[8*i+6:], uint16(rev))
			if rev != 0 {
				n++
			}
		}
		if n > 0 || noWait {
			if _, err := t.MM().CopyOut(fdsAddr, buf); err != nil {
				return 0, err
			}
			return uintptr(n), nil
		}
		switch err := waitAny(t, es, deadline); err {
		case nil:
		case kerr.ETIMEDOUT:
			if _, err := t.MM().CopyOut(fdsAddr, buf); err != nil {
				return 0, err
			}
			return 0, nil
		default:
			return 0, kerr.ERESTARTNOHAND
		}
	}
}

func sysPoll(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	timeout := int(int32(a[2]))
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(time.Duration(timeout) * time.Millisecond)
	}
	return doPoll(t, a[0], int(int32(a[1])), deadline, timeout == 0)
}

// setTempMask installs a temporary signal mask for ppoll and pselect6,
// restored after a handler runs or when the call returns.
func setTempMask(t *core.Task, addr, size uintptr) error {
	if addr == 0 {
		return nil
	}
	if size != sigsetSize {
		return kerr.EINVAL
	}
	v, err := copyInU64(t, addr)
	if err != nil {
		return err
	}
	old := t.SigMask()
	t.SetSigMask(core.SignalSet(v))
	t.SetSavedMask(old) // the core puts it back before returning to the guest
	return nil
}

func timeoutArg(t *core.Task, addr uintptr) (deadline time.Time, noWait bool, err error) {
	if addr == 0 {
		return time.Time{}, false, nil
	}
	ts, err := copyInTimespec(t, addr)
	if err != nil {
		return time.Time{}, false, err
	}
	if !ts.valid() {
		return time.Time{}, false, kerr.EINVAL
	}
	if ts.sec == 0 && ts.nsec == 0 {
		return time.Time{}, true, nil
	}
	return time.Now().Add(ts.duration()), false, nil
}

func sysPpoll(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	deadline, noWait, err := timeoutArg(t, a[2])
	if err != nil {
		return 0, err
	}
	if err := setTempMask(t, a[3], a[4]); err != nil {
		return 0, err
	}
	n, err := doPoll(t, a[0], int(int32(a[1])), deadline, noWait)
	return putTimeLeft(t, a[2], deadline, false, n, err)
}

// putTimeLeft writes the time left until deadline back into the
// caller's timeout (a struct timeval when timeval is set, else a struct
// timespec), as Linux's select, pselect6 and ppoll do whatever their
// result (see select(2), "Linux"); a zero or absent timeout (no
// deadline) is left alone. A restart whose time cannot be written back
// fails with EINTR instead, since it would start over.
func putTimeLeft(t *core.Task, addr uintptr, deadline time.Time, timeval bool, n uintptr, err error) (uintptr, error) {
	if addr == 0 || deadline.IsZero() {
		return n, err
	}
	left := max(time.Until(deadline), 0)
	frac := uint64(left % time.Second)
	if timeval {
		frac /= 1000
	}
	var b [16]byte
	le.PutUint64(b[0:], uint64(left/time.Second))
	le.PutUint64(b[8:], frac)
	if _, cerr := t.MM().CopyOut(addr, b[:]); cerr != nil && err == kerr.ERESTARTNOHAND {
		return 0, kerr.EINTR
	}
	return n, err
}

// doSelect serves select(2) and pselect6(2) over fd_set bitmaps.
func doSelect(t *core.Task, nfds int, sets [3]uintptr, deadline time.Time, noWait bool) (uintptr, error) {
	if nfds < 0 || nfds > t.FDs().Limit() {
		return 0, kerr.EINVAL
	}
	words := (nfds + 63) / 64
	var in [3][]uint64
	for s, addr := range sets {
		if addr == 0 {
			continue
		}
		b := make([]byte, 8*words)
		if _, err := t.MM().CopyIn(addr, b); err != nil {
			return 0, err
		}
		in[s] = make([]uint64, words)
		for i := range in[s] {
			in[s][i] = le.Uint64(b[8*i:])
		}
	}
	// What each set asks of a descriptor, as the kernel's select does.
	masks := [3]uint32{
		uint32(fs.EventIn | fs.EventHup | fs.EventErr),
		uint32(fs.EventOut | fs.EventErr),
		uint32(fs.EventPri),
	}
	var es []pollEntry
	var which [][3]bool
	for fd := 0; fd < nfds; fd++ {
		var m uint32
		var w [3]bool
		for s := range in {
			if in[s] != nil && in[s][fd/64]&(1<<(fd%64)) != 0 {
				m |= masks[s]
				w[s] = true
			}
		}
		if m == 0 {
			continue
		}
		d, err := t.FDs().Get(fd)
		if err != nil {
			return 0, kerr.EBADF
		}
		defer d.DecRef()
		es = append(es, pollEntry{fd: fd, events: m, d: d})
		which = append(which, w)
	}
	for {
		var out [3][]uint64
		for s := range out {
			out[s] = make([]uint64, words)
		}
		n := 0
		for i, e := range es {
			rev := readiness(e.d, e.events)
			for s := range masks {
				if which[i][s] && rev&masks[s] != 0 {
					out[s][e.fd/64] |= 1 << (e.fd % 64)
					n++
				}
			}
		}
		if n > 0 || noWait {
			for s, addr := range sets {
				if addr == 0 {
					continue
				}
				b := make([]byte, 8*words)
				for i, w := range out[s] {
					le.PutUint64(b[8*i:], w)
				}
				if _, err := t.MM().CopyOut(addr, b); err != nil {
					return 0, err
				}
			}
			return uintptr(n), nil
		}
		switch err := waitAny(t, es, deadline); err {
		case nil:
		case kerr.ETIMEDOUT:
			noWait = true
		default:
			return 0, kerr.ERESTARTNOHAND
		}
	}
}

func sysSelect(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	var deadline time.Time
	noWait := false
	if a[4] != 0 {
		// struct timeval: seconds and microseconds.
		var b [16]byte
		if _, err := t.MM().CopyIn(a[4], b[:]); err != nil {
			return 0, err
		}
		sec, usec := int64(le.Uint64(b[0:])), int64(le.Uint64(b[8:]))
		if sec < 0 || usec < 0 || usec >= 1e6 {
			return 0, kerr.EINVAL
		}
		d := time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
		noWait = d == 0
		if !noWait {
			deadline = time.Now().Add(d)
		}
	}
	n, err := doSelect(t, int(int32(a[0])), [3]uintptr{a[1], a[2], a[3]}, deadline, noWait)
	return putTimeLeft(t, a[4], deadline, true, n, err)
}

func sysPselect6(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	deadline, noWait, err := timeoutArg(t, a[4])
	if err != nil {
		return 0, err
	}
	if a[5] != 0 {
		// The sixth argument points at {const sigset_t *ss; size_t len}.
		var b [16]byte
		if _, err := t.MM().CopyIn(a[5], b[:]); err != nil {
			return 0, err
		}
		if err := setTempMask(t, uintptr(le.Uint64(b[0:])), uintptr(le.Uint64(b[8:]))); err != nil {
			return 0, err
		}
	}
	n, err := doSelect(t, int(int32(a[0])), [3]uintptr{a[1], a[2], a[3]}, deadline, noWait)
	return putTimeLeft(t, a[4], deadline, false, n, err)
}

var selectCalls = map[string]impl{
	"poll":     full(sysPoll),
	"ppoll":    full(sysPpoll),
	"select":   full(sysSelect),
	"pselect6": full(sysPselect6),
}
