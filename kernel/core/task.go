package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// Task is one thread of a guest program: its registers, its view of
// memory and files, and its signal state. Only the task's own goroutine
// touches State, mm and fds pointers; other goroutines reach it through
// the methods that take ThreadGroup.mu.
type Task struct {
	k   *Kernel
	tid int
	tg  *ThreadGroup
	p   Personality

	// State is the register file; it lives here, not in a host thread.
	State arch.State

	mm  *mm.MM
	fds *FDTable
	ctx platform.Context

	// Signal state, guarded by tg.mu (sigMask is also read lock-free by
	// the task itself).
	sigMask   SignalSet
	savedMask SignalSet // restored after sigsuspend-like calls
	hasSaved  bool
	// realBlocked is the mask a thread had before sigtimedwait(2)
	// unblocked the awaited signals for its wait: those still count as
	// blocked when deciding whether an ignored signal is discarded.
	realBlocked SignalSet
	pending     sigQueue
	altStack    SignalStack
	// traceIgnored holds ignored signals for a Tracer to see (trace.go).
	traceIgnored *sigQueue

	// wake is signalled when the task should look at its signals or exit
	// while blocked in the kernel.
	wake chan struct{}

	// killed is set when the task must exit at its next chance (group
	// exit, fatal signal).
	killed atomic.Bool

	// sysnr is the number of the syscall being served plus one, 0
	// between syscalls, for a state dump (dump.go) to read.
	sysnr atomic.Int64

	// restart is the restart request of the syscall just served.
	restart kerr.Error

	// ClearChildTID is set_tid_address(2)'s pointer: on exit, 0 is
	// written there and a futex wake is done.
	ClearChildTID uintptr
	// RobustList is set_robust_list(2)'s head.
	RobustList, RobustLen uintptr
	// futexExited is set, under the futex table lock, once the dying
	// task has released its futexes (futex_robust.go).
	futexExited bool

	// Comm is the task's name (prctl PR_SET_NAME, /proc/pid/comm).
	Comm string

	// sched are the scheduling attributes (sched.go), guarded by tg.mu.
	sched SchedAttr

	// PersonalityData is per-ABI state a personality keeps on the task.
	PersonalityData any

	exitCode int

	cpu taskCPU // CPU-time accounting (cputime.go)
}

func newTask(k *Kernel, tg *ThreadGroup, tid int, p Personality) *Task {
	t := &Task{
		k:    k,
		tid:  tid,
		tg:   tg,
		p:    p,
		wake: make(chan struct{}, 1),
	}
	t.State.FP = arch.NewFPState()
	t.State.FPDirty = true
	tg.tasks = append(tg.tasks, t)
	return t
}

// Kernel returns the sandbox the task lives in.
func (t *Task) Kernel() *Kernel { return t.k }

// TID is the thread ID inside the sandbox.
func (t *Task) TID() int { return t.tid }

// Group is the task's thread group (process).
func (t *Task) Group() *ThreadGroup { return t.tg }

// Personality is the ABI the task runs under.
func (t *Task) Personality() Personality { return t.p }

// MM is the task's address space.
func (t *Task) MM() *mm.MM { return t.mm }

// SetMM replaces the task's address space (exec); the old one is released
// when no other task (thread, vfork parent) uses it.
func (t *Task) SetMM(m *mm.MM) {
	old := t.mm
	t.k.retainMM(m)
	t.mm = m
	t.k.releaseMM(old)
}

// FDs is the task's descriptor table.
func (t *Task) FDs() *FDTable { return t.fds }

// Context is the platform context of the task's host thread.
func (t *Task) Context() platform.Context { return t.ctx }

// SetRestart records that the current syscall wants restarting after a
// signal (kerr.ERESTARTSYS and friends).
func (t *Task) SetRestart(e kerr.Error) { t.restart = e }

// PullFP makes t.State.FP current (see arch.State).
func (t *Task) PullFP() error {
	if t.State.FPDirty {
		return nil // the kernel's copy is the newest already
	}
	return t.ctx.PullFP(&t.State)
}

// Killed reports whether the task has been told to exit.
func (t *Task) Killed() bool { return t.killed.Load() }

// kick makes the task notice new signals or a kill: it wakes a blocked
// kernel wait and interrupts a running Switch.
func (t *Task) kick() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
	if c := t.ctx; c != nil {
		c.Interrupt()
	}
}

