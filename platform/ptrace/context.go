package ptrace

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// interruptSignal is what Interrupt sends to a running stub thread to make
// it stop. SIGCHLD, because its default action is to be ignored: should a
// stub ever run untraced, the signal would do nothing. A traced thread
// stops for it all the same, since the host never discards a signal
// bound for a ptraced thread as ignored (only SIGKILL skips the tracer).
const interruptSignal = unix.SIGCHLD

// Context runs one task at a time on stub threads traced by its own host
// thread: one stub thread per address space it has run in.
//
// Everything but the interrupt state belongs to the Context's goroutine.
type Context struct {
	p   *Platform
	tid int // the host thread this Context lives on
	cpu int // the CPU it is pinned to, or -1

	oldMask unix.CPUSet // this thread's affinity before pinning

	threads []*stubThread // one per address space entered
	cur     *stubThread   // the last one used: the common case

	// The task whose FPU state is live in a stub thread (lazy FP, see
	// arch.State), and that thread. fpOwner.FP is stale meanwhile.
	fpOwner  *arch.State
	fpThread *stubThread

	// Scratch, so that Switch allocates nothing.
	regs   arch.Registers
	status unix.WaitStatus
	si     siginfo
	iov    unix.Iovec

	// Interrupt state, shared with Interrupt callers.
	mu      sync.Mutex
	pending bool // an interrupt to report
	running bool // a Switch has (or is about to have) runTid running
	kicked  bool // interruptSignal was sent during this run
	runTgid int
	runTid  int

	released bool
}

// Switch implements platform.Context.Switch.
func (c *Context) Switch(as platform.AddressSpace, st *arch.State) (platform.Event, error) {
	a, ok := as.(*addressSpace)
	if !ok {
		return platform.Event{}, fmt.Errorf("ptrace: Switch: address space %T is not a ptrace address space", as)
	}
	if c.released {
		return platform.Event{}, errors.New("ptrace: Switch on a released Context")
	}
	if st.Regs.Cs != arch.UserCS || st.Regs.Ss != arch.UserSS {
		return platform.Event{}, fmt.Errorf("ptrace: Switch: segments cs=%#x ss=%#x, want %#x %#x",
			st.Regs.Cs, st.Regs.Ss, arch.UserCS, arch.UserSS)
	}
	t, err := c.threadIn(a)
	if err != nil {
		return platform.Event{}, err
	}

	c.mu.Lock()
	if c.pending {
		c.pending = false
		c.mu.Unlock()
		return platform.Event{Kind: platform.EventInterrupt}, nil
	}
	c.running, c.runTgid, c.runTid = true, a.pid, t.tid
	c.mu.Unlock()

	e, what := c.run(t, st)

	c.mu.Lock()
	c.running = false
	if c.kicked {
		// The interrupt signal is on its way (or was the stop we
		// got): it reports itself, at the latest when this stub
		// thread next runs.
		c.kicked = false
		c.pending = false
	}
	c.mu.Unlock()
	if e != 0 {
		return platform.Event{}, fmt.Errorf("ptrace %s stub thread %d (stub %d): %w", what, t.tid, a.pid, e)
	}
	return c.stopEvent(t, st)
}

// run loads st into t, resumes it with PTRACE_SYSEMU and waits for it to
// stop. It returns the failing request's name with any error.
func (c *Context) run(t *stubThread, st *arch.State) (unix.Errno, string) {
	if err := c.loadFP(t, st); err != 0 {
		return err, "SETREGSET NT_X86_XSTATE"
	}
	// Load a copy with orig_rax = -1: the host must not take the guest's
	// registers for an interrupted host system call and "restart" it
	// (it would if rax held -ERESTARTSYS, say).
	c.regs = st.Regs
	c.regs.OrigRax = ^uint64(0)
	if e := ptraceSetRegsFrom(t.tid, &c.regs); e != 0 {
		return e, "SETREGS"
	}
	// PTRACE_SYSEMU: run until the next system call, and stop at its
	// entry without executing it (see ptrace(2)). Resuming with signal 0
	// also discards the signal of a previous fault stop.
	if e := ptraceRequest(ptraceSysemu, t.tid, 0, 0); e != 0 {
		return e, "SYSEMU"
	}
	if _, e := wait4Into(t.tid, &c.status, 0); e != 0 {
		return e, "wait4"
	}
	return 0, ""
}

