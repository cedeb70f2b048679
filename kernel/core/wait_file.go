package core

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// Files never block the kernel: when they cannot go on they say EAGAIN,
// and a syscall in blocking mode waits here for the file to become ready,
// in Block, so that a signal or kill interrupts the wait. Every
// personality's read and write use it.

// WaitFile blocks t until f can do what mask asks (fs.EventIn to read,
// fs.EventOut to write), or a signal arrives (ERESTARTSYS). A kernel file
// is waited for on its wait queue; a host stream with poll(2). A file
// that can be waited for in neither way gives EAGAIN back.
func (t *Task) WaitFile(f fs.File, mask fs.Events) error {
	write := mask&fs.EventOut != 0
	if fd, ok := hostFD(f, write); ok {
		ev := int16(unix.POLLIN)
		if write {
			ev = unix.POLLOUT
		}
		return t.waitHost(fd, ev)
	}
	p, ok := f.(fs.Pollable)
	if !ok {
		return kerr.EAGAIN
	}
	return t.WaitReady(p, mask, time.Time{})
}

// WaitReady blocks t until p reports one of mask (or an error or hang-up),
// the deadline passes (ETIMEDOUT; zero waits forever) or a signal arrives.
func (t *Task) WaitReady(p fs.Pollable, mask fs.Events, deadline time.Time) error {
	w, ch := fs.ChannelWaiter(mask | fs.EventErr | fs.EventHup)
	p.WaitQueue().Add(w)
	defer p.WaitQueue().Remove(w)
	if p.Readiness(mask|fs.EventErr|fs.EventHup) != 0 {
		return nil
	}
	return t.Block(ch, deadline)
}

// hostFD finds the host descriptor behind f for one direction.
func hostFD(f fs.File, write bool) (int, bool) {
	switch hf := f.(type) {
	case fs.HostStreamFor:
		return hf.HostFDFor(write)
	case fs.HostStream:
		return hf.HostFD(), true
	}
	return 0, false
}

// waitHost blocks t until the host descriptor fd reports one of events,
// or a signal arrives. The host poll(2) runs on a helper goroutine with an
// eventfd beside fd, so that an interrupted wait cancels it and no
// goroutine outlives the call.
func (t *Task) waitHost(fd int, events int16) error {
	cancel, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return kerr.EAGAIN
	}
	defer unix.Close(cancel)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}, {Fd: int32(cancel), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				return
			}
		}
	}()
	if err := t.Block(done, time.Time{}); err != nil {
		unix.Write(cancel, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-done
		return err
	}
	return nil
}
