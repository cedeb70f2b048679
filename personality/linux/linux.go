// Package linux is the Linux x86-64 personality: the syscall table and its
// handlers, errno numbers, struct layouts, the signal frame and the initial
// stack with its auxiliary vector. Handlers are thin, in the manner of
// xv6's sysfile.c: they decode registers, copy arguments in and results
// out, and call into kernel/core, mm and fs, which know nothing of Linux.
package linux

import (
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
)

// Linux is the personality. It holds no per-task state; that lives in
// core.Task.
type Linux struct {
	table core.SyscallTable

	// name and desc are set on a personality made by Derive; Linux's
	// own are "linux" and its description.
	name, desc string
}

// New returns the Linux personality.
func New() *Linux {
	l := &Linux{}
	l.table = buildTable()
	return l
}

// Name implements core.Personality.
func (l *Linux) Name() string {
	if l.name != "" {
		return l.name
	}
	return "linux"
}

// Description is one line for `runos personalities`.
func (l *Linux) Description() string {
	if l.desc != "" {
		return l.desc
	}
	return "Linux x86-64 ABI: runs unmodified Linux programs, static and dynamic"
}

// Match implements core.Personality: Linux runs every x86-64 ELF file,
// as the fallback, unless a "runos" note names another personality; an
// OSABI of GNU/Linux makes it surer.
func (l *Linux) Match(img *loader.Image) (int, bool) {
	if n := core.RunosNote(img); n == l.Name() {
		return core.PriorityNote, true
	} else if n != "" {
		return 0, false
	}
	const osabiGNU = 3
	if img.OSABI == osabiGNU {
		return core.PriorityOSABI, true
	}
	return core.PriorityDefault, true
}

// Table implements core.Personality.
func (l *Linux) Table() *core.SyscallTable { return &l.table }

// Syscall implements core.Personality. On x86-64 Linux the number is in
// rax and the arguments in rdi, rsi, rdx, r10, r8, r9; the result goes
// back in rax, an error as -errno (see syscall(2)).
func (l *Linux) Syscall(t *core.Task) {
	r := &t.State.Regs
	nr := uintptr(r.Rax)
	r.OrigRax = r.Rax
	args := core.SyscallArgs{
		uintptr(r.Rdi), uintptr(r.Rsi), uintptr(r.Rdx),
		uintptr(r.R10), uintptr(r.R8), uintptr(r.R9),
	}
	tr := t.Kernel().Tracer
	if tr != nil {
		tr.SyscallEnter(t, nr, args)
	}
	var ret uintptr
	var err error
	if e := l.table.Lookup(nr); e != nil && e.Handler != nil {
		ret, err = e.Handler(t, args)
	} else {
		ret, err = l.table.Missing(t, args)
	}
	if tr != nil {
		tr.SyscallExit(t, nr, args, ret, err)
	}
	if err == nil {
		r.Rax = uint64(ret)
		return
	}
	if ke, ok := err.(kerr.Error); ok && ke.IsRestart() {
		t.SetRestart(ke)
	}
	r.Rax = negErrno(Errno(err))
}

// InterruptedSyscall implements core.Personality, as Linux's
// arch/x86/kernel/signal.c does: restart by backing rip over the 2-byte
// syscall instruction with the number back in rax, or fail with EINTR.
func (l *Linux) InterruptedSyscall(t *core.Task, e kerr.Error, act *core.SigAction) {
	r := &t.State.Regs
	restart := false
	switch e {
	case kerr.ERESTARTSYS:
		restart = act == nil || act.Flags&core.SARestart != 0
	case kerr.ERESTARTNOHAND, kerr.ERESTART_RESTARTBLOCK:
		restart = act == nil
	case kerr.ERESTARTNOINTR:
		restart = true
	}
	if restart {
		r.Rax = r.OrigRax
		r.Rip -= 2
	} else {
		r.Rax = negErrno(errnoEINTR)
	}
}

func sysMissing(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return 0, kerr.ENOSYS
}

// negErrno is how an error travels in rax: -errno as an unsigned word.
func negErrno(e uint16) uint64 { return uint64(-int64(e)) }
