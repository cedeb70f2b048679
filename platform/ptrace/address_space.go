package ptrace

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
)

// errReleased is returned for work asked of a released address space.
var errReleased = errors.New("ptrace: address space released")

// addressSpace is a guest address space: one stub process, whose mappings
// (made by injected mmap calls) are the guest's page mappings.
//
// Its primary goroutine, locked to an OS thread, started the stub and
// traces its leader thread. It serves the requests that cannot be injected
// by the caller's own thread: Map/Unmap from a thread that traces no thread
// of this stub, and the clone that gives a new Context its stub thread.
type addressSpace struct {
	p   *Platform
	pid int // the stub process (its leader's tid)

	reqs     chan request
	quit     chan struct{} // closed by Release
	released atomic.Bool

	// threads maps a runos host thread (tid) to the stub thread it
	// traces here. Read on every Map; written when a Context enters or
	// leaves this address space.
	mu      sync.RWMutex
	threads map[int]*stubThread

	// Until the first Context enters (entered), Map and Unmap from other
	// threads are not handed to the primary one by one but queued in
	// pending, under mu; the primary runs the queue before the clone that
	// lets the first Context in. A fork maps every page of the child
	// (and exec every page the loader fills) from the parent's thread,
	// before the child runs: one hand-off for them all instead of one per
	// page, each of which costs a few wake-ups of locked threads across
	// CPUs (100-300 µs on a busy 2-CPU host; see docs/platform-ptrace.md).
	entered bool
	pending []queuedCall

	// free are stub threads that no one traces, sleeping in pause(2)
	// (stub_elf.go, offWait), for the next Contexts to enter: such a
	// Context seizes one instead of asking the primary goroutine to
	// clone a thread, a hand-off whose wake-ups across CPUs cost more
	// than the work (several hundred microseconds on a busy host). The
	// primary clones one as soon as the stub has started, for the
	// first Context (the child's first Switch after fork, the first
	// after exec), which also runs the pending queue itself; a Context
	// leaving the address space parks its thread here (Context.Release).
	// At most maxFree, with parking: the threads on their way in. Under
	// mu.
	free    []int
	parking int

	// runMu serializes the runs of the pending queue (runPending), so
	// that its calls keep their order whoever runs them.
	runMu sync.Mutex

	// tables are the address space's own batch tables (batch.go),
	// mapped in its stub only.
	tables tableGroup
}

// queuedCall is a system call waiting in addressSpace.pending.
type queuedCall struct {
	nr   uintptr
	args [6]uintptr
}

// request is work for the primary goroutine.
type request struct {
	clone bool // create a stub thread (nr and args unused)
	nr    uintptr
	args  [6]uintptr
	reply chan response
}

type response struct {
	r   uintptr
	err error
}

// cloneFlags make the new stub thread share everything with the leader,
// as a thread of the same process (see clone(2)).
const cloneFlags = unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND |
	unix.CLONE_THREAD | unix.CLONE_SYSVSEM

func newAddressSpace(p *Platform) (*addressSpace, error) {
	as := &addressSpace{
		p:       p,
		reqs:    make(chan request),
		quit:    make(chan struct{}),
		threads: make(map[int]*stubThread),
	}
	as.tables.g = p.tables.alloc()
	ready := make(chan error, 1)
	go as.primary(ready)
	if err := <-ready; err != nil {
		// The stub is dead or never started: no batch runs.
		as.tables.close(p.tables)
		return nil, err
	}
	return as, nil
}

// primary is the body of the primary goroutine. It never unlocks its
// thread: when it returns, Go retires the thread, which as the tracer and
// parent of the stub would in any case take the stub with it
// (PTRACE_O_EXITKILL, PR_SET_PDEATHSIG).
func (as *addressSpace) primary(ready chan<- error) {
	runtime.LockOSThread()
	if as.p.opts.PinCPUs {
		// Keep the primary and the leader (which inherits the
		// affinity through fork) on one CPU, like a Context and its
		// stub threads.
		cpu := as.p.takeCPU()
		defer as.p.unpin(cpu)
		if err := pinThread(0, cpu); err != nil {
			ready <- err
			return
		}
	}
	leader, err := startStub(as.p, as)
	if err != nil {
		ready <- err
		return
	}
	as.pid = leader.tid
	if tid, err := leader.injectAt(stubCodeAddr+offCloneTrap, stubCodeAddr+offCloneTrapEnd,
		unix.SYS_CLONE, [6]uintptr{cloneFlags}); err == nil {
		as.free = append(as.free, int(tid))
	}
	ready <- nil

	for {
		select {
		case req := <-as.reqs:
			var resp response
			if req.clone {
				resp.err = as.runPending(leader)
				if resp.err == nil {
					resp.r, resp.err = leader.injectAt(stubCodeAddr+offCloneTrap, stubCodeAddr+offCloneTrapEnd,
						unix.SYS_CLONE, [6]uintptr{cloneFlags})
				}
			} else {
				resp.r, resp.err = leader.injectSyscall(req.nr, req.args)
			}
			req.reply <- resp
		case <-as.quit:
			// Release already sent SIGKILL; collect the leader. Its
			// other threads are reaped by their own tracers (see
			// Context.sweep).
			leader.reap()
			return
		}
	}
}

