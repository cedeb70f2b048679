package xv6

import (
	"time"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// The process calls, as xv6's sysproc.c: each one a call on the core.

// tick is xv6's timer interrupt period, the unit of sleep and uptime.
const tick = 100 * time.Millisecond

// maxArg is MAXARG (kernel/param.h), the most arguments exec takes.
const maxArg = 32

// sysFork makes a child that returns 0 from the same call. The child has
// no exit signal: xv6 has no SIGCHLD, and wait finds it without one.
func sysFork(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	c, err := t.Fork(core.ForkOptions{})
	if err != nil {
		return 0, err
	}
	c.State.Regs.Rax = 0
	pid := c.Group().PID()
	c.Start()
	return uintptr(pid), nil
}

// sysExit ends the process with xv6's int status, whole (wait reports all
// 32 bits; runos's own exit code keeps the low 8 when it is PID 1).
func sysExit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.Group().Exit(core.ExitStatus{Code: int(int32(a[0]))})
	return 0, nil
}

// waitStatus is what wait stores: the exit status, or -1 for a process
// that was killed (xv6's kill makes the victim exit(-1)).
func waitStatus(st core.ExitStatus) int32 {
	if st.Signal != 0 {
		return -1
	}
	return int32(st.Code)
}

// sysWait is wait(int *status) of xv6-riscv: the pid of a child that
// exited, its status stored unless status is 0; -1 without children.
func sysWait(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	r, err := t.Wait(core.WaitOptions{Exited: true, All: true})
	if err != nil {
		return 0, err
	}
	if a[0] != 0 {
		var b [4]byte
		le.PutUint32(b[:], uint32(waitStatus(r.Status)))
		if _, err := t.MM().CopyOut(a[0], b[:]); err != nil {
			return 0, err
		}
	}
	return uintptr(r.PID), nil
}

// sysKill ends process pid. xv6 has no signals: the victim exits with
// status -1 the next time it would run, even from a sleep.
func sysKill(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	pid := int(int32(a[0]))
	if pid <= 0 {
		return 0, kerr.ESRCH
	}
	g := t.Kernel().GroupByPID(pid)
	if g == nil {
		return 0, kerr.ESRCH
	}
	g.Exit(core.ExitStatus{Signal: core.SIGKILL})
	return 0, nil
}

func sysGetpid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().PID()), nil
}

// sysSbrk grows (or, with a negative n, shrinks) the heap by n bytes and
// returns the old end, as xv6's growproc.
func sysSbrk(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	n := int64(int32(a[0]))
	m := t.MM()
	old := m.Brk(0)
	if n == 0 {
		return old, nil
	}
	want := uintptr(int64(old) + n)
	if n < 0 && want > old || n > 0 && want < old {
		return 0, kerr.ENOMEM // wrapped around
	}
	if m.Brk(want) != want {
		return 0, kerr.ENOMEM
	}
	return old, nil
}

// sysSleep sleeps n ticks; kill wakes the sleeper to die.
func sysSleep(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	n := int32(a[0])
	if n <= 0 {
		return 0, nil
	}
	never := make(chan struct{})
	err := t.Block(never, time.Now().Add(time.Duration(n)*tick))
	if err == kerr.ETIMEDOUT {
		return 0, nil
	}
	return 0, err
}

// sysUptime is the number of ticks since the sandbox started.
func sysUptime(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Kernel().Uptime() / tick), nil
}

// sysExec is exec(path, argv): argv is a NULL-terminated array of at
// most MAXARG strings. It returns argc to the new program, as xv6 does
// (it lands in rax, which crt0 ignores).
func sysExec(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	p, err := argPath(t, a[0])
	if err != nil {
		return 0, err
	}
	var argv []string
	for i := 0; ; i++ {
		if i >= maxArg {
			return 0, kerr.E2BIG
		}
		var b [8]byte
		if _, err := t.MM().CopyIn(a[1]+uintptr(8*i), b[:]); err != nil {
			return 0, err
		}
		ptr := uintptr(le.Uint64(b[:]))
		if ptr == 0 {
			break
		}
		s, err := t.MM().CopyInString(ptr, 4096) // PGSIZE, as fetchstr
		if err != nil {
			return 0, err
		}
		argv = append(argv, s)
	}
	if err := t.Execve(p, argv, nil); err != nil {
		return 0, err
	}
	return uintptr(len(argv)), nil
}
