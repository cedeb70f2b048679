package tests

import "testing"

// fdcallCases run guest/fdcalls.c once per check: timerfd, signalfd,
// memfd with seals, flock and fcntl record locks, positioned vector I/O,
// splice, tee and copy_file_range, and the pipe and file fcntls and
// ioctls. The guest prints booleans only, so the native and runos outputs
// must be equal; WantLines pins the lines that carry each check's point.
func fdcallCases() []behaviourCase {
	g := guest{"fdcalls", gccStatic}
	c := func(check string, want ...string) behaviourCase {
		return behaviourCase{
			Name:      "fdcalls/" + check,
			Guest:     g,
			Args:      []string{check},
			WantLines: append(want, check+": 0 failures"),
		}
	}
	return []behaviourCase{
		c("timerfd", "periodic count >= 2: yes", "blocking read gets 1: yes", "past abstime expires at once: yes"),
		c("signalfd", "read two records: yes", "consumed: yes", "blocking read: yes"),
		c("memfd", "mmap sees contents: yes", "grow EPERM: yes", "write EPERM: yes", "add after seal EPERM: yes"),
		c("flock", "child shares the lock: yes"),
		c("reclock", "child sees the conflict: yes", "child's F_SETLKW got it after close: yes", "F_SETLKW EDEADLK: yes"),
		c("vecio", "preadv 9: yes", "preadv2 bad flag EOPNOTSUPP: yes"),
		c("splice", "tee copy: yes", "splice pipe->file: yes", "copy_file_range 6: yes"),
		c("ioctl", "F_SETPIPE_SZ rounds up: yes", "FIONREAD pipe 3000: yes", "FIOCLEX: yes"),
	}
}

func TestFDCalls(t *testing.T) {
	for _, c := range fdcallCases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			runBehaviour(t, c)
		})
	}
}
