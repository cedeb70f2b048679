package core

import (
	"sort"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/mm"
)

// A state dump (runos's SIGUSR1 and --dump-on-exit) is the sandbox seen
// from outside, the way a kernel debugger or /proc shows it: every task,
// every address space, every descriptor table. Snapshot copies what it
// needs into plain structs, taking each lock briefly in the documented
// order, so the printer holds no kernel lock and the guest keeps running.

// TaskState is what a task is doing at the moment of a snapshot.
type TaskState string

const (
	// TaskRunning is a task running guest code, or in the kernel
	// between two syscalls.
	TaskRunning TaskState = "running"
	// TaskBlocked is a task inside a syscall (most are waiting).
	TaskBlocked TaskState = "blocked"
	// TaskStopped is a task of a process stopped by job control.
	TaskStopped TaskState = "stopped"
)

// TaskSnapshot describes one task.
type TaskSnapshot struct {
	TID, PID    int
	Comm        string
	Personality string
	State       TaskState
	// InSyscall reports that the task is inside the syscall Syscall
	// (its number in the task's personality), with SyscallName from
	// the personality's table.
	InSyscall   bool
	Syscall     uintptr
	SyscallName string
	// Regs are the registers the kernel last saw: at the task's last
	// trap, so a task running guest code has moved on since.
	Regs arch.Registers
	// MM and FDs identify the task's address space and descriptor
	// table in the snapshot's maps; threads share them.
	MM  *mm.MM
	FDs *FDTable
}

// FDSnapshot is one descriptor.
type FDSnapshot struct {
	FD      int
	Path    string
	Flags   int // the description's status flags (fs.Flag*)
	CloExec bool
}

// Snapshot is the whole sandbox at one moment.
type Snapshot struct {
	Tasks []TaskSnapshot          // by TID
	Maps  map[*mm.MM][]mm.VMAInfo // each address space's VMAs
	Files map[*FDTable][]FDSnapshot
}

// Snapshot copies the state of every task. It is safe to call from any
// goroutine; the registers of a task are read without stopping it, so they
// are a debugging aid, not a consistent checkpoint.
func (k *Kernel) Snapshot() Snapshot {
	k.mu.Lock()
	tasks := make([]*Task, 0, len(k.tasks))
	for _, t := range k.tasks {
		tasks = append(tasks, t)
	}
	k.mu.Unlock()
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].tid < tasks[j].tid })

	s := Snapshot{Maps: map[*mm.MM][]mm.VMAInfo{}, Files: map[*FDTable][]FDSnapshot{}}
	for _, t := range tasks {
		ts := TaskSnapshot{TID: t.tid, PID: t.tg.pid, Personality: t.p.Name()}
		t.tg.mu.Lock()
		ts.Comm = t.Comm
		ts.MM, ts.FDs = t.mm, t.fds
		ts.Regs = t.State.Regs
		stopped := t.tg.stopped
		t.tg.mu.Unlock()
		nr := t.sysnr.Load()
		switch {
		case stopped:
			ts.State = TaskStopped
		case nr != 0:
			ts.State = TaskBlocked
		default:
			ts.State = TaskRunning
		}
		if nr != 0 {
			ts.InSyscall, ts.Syscall = true, uintptr(nr-1)
			if e := t.p.Table().Lookup(ts.Syscall); e != nil {
				ts.SyscallName = e.Name
			}
		}
		if m := ts.MM; m != nil {
			if _, ok := s.Maps[m]; !ok {
				s.Maps[m] = m.Maps()
			}
		}
		if ft := ts.FDs; ft != nil {
			if _, ok := s.Files[ft]; !ok {
				s.Files[ft] = ft.snapshot()
			}
		}
		s.Tasks = append(s.Tasks, ts)
	}
	return s
}

// snapshot lists the open descriptors in order.
func (ft *FDTable) snapshot() []FDSnapshot {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var out []FDSnapshot
	for fd, e := range ft.files {
		if e.d == nil {
			continue
		}
		out = append(out, FDSnapshot{FD: fd, Path: e.d.Path, Flags: e.d.Flags(), CloExec: e.cloexec})
	}
	return out
}
