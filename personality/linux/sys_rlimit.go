package linux

import (
	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// Resource numbers of getrlimit(2).
const (
	rlimitCore   = 4
	rlimitStack  = 3
	rlimitNofile = 7
	rlimNlimits  = 16
)

// initLimits gives a new process the limits runos itself runs with, so a
// program sees under runos what it sees natively.
func initLimits(tg *core.ThreadGroup) {
	for res := 0; res < rlimNlimits; res++ {
		var l unix.Rlimit
		if err := unix.Getrlimit(res, &l); err != nil {
			continue
		}
		tg.SetLimit(res, core.Rlimit{Cur: l.Cur, Max: l.Max})
	}
	tg.DumpsCore = tg.Limit(rlimitCore).Cur != 0
}

func copyOutRlimit(t *core.Task, addr uintptr, l core.Rlimit) error {
	var b [16]byte
	le.PutUint64(b[0:], l.Cur)
	le.PutUint64(b[8:], l.Max)
	_, err := t.MM().CopyOut(addr, b[:])
	return err
}

func doPrlimit(t *core.Task, res int, newAddr, oldAddr uintptr) error {
	if res < 0 || res >= rlimNlimits {
		return kerr.EINVAL
	}
	tg := t.Group()
	old := tg.Limit(res)
	var nl core.Rlimit
	if newAddr != 0 {
		var b [16]byte
		if _, err := t.MM().CopyIn(newAddr, b[:]); err != nil {
			return err
		}
		nl = core.Rlimit{Cur: le.Uint64(b[0:]), Max: le.Uint64(b[8:])}
		if nl.Cur > nl.Max {
			return kerr.EINVAL
		}
		if res == rlimitNofile && nl.Max > core.MaxFDs {
			return kerr.EPERM // above fs.nr_open
		}
	}
	if oldAddr != 0 {
		if err := copyOutRlimit(t, oldAddr, old); err != nil {
			return err
		}
	}
	if newAddr == 0 {
		return nil
	}
	tg.SetLimit(res, nl)
	switch res {
	case rlimitNofile:
		t.FDs().SetLimit(int(min(nl.Cur, core.MaxFDs)))
	case rlimitStack:
		t.MM().SetStackLimit(nl.Cur)
	case rlimitCore:
		tg.DumpsCore = nl.Cur != 0
	}
	return nil
}

func sysPrlimit64(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	if pid := int(int32(a[0])); pid != 0 && pid != t.Group().PID() {
		if t.Kernel().GroupByPID(pid) == nil {
			return 0, kerr.ESRCH
		}
		return 0, kerr.EPERM
	}
	return 0, doPrlimit(t, int(int32(a[1])), a[2], a[3])
}

func sysGetrlimit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, doPrlimit(t, int(int32(a[0])), 0, a[1])
}

func sysSetrlimit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, doPrlimit(t, int(int32(a[0])), a[1], 0)
}
