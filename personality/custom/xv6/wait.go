package xv6

import (
	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
)

// xv6's read and write sleep until a pipe or the console can go on. Here
// files never block the kernel; they say EAGAIN, and waitIO puts the task
// to sleep until the file is ready, in core.Task.Block so that kill
// interrupts the sleep (xv6's piperead checks killed() the same way).

// waitIO waits until f can be read (or written). A file that can neither
// be polled nor waited on reports EAGAIN, which the caller returns.
func waitIO(t *core.Task, f fs.File, write bool) error {
	if write {
		return t.WaitFile(f, fs.EventOut)
	}
	return t.WaitFile(f, fs.EventIn)
}