// runPending runs the queued Map and Unmap calls, in order, on t (the
// leader, from the primary goroutine, or the first Context's thread), and
// ends the queueing: from now on a Context may be in the address space,
// and it must find every mapping made. The queue stays open while it runs,
// so that no Map made meanwhile can overtake the queued ones: entered is
// set only once the queue is found empty.
func (as *addressSpace) runPending(t *stubThread) error {
	as.runMu.Lock()
	defer as.runMu.Unlock()
	for {
		as.mu.Lock()
		q := as.pending
		as.pending = nil
		if len(q) == 0 {
			as.entered = true
		}
		as.mu.Unlock()
		if len(q) == 0 {
			return nil
		}
		if err := t.runCalls(q); err != nil {
			as.mu.Lock()
			as.entered = true
			as.mu.Unlock()
			return fmt.Errorf("stub %d: queued Map or Unmap: %w", as.pid, err)
		}
	}
}

// maxFree bounds addressSpace.free: a program that starts and ends many
// threads keeps a few host threads sleeping in its stub, not one per
// thread it ever had.
const maxFree = 4

// takeFree returns a free stub thread (see free), or 0 if there is none.
func (as *addressSpace) takeFree() int {
	as.mu.Lock()
	defer as.mu.Unlock()
	n := len(as.free)
	if n == 0 {
		return 0
	}
	tid := as.free[n-1]
	as.free = as.free[:n-1]
	return tid
}

// reserveFree makes room in free for one thread about to be parked,
// unless free is full or the address space is released. The caller then
// calls putFree, with the tid once it is parked, 0 if parking failed.
func (as *addressSpace) reserveFree() bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	if len(as.free)+as.parking >= maxFree || as.released.Load() {
		return false
	}
	as.parking++
	return true
}

func (as *addressSpace) putFree(tid int) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.parking--
	if tid != 0 {
		as.free = append(as.free, tid)
	}
}

// queue puts a Map or Unmap from a thread without a stub thread here in
// the pending queue, if no Context has entered yet. Its failure, unlikely
// for an mmap of the memory file into a range the mm has checked, then
// shows as the error of the first Context's Switch.
func (as *addressSpace) queue(nr uintptr, args [6]uintptr) bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.entered {
		return false
	}
	as.pending = append(as.pending, queuedCall{nr: nr, args: args})
	return true
}

// ask has the primary goroutine inject a system call (or a clone).
func (as *addressSpace) ask(req request) (uintptr, error) {
	req.reply = make(chan response, 1)
	select {
	case as.reqs <- req:
	case <-as.quit:
		return 0, errReleased
	}
	resp := <-req.reply
	return resp.r, resp.err
}

// inject runs system call nr in the stub. The fast path, taken on every
// page fault, is the calling thread's own stub thread: ptrace requests are
// only accepted from a tracee's tracer, so any other caller must go
// through the primary goroutine.
func (as *addressSpace) inject(nr uintptr, args [6]uintptr) (uintptr, error) {
	if as.released.Load() {
		return 0, errReleased
	}
	tid := unix.Gettid()
	as.mu.RLock()
	t := as.threads[tid]
	as.mu.RUnlock()
	if t != nil {
		if t.batching {
			if nr == unix.SYS_MMAP || nr == unix.SYS_MUNMAP {
				t.deferred = append(t.deferred, queuedCall{nr: nr, args: args})
				return expectedResult(queuedCall{nr: nr, args: args}), nil
			}
			if err := t.flushDeferred(); err != nil {
				return 0, err
			}
		}
		return t.injectSyscall(nr, args)
	}
	if (nr == unix.SYS_MMAP || nr == unix.SYS_MUNMAP) && as.queue(nr, args) {
		// What the call returns when it succeeds (see queue).
		if nr == unix.SYS_MMAP {
			return args[0], nil
		}
		return 0, nil
	}
	return as.ask(request{nr: nr, args: args})
}

// BeginMapBatch and EndMapBatch bracket a group of Maps and Unmaps made by
// the calling thread, such as the few a page fault makes (the page, and
// the runs of fault-around whose memory-file pages are not contiguous:
// three is common). If the caller's thread traces a stub thread here (the
// fast path of inject), they are only recorded, and EndMapBatch runs them
// as one batch: one round trip instead of one each. Otherwise the calls go
// their usual way. The caller must hold whatever lock makes the group
// atomic (the mm's) until EndMapBatch returns, since until then the stub
// does not have the mappings it was told it has.
func (as *addressSpace) BeginMapBatch() {
	if t := as.ownThread(); t != nil {
		t.batching = true
	}
}