// ThreadGroup is a process: the tasks that share a PID, signal handlers
// and an exit status.
type ThreadGroup struct {
	k      *Kernel
	pid    int
	parent *ThreadGroup

	mu       sync.Mutex
	tasks    []*Task
	handlers *SignalHandlers
	pending  sigQueue
	// signalfds is told of every signal queued, so that signalfd files
	// (signalfd.go) become ready for poll and blocked reads.
	signalfds fs.WaitQueue

	exiting    bool
	exitStatus ExitStatus
	done       chan struct{}

	// Process-tree state, guarded by Kernel.mu (see process.go).
	children   map[*ThreadGroup]struct{}
	pgid, sid  int
	ctty       Terminal // the session's controlling terminal, nil if none (ctty.go)
	zombie     bool
	exitSignal Signal // what the parent gets when this process ends (SIGCHLD)
	execed     bool   // has called execve since fork (setpgid(2): EACCES)
	// childEvent is closed and replaced whenever a child changes state,
	// to wake every thread waiting in wait4.
	childEvent chan struct{}
	// Job control (jobctl.go), guarded by tg.mu.
	stopped    bool
	stopSig    Signal
	stopReport bool // a stop the parent has not collected with WUNTRACED
	contReport bool // a continue the parent has not collected with WCONTINUED
	contCh     chan struct{}
	threadGone chan struct{} // closed and replaced when a thread exits
	vforkDone  chan struct{} // closed when a vfork child execs or exits

	// fs holds the root, working directory and umask, shared with other
	// processes by CLONE_FS (fsstruct.go); fsctx caches the context file
	// operations run in (fscontext.go).
	fs    atomic.Pointer[FSStruct]
	fsctx atomic.Pointer[vfs.Context]
	// Exe is the guest path of the program, for /proc/self/exe, and
	// ExeDentry the file itself (nil if unknown).
	Exe       string
	ExeDentry *vfs.Dentry
	// argEnv is where exec put argv and envp (procinfo.go), guarded by mu.
	argEnv ArgEnv
	// cpuLimitSoft and cpuLimitHard are RLIMIT_CPU as SetCPULimit last
	// set them; fork passes them on (itimer.go).
	cpuLimitSoft, cpuLimitHard time.Duration

	// PdeathSig is sent to this process when its parent ends
	// (prctl(2), PR_SET_PDEATHSIG); guarded by Kernel.mu.
	PdeathSig Signal

	// ChildSubreaper makes this process adopt its descendants' orphans
	// instead of PID 1 (guarded by Kernel.mu).
	ChildSubreaper bool

	// DumpsCore says whether a core-dumping signal reports "core dumped"
	// (the personality keeps it in step with its core-size limit; runos
	// writes no core file, but the wait status says what Linux would).
	DumpsCore bool
	// PersonalityData is per-ABI state a personality keeps on the process.
	PersonalityData any
	// Limits are the resource limits (getrlimit(2)), indexed by the
	// personality's own resource numbers.
	Limits map[int]Rlimit
	// creds are the process's credentials (creds.go), guarded by mu;
	// nil means the Kernel's InitCreds.
	creds *Credentials

	cpu       groupCPU     // CPU time of the threads and reaped children (cputime.go)
	timers    groupTimers  // interval and POSIX timers (timer.go)
	exitQueue fs.WaitQueue // pidfds polling for the exit (pidfd.go)
}

// Rlimit is one resource limit.
type Rlimit struct{ Cur, Max uint64 }

// RlimInfinity is an unlimited limit.
const RlimInfinity = ^uint64(0)

func newThreadGroup(k *Kernel, pid int, parent *ThreadGroup) *ThreadGroup {
	tg := &ThreadGroup{
		k:          k,
		pid:        pid,
		parent:     parent,
		handlers:   &SignalHandlers{},
		done:       make(chan struct{}),
		Limits:     map[int]Rlimit{},
		children:   map[*ThreadGroup]struct{}{},
		pgid:       pid,
		sid:        pid,
		exitSignal: SIGCHLD,
		childEvent: make(chan struct{}),
		contCh:     make(chan struct{}),
		threadGone: make(chan struct{}),
	}
	tg.fs.Store(newFSStruct(0o022)) // the usual umask, as login shells set it
	return tg
}

// PID is the thread group ID inside the sandbox.
func (tg *ThreadGroup) PID() int { return tg.pid }

// PPID is the parent's PID (0 for init).
func (tg *ThreadGroup) PPID() int {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	if tg.parent == nil {
		return 0
	}
	return tg.parent.pid
}

// Handlers is the group's signal disposition table.
func (tg *ThreadGroup) Handlers() *SignalHandlers { return tg.handlers }

// Tasks returns a snapshot of the live tasks.
func (tg *ThreadGroup) Tasks() []*Task {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]*Task(nil), tg.tasks...)
}

// Limit returns resource limit res (RlimInfinity for both if never set).
func (tg *ThreadGroup) Limit(res int) Rlimit {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if l, ok := tg.Limits[res]; ok {
		return l
	}
	return Rlimit{RlimInfinity, RlimInfinity}
}

// SetLimit replaces resource limit res.
func (tg *ThreadGroup) SetLimit(res int, l Rlimit) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.Limits[res] = l
}

// HasLimits reports whether any resource limit has been set (the first
// process gets its limits from the personality at its first exec).
func (tg *ThreadGroup) HasLimits() bool {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return len(tg.Limits) > 0
}
