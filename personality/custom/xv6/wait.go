package xv6

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// xv6's read and write sleep until a pipe or the console can go on. Here
// files never block the kernel; they say EAGAIN, and waitIO puts the task
// to sleep until the file is ready, in core.Task.Block so that kill
// interrupts the sleep (xv6's piperead checks killed() the same way).

// waitIO waits until f can be read (or written). A file that can neither
// be polled nor waited on reports EAGAIN, which the caller returns.
func waitIO(t *core.Task, f fs.File, write bool) error {
	var fd int
	var isHost bool
	switch hf := f.(type) {
	case *console:
		fd, isHost = hf.hostFD(write)
	case fs.HostStream:
		fd, isHost = hf.HostFD(), true
	}
	if isHost {
		ev := int16(unix.POLLIN)
		if write {
			ev = unix.POLLOUT
		}
		return waitHost(t, fd, ev)
	}
	p, ok := f.(fs.Pollable)
	if !ok {
		return kerr.EAGAIN
	}
	mask := fs.EventIn
	if write {
		mask = fs.EventOut
	}
	w, ch := fs.ChannelWaiter(mask | fs.EventErr | fs.EventHup)
	p.WaitQueue().Add(w)
	defer p.WaitQueue().Remove(w)
	if p.Readiness(mask|fs.EventErr|fs.EventHup) != 0 {
		return nil
	}
	return t.Block(ch, time.Time{})
}

// waitHost waits for a host descriptor with poll(2) on a helper
// goroutine; an eventfd beside it lets an interrupted wait cancel the
// poll, so no goroutine outlives the call.
func waitHost(t *core.Task, fd int, events int16) error {
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