// EndMapBatch runs the calls recorded since BeginMapBatch. An error is that
// of the first call that failed; those before it took effect, those after
// it did not.
func (as *addressSpace) EndMapBatch() error {
	t := as.ownThread()
	if t == nil || !t.batching {
		return nil
	}
	t.batching = false
	if as.released.Load() {
		t.deferred = t.deferred[:0]
		return errReleased
	}
	if err := t.flushDeferred(); err != nil {
		return fmt.Errorf("ptrace: stub %d: %w", as.pid, err)
	}
	return nil
}

// ownThread returns the stub thread that the calling thread traces here,
// or nil.
func (as *addressSpace) ownThread() *stubThread {
	tid := unix.Gettid()
	as.mu.RLock()
	t := as.threads[tid]
	as.mu.RUnlock()
	return t
}

// flushDeferred runs the calls deferred by a Map batch, in order.
func (t *stubThread) flushDeferred() error {
	if len(t.deferred) == 0 {
		return nil
	}
	err := t.runCalls(t.deferred)
	clear(t.deferred)
	t.deferred = t.deferred[:0]
	return err
}

// checkRange rejects ranges that are unaligned, empty, or reach into the
// stub's reserved top of the address space.
func checkRange(addr, length uintptr) error {
	end := addr + length
	switch {
	case addr&pageMask != 0 || length&pageMask != 0:
		return fmt.Errorf("ptrace: range %#x+%#x is not page aligned", addr, length)
	case length == 0 || end < addr:
		return fmt.Errorf("ptrace: bad range %#x+%#x", addr, length)
	case end > stubCodeAddr:
		return fmt.Errorf("ptrace: range %#x-%#x reaches past MaxUserAddress %#x", addr, end, uintptr(stubCodeAddr))
	}
	return nil
}

func protOf(perms platform.Perms) uintptr {
	var prot uintptr
	if perms.Read {
		prot |= unix.PROT_READ
	}
	if perms.Write {
		prot |= unix.PROT_WRITE
	}
	if perms.Exec {
		prot |= unix.PROT_EXEC
	}
	return prot
}

// Map implements platform.AddressSpace.Map with an injected
// mmap(addr, length, prot, MAP_SHARED|MAP_FIXED, memfd, fileOffset).
func (as *addressSpace) Map(addr, length uintptr, fileOffset uint64, perms platform.Perms) error {
	if err := checkRange(addr, length); err != nil {
		return err
	}
	if fileOffset&pageMask != 0 {
		return fmt.Errorf("ptrace: map %#x: file offset %#x is not page aligned", addr, fileOffset)
	}
	r, err := as.inject(unix.SYS_MMAP, [6]uintptr{addr, length, protOf(perms),
		unix.MAP_SHARED | unix.MAP_FIXED, stubMemFD, uintptr(fileOffset)})
	if err != nil {
		return fmt.Errorf("ptrace: stub %d: mmap %#x-%#x %v at memory file offset %#x: %w",
			as.pid, addr, addr+length, perms, fileOffset, err)
	}
	if r != addr {
		return fmt.Errorf("ptrace: stub %d: mmap %#x-%#x returned %#x", as.pid, addr, addr+length, r)
	}
	return nil
}

// Unmap implements platform.AddressSpace.Unmap with an injected munmap.
func (as *addressSpace) Unmap(addr, length uintptr) error {
	if err := checkRange(addr, length); err != nil {
		return err
	}
	if _, err := as.inject(unix.SYS_MUNMAP, [6]uintptr{addr, length}); err != nil {
		return fmt.Errorf("ptrace: stub %d: munmap %#x-%#x: %w", as.pid, addr, addr+length, err)
	}
	return nil
}

// Release kills the stub process. Contexts that still have a thread in it
// reap that thread the next time they enter a new address space, or when
// they are released.
func (as *addressSpace) Release() {
	if !as.released.CompareAndSwap(false, true) {
		return
	}
	unix.Kill(as.pid, unix.SIGKILL)
	close(as.quit)
	// The tables go back once a batch that may still run ends (its
	// stub thread is dying).
	as.tables.close(as.p.tables)
	as.p.forget(as)
}

// register records that host thread t.tracer traces t, for Map's fast path.
func (as *addressSpace) register(t *stubThread) error {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.released.Load() {
		return errReleased
	}
	as.threads[t.tracer] = t
	return nil
}

func (as *addressSpace) unregister(t *stubThread) {
	as.mu.Lock()
	if as.threads[t.tracer] == t {
		delete(as.threads, t.tracer)
	}
	as.mu.Unlock()
}
