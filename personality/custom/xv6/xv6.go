// Package xv6 is the personality of xv6, MIT's teaching operating system,
// on x86-64: a program written for xv6's 21 system calls runs under runos
// as it would on xv6, with runos's core doing the work (processes, pipes,
// the VFS).
//
// The ABI, as a program sees it:
//
//	syscall instruction; number in rax; arguments in rdi, rsi, rdx, r10,
//	r8, r9; result in rax, -1 on any error (xv6 has no errno).
//
// The numbers and their meanings are xv6's (see table.go). A program asks
// for this personality with an ELF note of vendor "runos" whose
// descriptor is "xv6"; user/usys.S carries one. docs/personality-xv6.md
// walks through adding a call and lists the differences from real xv6.
package xv6

import (
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/platform"
)

// NoteName is the descriptor of the runos note that selects xv6.
const NoteName = "xv6"

// Xv6 is the personality. Like the skeleton it keeps no state of its
// own: processes, files and the working directory live in the core.
type Xv6 struct {
	table core.SyscallTable
}

// New builds the personality and its table.
func New() *Xv6 {
	return &Xv6{table: core.SyscallTable{Entries: entries(), Missing: missing}}
}

// Name is what --personality takes.
func (x *Xv6) Name() string { return "xv6" }

// Description is the line `runos personalities` prints.
func (x *Xv6) Description() string {
	return "xv6, the MIT teaching OS: its 21 system calls, stat and dirent layouts, a console device"
}

// Match claims the programs whose runos note names xv6, and nothing else.
func (x *Xv6) Match(img *loader.Image) (int, bool) {
	if core.RunosNote(img) == NoteName {
		return core.PriorityNote, true
	}
	return 0, false
}

// Table returns the syscall table.
func (x *Xv6) Table() *core.SyscallTable { return &x.table }

// Syscall decodes the trap, runs the table entry and reports the value,
// or -1: xv6's argraw reads a0..a5, and every sys_* returns -1 on error.
func (x *Xv6) Syscall(t *core.Task) {
	r := &t.State.Regs
	nr := uintptr(r.Rax)
	r.OrigRax = r.Rax
	args := core.SyscallArgs{
		uintptr(r.Rdi), uintptr(r.Rsi), uintptr(r.Rdx),
		uintptr(r.R10), uintptr(r.R8), uintptr(r.R9),
	}
	h := x.table.Missing
	if e := x.table.Lookup(nr); e != nil && e.Handler != nil {
		h = e.Handler
	}
	tr := t.Kernel().Tracer
	if tr != nil {
		tr.SyscallEnter(t, nr, args)
	}
	ret, err := h(t, args)
	if tr != nil {
		tr.SyscallExit(t, nr, args, ret, err)
	}
	if err == nil {
		r.Rax = uint64(ret)
		return
	}
	if ke, ok := err.(kerr.Error); ok && ke.IsRestart() {
		// Only a kill (or a fatal signal runos forwards) interrupts a
		// wait here, and the process dies before it sees the result;
		// the core still wants to know.
		t.SetRestart(ke)
	}
	r.Rax = ^uint64(0)
}

// missing answers a number xv6 does not define, as xv6's syscall() does
// ("unknown sys call"): -1.
func missing(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.Kernel().Debugf("xv6: pid %d: unknown sys call %d", t.Group().PID(), t.State.Regs.OrigRax)
	return 0, kerr.ENOSYS
}

// InterruptedSyscall: xv6 has no signal handlers, so an interrupted call
// is one whose process is being killed; with no handler about to run, the
// call is restarted as Linux would, and otherwise fails with -1.
func (x *Xv6) InterruptedSyscall(t *core.Task, e kerr.Error, act *core.SigAction) {
	r := &t.State.Regs
	if act == nil {
		r.Rax = r.OrigRax
		r.Rip -= 2 // back over the 2-byte syscall instruction
		return
	}
	r.Rax = ^uint64(0)
}

// DeliverSignal: no xv6 call installs a handler, so there is never a
// frame to build.
func (x *Xv6) DeliverSignal(t *core.Task, info *core.SigInfo, act *core.SigAction) error {
	return kerr.ENOSYS
}

// FaultSignal: a fault kills the process, as xv6's usertrap does for an
// unexpected trap; SIGSEGV's default action is that kill.
func (x *Xv6) FaultSignal(ev platform.Event, err error) core.SigInfo {
	return core.SigInfo{Signo: core.SIGSEGV, Code: core.SIKernel, Addr: ev.Addr}
}
