package linux

import (
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
)

// prctl(2) options.
const (
	prSetPdeathsig      = 1
	prGetPdeathsig      = 2
	prGetDumpable       = 3
	prSetDumpable       = 4
	prSetName           = 15
	prGetName           = 16
	prSetChildSubreaper = 36
	prGetChildSubreaper = 37
	prSetNoNewPrivs     = 38
	prGetNoNewPrivs     = 39
)

// procState is the Linux-only per-process state that prctl records.
type procState struct {
	dumpable, noNewPrivs, subreaper bool
	pdeathsig                       int
}

func procOf(t *core.Task) *procState {
	tg := t.Group()
	if ps, ok := tg.PersonalityData.(*procState); ok {
		return ps
	}
	ps := &procState{dumpable: true}
	tg.PersonalityData = ps
	return ps
}

func boolWord(b bool) uintptr {
	if b {
		return 1
	}
	return 0
}

func sysPrctl(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	ps := procOf(t)
	switch int(int32(a[0])) {
	case prSetName:
		name, err := t.MM().CopyInString(a[1], 16)
		if err == kerr.ENAMETOOLONG {
			// PR_SET_NAME silently truncates to 15 bytes.
			var b [15]byte
			if _, err := t.MM().CopyIn(a[1], b[:]); err != nil {
				return 0, err
			}
			name, err = string(b[:]), nil
		}
		if err != nil {
			return 0, err
		}
		t.Comm = name
		return 0, nil
	case prGetName:
		var b [16]byte
		copy(b[:15], t.Comm)
		_, err := t.MM().CopyOut(a[1], b[:])
		return 0, err
	case prGetDumpable:
		return boolWord(ps.dumpable), nil
	case prSetDumpable:
		if a[1] > 1 {
			return 0, kerr.EINVAL
		}
		ps.dumpable = a[1] == 1
		return 0, nil
	case prSetNoNewPrivs:
		if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
			return 0, kerr.EINVAL
		}
		ps.noNewPrivs = true
		return 0, nil
	case prGetNoNewPrivs:
		if a[1] != 0 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
			return 0, kerr.EINVAL
		}
		return boolWord(ps.noNewPrivs), nil
	case prSetPdeathsig:
		if s := core.Signal(a[1]); s != 0 && !s.Valid() {
			return 0, kerr.EINVAL
		}
		ps.pdeathsig = int(a[1])
		t.Group().SetPdeathSig(core.Signal(a[1]))
		return 0, nil
	case prGetPdeathsig:
		return 0, copyOutU32(t, a[1], uint32(ps.pdeathsig))
	case prSetChildSubreaper:
		ps.subreaper = a[1] != 0
		t.Group().SetChildSubreaper(ps.subreaper)
		return 0, nil
	case prGetChildSubreaper:
		return 0, copyOutU32(t, a[1], uint32(boolWord(ps.subreaper)))
	}
	return 0, kerr.EINVAL
}
