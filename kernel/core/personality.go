package core

import (
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/platform"
)

// Personality turns one ABI into calls on the core. See DESIGN.md,
// "Personalities", and docs/personalities.md.
type Personality interface {
	// Name is the name --personality takes ("linux").
	Name() string

	// Description is one line for `runos personalities`.
	Description() string

	// Match says whether this personality runs img, and how sure it is:
	// at exec the registered personality with the highest priority wins
	// (see select.go for the conventional priorities).
	Match(img *loader.Image) (priority int, ok bool)

	// Table is the syscall table; docs and `runos syscalls` read it.
	Table() *SyscallTable

	// Syscall serves the syscall task t just trapped with: it decodes the
	// number and arguments from t.State.Regs, runs the table entry and
	// writes the result back into the registers. A handler that returns a
	// restart request (kerr.ERESTARTSYS, ...) is recorded with
	// t.SetRestart instead of being reported.
	Syscall(t *Task)

	// Exec replaces t's program: it opens and loads the executable, builds
	// the initial stack and sets the registers (execve).
	Exec(t *Task, path string, argv, envv []string) error

	// InterruptedSyscall settles a syscall that was interrupted by a
	// signal with restart request e: act is the handler about to run, or
	// nil when no handler runs (then the call is restarted).
	InterruptedSyscall(t *Task, e kerr.Error, act *SigAction)

	// DeliverSignal builds the signal frame for a handler on the task's
	// stack and points the registers at the handler.
	DeliverSignal(t *Task, info *SigInfo, act *SigAction) error

	// FaultSignal says which signal a fault the mm could not serve (or a
	// non-page-fault exception) raises. segv is nil for non-page faults.
	FaultSignal(ev platform.Event, err error) SigInfo
}