// stopEvent reads the registers of the stopped thread into st and turns
// the stop into an Event.
func (c *Context) stopEvent(t *stubThread, st *arch.State) (platform.Event, error) {
	ws := c.status
	if !ws.Stopped() {
		return platform.Event{}, fmt.Errorf("ptrace: stub thread %d (stub %d) %s", t.tid, t.as.pid, describeStatus(ws))
	}
	if e := ptraceGetRegsInto(t.tid, &st.Regs); e != 0 {
		return platform.Event{}, fmt.Errorf("ptrace GETREGS stub thread %d: %w", t.tid, e)
	}
	sig := stopSignal(ws)
	if sig == unix.SIGTRAP|0x80 {
		// A system-call stop. The host reports the number in
		// orig_rax and has already put -ENOSYS into rax; the guest
		// kernel reads the number from Rax as the syscall instruction
		// left it, so put it back. Rip is after the instruction, and
		// rcx/r11 hold the return address and flags, as the hardware
		// left them.
		if compatEntry(&st.Regs) {
			return compatFault(&st.Regs), nil // compat_entry.go
		}
		st.Regs.Rax = st.Regs.OrigRax
		return platform.Event{Kind: platform.EventSyscall}, nil
	}
	if stopEvent(ws) != 0 {
		// A PTRACE_EVENT_STOP (group stop of a seized thread): not
		// the guest's doing.
		return c.interrupted(), nil
	}
	if e := ptraceGetSiginfoInto(t.tid, &c.si); e != 0 {
		return platform.Event{}, fmt.Errorf("ptrace GETSIGINFO stub thread %d: %w", t.tid, e)
	}
	ev, ok := faultEvent(sig, &c.si)
	if !ok {
		return c.interrupted(), nil
	}
	return ev, nil
}

func (c *Context) interrupted() platform.Event {
	c.mu.Lock()
	c.pending = false
	c.mu.Unlock()
	return platform.Event{Kind: platform.EventInterrupt}
}

// noteInterrupt records an interrupt signal that an injection swallowed,
// for the next Switch to report.
func (c *Context) noteInterrupt() {
	c.mu.Lock()
	c.pending = true
	c.mu.Unlock()
}

// Interrupt implements platform.Context.Interrupt.
func (c *Context) Interrupt() {
	c.mu.Lock()
	c.pending = true
	if c.running && !c.kicked {
		// tgkill rather than kill: the signal must stop this very
		// thread, not any thread of the stub. An error means the
		// stub is dying, and Switch will report that.
		unix.Tgkill(c.runTgid, c.runTid, interruptSignal)
		c.kicked = true
	}
	c.mu.Unlock()
}

// loadFP makes st's FPU state the live one in t. The state moves only when
// it must: when the kernel changed it (FPDirty), or when the live copy in
// this Context's stub threads belongs to another task or another thread.
func (c *Context) loadFP(t *stubThread, st *arch.State) unix.Errno {
	if !st.FPDirty && c.fpOwner == st && c.fpThread == t {
		return 0
	}
	if !st.FPDirty && c.fpOwner != nil && !c.fpThread.as.released.Load() {
		// Save the live state to its owner before overwriting it.
		// (If the owner is st itself, this refreshes st.FP.)
		if e := c.pullFP(c.fpThread, c.fpOwner); e != 0 {
			return e
		}
	}
	if len(st.FP.Bytes) != 0 {
		if e := ptraceXState(t.tid, false, st.FP.Bytes, &c.iov); e != 0 {
			return e
		}
	}
	st.FPDirty = false
	c.fpOwner, c.fpThread = st, t
	return 0
}

func (c *Context) pullFP(t *stubThread, st *arch.State) unix.Errno {
	if len(st.FP.Bytes) != arch.XSaveSize() {
		st.FP.Bytes = make([]byte, arch.XSaveSize())
	}
	return ptraceXState(t.tid, true, st.FP.Bytes, &c.iov)
}

// PullFP implements platform.Context.PullFP. If st's state is not live in
// this Context (it never ran here, or the kernel just set it), st.FP is
// already current and nothing is done.
func (c *Context) PullFP(st *arch.State) error {
	if st.FPDirty || c.fpOwner != st || c.fpThread == nil {
		return nil
	}
	if c.fpThread.as.released.Load() {
		return fmt.Errorf("ptrace: PullFP: the address space holding the FPU state was released")
	}
	if e := c.pullFP(c.fpThread, st); e != 0 {
		return fmt.Errorf("ptrace GETREGSET NT_X86_XSTATE stub thread %d: %w", c.fpThread.tid, e)
	}
	return nil
}

// threadIn returns this Context's stub thread in as, creating it if needed.
func (c *Context) threadIn(as *addressSpace) (*stubThread, error) {
	if c.cur != nil && c.cur.as == as {
		return c.cur, nil
	}
	for _, t := range c.threads {
		if t.as == as {
			c.cur = t
			return t, nil
		}
	}
	if as.released.Load() {
		return nil, errReleased
	}
	c.sweep()
	t, err := c.newThread(as)
	if err != nil {
		return nil, err
	}
	c.threads = append(c.threads, t)
	c.cur = t
	return t, nil
}

