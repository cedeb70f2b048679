package core

import (
	"time"

	"github.com/runos-project/runos/kernel/kerr"
)

// Block waits until ch is ready, the deadline passes (kerr.ETIMEDOUT; a
// zero deadline waits forever) or a signal or kill arrives
// (kerr.ERESTARTSYS). Every syscall that can wait for long goes through
// here so that signals interrupt it. See signal(7), "Interruption of
// system calls and library functions by signal handlers".
func (t *Task) Block(ch <-chan struct{}, deadline time.Time) error {
	if t.HasDeliverable() {
		return kerr.ERESTARTSYS
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return kerr.ETIMEDOUT
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	// Waiting is not CPU time (cputime.go).
	defer t.blockedFor(time.Now())
	for {
		select {
		case <-ch:
			return nil
		case <-timeout:
			return kerr.ETIMEDOUT
		case <-t.wake:
			if t.HasDeliverable() {
				return kerr.ERESTARTSYS
			}
		}
	}
}
