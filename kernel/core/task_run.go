package core

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// Task threads. A task's goroutine is locked to its host thread for the
// task's whole life (the platform Context belongs to that thread), and a
// goroutine that ends locked takes its thread with it. So every fork and
// pthread_create used to cost a new host thread and every exit a thread's
// end. Instead, a goroutine whose task ended waits, still locked, for the
// next task to start (startTask), for up to taskThreadIdle; at most
// maxIdleTaskThreads wait at a time. The platform Context is not kept:
// each task makes its own and releases it at exit (which also restores
// the thread's CPU affinity on ptrace), so nothing of one task's host
// state is left to the next but the thread itself. pthread_create +
// pthread_join on ptrace: 730 -> 600 µs (bench/README.md).
const (
	maxIdleTaskThreads = 8
	taskThreadIdle     = 2 * time.Second
)

var (
	idleTaskThreads  = make(chan *Task) // receive: an idle task thread
	idleTaskThreadsN atomic.Int32
)

// startTask runs t on an idle task thread, or on a new one.
func startTask(t *Task) {
	select {
	case idleTaskThreads <- t:
	default:
		go taskThread(t)
	}
}

// taskThread is the body of a task thread's goroutine: t, then whatever
// task startTask hands it while it is idle.
func taskThread(t *Task) {
	runtime.LockOSThread() // for good: the thread ends with the goroutine
	for {
		t.run(nil, nil)
		runtime.UnlockOSThread() // run's own lock; ours stays
		if idleTaskThreadsN.Add(1) > maxIdleTaskThreads {
			idleTaskThreadsN.Add(-1)
			return
		}
		timer := time.NewTimer(taskThreadIdle)
		select {
		case t = <-idleTaskThreads:
			timer.Stop()
			idleTaskThreadsN.Add(-1)
		case <-timer.C:
			idleTaskThreadsN.Add(-1)
			return
		}
	}
}

// run is the body of a task's goroutine: the loop of DESIGN.md, "How a
// program runs". start, if not nil, runs first on the task's own thread
// (exec of the first program), and its result is sent on started.
func (t *Task) run(start func() error, started chan<- error) {
	// The platform context belongs to this host thread for the task's
	// whole life (ptrace: the thread is the stub thread's tracer). The
	// goroutine never unlocks, so Go retires the thread when it ends
	// (unless it is a task thread kept for the next task: taskThread).
	runtime.LockOSThread()
	defer t.bindThread()() // procinfo.go: CurrentTask
	ctx, err := t.k.Platform.NewContext()
	if err != nil {
		t.k.InternalError(fmt.Errorf("task %d: new platform context: %w", t.tid, err))
		if started != nil {
			started <- err
		}
		t.tg.Exit(ExitStatus{Signal: SIGKILL})
		t.exit()
		return
	}
	t.tg.mu.Lock() // kick reads t.ctx under tg.mu
	t.ctx = ctx
	t.tg.mu.Unlock()
	t.startCPUClock()
	if start != nil {
		err := start()
		started <- err
		if err != nil {
			t.tg.Exit(ExitStatus{Code: 127})
			t.exit()
			return
		}
	}

	for {
		t.parkIfStopped()
		t.deliverSignals()
		t.parkIfStopped()
		if t.killed.Load() {
			break
		}
		t.enterGuest()
		ev, err := ctx.Switch(t.mm.AddressSpace(), &t.State)
		t.leaveGuest()
		if err != nil {
			t.k.InternalError(fmt.Errorf("task %d: switch: %w", t.tid, err))
			t.tg.Exit(ExitStatus{Signal: SIGKILL})
			break
		}
		switch ev.Kind {
		case platform.EventSyscall:
			t.syscall()
		case platform.EventFault:
			t.handleFault(ev)
		case platform.EventInterrupt:
			// Nothing to do: signals and kills are looked at above.
		}
	}
	t.exit()
}