// newThread creates a stub thread in as for this Context: the primary
// goroutine injects the clone (unless a thread cloned at the stub's start
// or a parked one is free: see addressSpace.free), and this thread becomes
// its tracer with PTRACE_SEIZE, so that ptrace requests for it can come
// from here. The first Context in runs the queued Maps itself.
//
// A thread that sleeps in pause(2) when seized (every one but a thread
// cloned by the primary just now, which too ends up there) leaves it with
// a PTRACE_EVENT_STOP; the call is not restarted, because whoever runs the
// thread next loads orig_rax = -1.
func (c *Context) newThread(as *addressSpace) (*stubThread, error) {
	if tid := unix.Gettid(); tid != c.tid {
		return nil, fmt.Errorf("ptrace: Context of host thread %d used from host thread %d (the goroutine must stay locked to its thread)", c.tid, tid)
	}
	tid := as.takeFree()
	free := tid != 0
	if !free {
		r, err := as.ask(request{clone: true})
		if err != nil {
			return nil, fmt.Errorf("ptrace: stub %d: clone a stub thread: %w", as.pid, err)
		}
		tid = int(r)
	}
	t := &stubThread{as: as, tid: tid, tracer: c.tid, ctx: c}
	// The new thread sleeps in pause(2) until we seize and interrupt it.
	if e := ptraceRequest(ptraceSeize, t.tid, 0, stubPtraceOptions); e != 0 {
		return nil, fmt.Errorf("ptrace SEIZE stub thread %d (stub %d): %w", t.tid, as.pid, e)
	}
	if c.cpu >= 0 {
		// Before the interrupt wakes it, so that it wakes up here.
		if err := pinThread(t.tid, c.cpu); err != nil {
			return nil, fmt.Errorf("pin stub thread %d: %w", t.tid, err)
		}
	}
	if e := ptraceRequest(ptraceInterrupt, t.tid, 0, 0); e != 0 {
		return nil, fmt.Errorf("ptrace INTERRUPT stub thread %d: %w", t.tid, e)
	}
	if _, e := wait4Into(t.tid, &t.status, 0); e != 0 {
		return nil, fmt.Errorf("wait4 stub thread %d after INTERRUPT: %w", t.tid, e)
	}
	if ws := t.status; !ws.Stopped() {
		return nil, fmt.Errorf("stub thread %d (stub %d) %s", t.tid, as.pid, describeStatus(ws))
	}
	if free {
		// The first Context in runs the queued Maps (for later
		// ones the queue is closed and this returns at once).
		if err := as.runPending(t); err != nil {
			t.exit()
			return nil, err
		}
	}
	if err := as.register(t); err != nil {
		t.reap()
		return nil, err
	}
	return t, nil
}

// sweep reaps this Context's threads in released address spaces. Until a
// killed thread is reaped by its tracer, the stub's leader cannot vanish.
func (c *Context) sweep() {
	live := c.threads[:0]
	for _, t := range c.threads {
		if t.as.released.Load() {
			t.reap()
			c.forgetThread(t)
			continue
		}
		live = append(live, t)
	}
	clear(c.threads[len(live):])
	c.threads = live
}

func (c *Context) forgetThread(t *stubThread) {
	if c.cur == t {
		c.cur = nil
	}
	if c.fpThread == t {
		c.fpOwner, c.fpThread = nil, nil
	}
}

// Release implements platform.Context.Release. Each stub thread is parked
// for the next Context to enter its address space (see park), or leaves
// it with an injected exit(2), which ends only that thread; the address
// spaces live on for their other users.
func (c *Context) Release() {
	if c.released {
		return
	}
	c.released = true
	for _, t := range c.threads {
		t.as.unregister(t)
		switch {
		case t.as.released.Load():
			t.reap()
		case !t.park():
			t.exit()
		}
		c.forgetThread(t)
	}
	c.threads = nil
	if c.cpu >= 0 {
		unix.SchedSetaffinity(0, &c.oldMask)
	}
	c.p.unpin(c.cpu)
}

// park hands the stopped thread t back to its address space's free list
// (addressSpace.free) without waiting for it: it points t at the stub's
// pause(2) loop and detaches from it. No round trip is needed, and the
// exiting task's parent, waiting for its exit status, is not kept waiting
// for the thread's end either. If a stop of t was a pending fault signal,
// detaching with signal 0 discards it; a system-call stop of
// PTRACE_SYSEMU skips the call as at any resume. false: t is not parked
// (the list is full, or a request failed) and still ours.
func (t *stubThread) park() bool {
	if !t.as.reserveFree() {
		return false
	}
	t.regs = injectRegs(stubCodeAddr+offWait, unix.SYS_PAUSE, [6]uintptr{})
	if e := ptraceSetRegsFrom(t.tid, &t.regs); e == 0 {
		if e := ptraceRequest(ptraceDetach, t.tid, 0, 0); e == 0 {
			t.as.putFree(t.tid)
			return true
		}
	}
	t.as.putFree(0)
	return false
}
