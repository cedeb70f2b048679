package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/mm"
)

// The state dump (SIGUSR1 to runos, --dump-on-exit): what a student would
// look for in /proc and a debugger, for the whole sandbox at once. Tasks
// first, then each address space as /proc/pid/maps shows it with a count
// of resident pages, then each descriptor table.

// writeDump prints s to w.
func writeDump(w io.Writer, s core.Snapshot) {
	var b strings.Builder
	fmt.Fprintf(&b, "=== runos state dump: %d tasks ===\n", len(s.Tasks))
	mmOwner := map[*mm.MM][]int{}
	fdOwner := map[*core.FDTable][]int{}
	var mms []*mm.MM
	var fdts []*core.FDTable
	for _, t := range s.Tasks {
		sc := "-"
		if t.InSyscall {
			sc = t.SyscallName
			if sc == "" {
				sc = fmt.Sprintf("syscall_%d", t.Syscall)
			}
		}
		fmt.Fprintf(&b, "task %d (pid %d) comm %q personality %s state %s syscall %s\n",
			t.TID, t.PID, t.Comm, t.Personality, t.State, sc)
		r := t.Regs
		fmt.Fprintf(&b, "  rip %016x rsp %016x rbp %016x eflags %08x\n", r.Rip, r.Rsp, r.Rbp, r.Eflags)
		fmt.Fprintf(&b, "  rax %016x rbx %016x rcx %016x rdx %016x\n", r.Rax, r.Rbx, r.Rcx, r.Rdx)
		fmt.Fprintf(&b, "  rsi %016x rdi %016x r8  %016x r9  %016x\n", r.Rsi, r.Rdi, r.R8, r.R9)
		fmt.Fprintf(&b, "  r10 %016x r11 %016x r12 %016x r13 %016x\n", r.R10, r.R11, r.R12, r.R13)
		fmt.Fprintf(&b, "  r14 %016x r15 %016x orig_rax %016x fs_base %016x\n", r.R14, r.R15, r.OrigRax, r.FsBase)
		if t.MM != nil {
			if mmOwner[t.MM] == nil {
				mms = append(mms, t.MM)
			}
			mmOwner[t.MM] = append(mmOwner[t.MM], t.TID)
		}
		if t.FDs != nil {
			if fdOwner[t.FDs] == nil {
				fdts = append(fdts, t.FDs)
			}
			fdOwner[t.FDs] = append(fdOwner[t.FDs], t.TID)
		}
	}
	for _, m := range mms {
		fmt.Fprintf(&b, "--- address space of tasks %v ---\n", mmOwner[m])
		for _, v := range s.Maps[m] {
			b.WriteString(mapsLine(v))
		}
	}
	for _, ft := range fdts {
		fmt.Fprintf(&b, "--- descriptors of tasks %v ---\n", fdOwner[ft])
		for _, f := range s.Files[ft] {
			fmt.Fprintf(&b, "%4d -> %s (%s)\n", f.FD, f.Path, fdFlags(f))
		}
	}
	b.WriteString("=== end of dump ===\n")
	io.WriteString(w, b.String())
}

// mapsLine is one line of /proc/pid/maps (see proc(5)), with the
// resident page count appended: the inode and device runos does not
// track are shown as 0.
func mapsLine(v mm.VMAInfo) string {
	share := 'p'
	if v.Shared {
		share = 's'
	}
	line := fmt.Sprintf("%08x-%08x %s%c %08x 00:00 0", v.Start, v.End, v.Perms, share, v.Offset)
	if v.Name != "" {
		line = fmt.Sprintf("%-73s %s", line, v.Name)
	}
	return fmt.Sprintf("%s  [%d resident]\n", line, v.Resident)
}

func fdFlags(f core.FDSnapshot) string {
	var parts []string
	switch {
	case f.Flags&fs.FlagRead != 0 && f.Flags&fs.FlagWrite != 0:
		parts = append(parts, "O_RDWR")
	case f.Flags&fs.FlagWrite != 0:
		parts = append(parts, "O_WRONLY")
	default:
		parts = append(parts, "O_RDONLY")
	}
	if f.Flags&fs.FlagAppend != 0 {
		parts = append(parts, "O_APPEND")
	}
	if f.Flags&fs.FlagNonblock != 0 {
		parts = append(parts, "O_NONBLOCK")
	}
	if f.CloExec {
		parts = append(parts, "O_CLOEXEC")
	}
	return strings.Join(parts, "|")
}

// exitDumper is the core.Tracer behind --dump-on-exit: it prints the dump
// once, when the first program starts to end, while its threads, memory
// and files are all still there: at the entry of the call that ends the
// whole process (exit_group; exit in ABIs without threads), or, if a
// signal kills it, when its first task is gone.
type exitDumper struct {
	w    io.Writer
	once sync.Once
	pid  int // the first program's, set by ProgramStart
}

func (d *exitDumper) dump(t *core.Task) {
	if t.Group().PID() != d.pid {
		return
	}
	d.once.Do(func() { writeDump(d.w, t.Kernel().Snapshot()) })
}

// ProgramStart implements core.Tracer.
func (d *exitDumper) ProgramStart(t *core.Task, path string, argv, envv []string) {
	d.pid = t.Group().PID()
}

// SyscallEnter implements core.Tracer.
func (d *exitDumper) SyscallEnter(t *core.Task, nr uintptr, args core.SyscallArgs) {
	e := t.Personality().Table().Lookup(nr)
	if e != nil && (e.Name == "exit_group" || e.Name == "exit" && t.Personality().Name() != "linux") {
		d.dump(t)
	}
}

// TaskExit implements core.Tracer.
func (d *exitDumper) TaskExit(t *core.Task, st core.ExitStatus) { d.dump(t) }

// SyscallExit implements core.Tracer.
func (d *exitDumper) SyscallExit(*core.Task, uintptr, core.SyscallArgs, uintptr, error) {}

// Signal implements core.Tracer.
func (d *exitDumper) Signal(*core.Task, *core.SigInfo) {}

// PageFault implements core.Tracer.
func (d *exitDumper) PageFault(*core.Task, uintptr) {}