// syscall hands the trap to the personality. A panic in a handler is a
// kernel bug; it must not take the whole sandbox (or the host's terminal
// state) down with it, so it is reported as an internal error and the
// process is killed, the way Linux oopses and kills the current task.
func (t *Task) syscall() {
	t.sysnr.Store(int64(t.State.Regs.Rax) + 1)
	defer func() {
		t.sysnr.Store(0)
		if r := recover(); r != nil {
			t.k.InternalError(fmt.Errorf("task %d: panic in syscall %d: %v\n%s", t.tid, t.State.Regs.OrigRax, r, debug.Stack()))
			t.tg.Exit(ExitStatus{Signal: SIGKILL})
		}
	}()
	t.p.Syscall(t)
}

// handleFault serves a processor exception: a page fault the mm can fill
// is invisible to the guest; anything else becomes a signal.
func (t *Task) handleFault(ev platform.Event) {
	var err error
	if ev.Vector == platform.VectorPageFault {
		err = t.mm.HandleFault(ev)
		if err == nil {
			t.tg.noteRSS(t.mm) // only faults make the address space grow
			if tr := t.k.Tracer; tr != nil {
				tr.PageFault(t, ev.Addr)
			}
			return
		}
		if errors.Is(err, kerr.ENOMEM) {
			// The sandbox's memory is exhausted: like Linux's OOM
			// killer, kill the process rather than loop.
			fmt.Fprintf(os.Stderr, "runos: out of memory: killing process %d\n", t.tg.pid)
			t.tg.Exit(ExitStatus{Signal: SIGKILL})
			return
		}
	}
	info := t.p.FaultSignal(ev, err)
	if t.k.debug != nil {
		t.k.Debugf("task %d: fault vector %d addr %#x rip %#x -> %v", t.tid, ev.Vector, ev.Addr, t.State.Regs.Rip, info.Signo)
	}
	t.ForceSignal(&info)
}

// exit tears down the task: its platform context, its clear_child_tid
// futex, its share of memory and files, and with the last task of the
// group the process itself (process.go).
func (t *Task) exit() {
	t.tg.mu.Lock()
	ctx := t.ctx
	t.ctx = nil
	t.tg.mu.Unlock()
	if ctx != nil {
		ctx.Release()
	}
	// Robust and PI futexes first, while the memory is still there.
	t.releaseFutexes(true)
	if t.ClearChildTID != 0 && t.mm != nil {
		// set_tid_address(2): write 0 and wake one waiter, which is how
		// pthread_join learns that a thread is gone. The wake is a
		// shared one, as Linux's.
		var zero [4]byte
		if _, err := t.mm.CopyOut(t.ClearChildTID, zero[:]); err == nil {
			t.FutexWake(t.ClearChildTID, false, 1, FutexBitsetAll)
		}
	}
	t.tg.noteRSS(t.mm)
	if t.fds != nil {
		t.fds.Release()
	}
	t.k.releaseMM(t.mm)
	// Only now does the task stop counting as live: Kernel.Wait lets
	// runos exit when none is left, and releasing the memory may still
	// write a shared file mapping back to the host.
	t.k.removeTask(t)

	tg := t.tg
	tg.mu.Lock()
	for i, o := range tg.tasks {
		if o == t {
			tg.tasks = append(tg.tasks[:i], tg.tasks[i+1:]...)
			break
		}
	}
	last := len(tg.tasks) == 0
	if last && !tg.exiting {
		// The last thread left with exit(2), not exit_group(2).
		tg.exiting = true
		tg.exitStatus = ExitStatus{Code: t.exitCode}
	}
	close(tg.threadGone)
	tg.threadGone = make(chan struct{})
	st := ExitStatus{Code: t.exitCode}
	if tg.exiting {
		st = tg.exitStatus
	}
	tg.mu.Unlock()
	if tr := t.k.Tracer; tr != nil {
		tr.TaskExit(t, st)
	}
	if last {
		t.k.groupExited(tg)
	}
}

// ExitThread ends the calling task with code (exit(2)); if it is the last
// task of its group, code becomes the group's exit status.
func (t *Task) ExitThread(code int) {
	t.exitCode = code
	t.killed.Store(true)
}
