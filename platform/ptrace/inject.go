package ptrace

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
)

// A stubThread is one host thread of a stub process, traced by exactly one
// host thread of runos (ptrace requests are accepted only from the tracing
// thread; see ptrace(2), "Attaching and detaching"). Each address space has
// a leader, traced by the address space's primary goroutine, and one more
// thread per Context that has run in it, traced by that Context's thread.
//
// Every field except the immutable ones is touched only by the tracer.
type stubThread struct {
	as     *addressSpace
	tid    int
	tracer int      // host tid of the tracing runos thread
	ctx    *Context // the Context owning this thread; nil for the leader

	// Scratch for injections, so that they allocate nothing.
	regs   arch.Registers
	status unix.WaitStatus

	// Between BeginMapBatch and EndMapBatch (address_space.go), the
	// Maps and Unmaps its tracer asks for wait in deferred, to run as
	// one batch. Only the tracer touches them.
	batching bool
	deferred []queuedCall
}

// injectRegs is the register file used for every injected system call:
// user segments, interrupts on, and no trap flag (a guest that was
// single-stepping must not single-step our code).
func injectRegs(rip, nr uintptr, args [6]uintptr) arch.Registers {
	return arch.Registers{
		Rip: uint64(rip), Rax: uint64(nr),
		Rdi: uint64(args[0]), Rsi: uint64(args[1]), Rdx: uint64(args[2]),
		R10: uint64(args[3]), R8: uint64(args[4]), R9: uint64(args[5]),
		// orig_rax = -1 tells the host that the thread is not inside a
		// system call, so it never applies syscall-restart logic to the
		// values we load (see the "restart" paths of signal delivery).
		OrigRax: ^uint64(0),
		Cs:      arch.UserCS,
		Ss:      arch.UserSS,
		Eflags:  arch.InitialEflags,
	}
}

// injectSyscall makes the stub thread execute system call nr with args and
// returns its result. The caller must be t's tracer and t must be stopped.
// The thread's registers are clobbered: whoever runs guest code on it next
// loads a full register file anyway.
//
// An injection is: load registers with rip at "syscall; int3", PTRACE_CONT,
// and wait for the SIGTRAP of the int3.
func (t *stubThread) injectSyscall(nr uintptr, args [6]uintptr) (uintptr, error) {
	return t.injectAt(stubCodeAddr+offSyscallTrap, stubCodeAddr+offSyscallTrapEnd, nr, args)
}

// injectAt injects system call nr at rip and expects the thread to stop at the
// int3 ending at stopRip.
func (t *stubThread) injectAt(rip, stopRip, nr uintptr, args [6]uintptr) (uintptr, error) {
	t.regs = injectRegs(rip, nr, args)
	if err := t.runInjected(stopRip, nr); err != nil {
		return 0, err
	}
	r := uintptr(t.regs.Rax)
	if r > ^uintptr(4095) { // -4095..-1: an errno (see syscall(2), "Return value")
		return r, unix.Errno(-r)
	}
	return r, nil
}

// runInjected runs the thread from the registers in t.regs until it stops
// at the int3 ending at stopRip, and reads its registers back into t.regs.
// nr names the work in errors.
func (t *stubThread) runInjected(stopRip, nr uintptr) error {
	if e := ptraceSetRegsFrom(t.tid, &t.regs); e != 0 {
		return fmt.Errorf("ptrace SETREGS stub thread %d (inject syscall %d): %w", t.tid, nr, e)
	}
	for {
		if e := ptraceRequest(ptraceCont, t.tid, 0, 0); e != 0 {
			return fmt.Errorf("ptrace CONT stub thread %d (inject syscall %d): %w", t.tid, nr, e)
		}
		if _, e := wait4Into(t.tid, &t.status, 0); e != 0 {
			return fmt.Errorf("wait4 stub thread %d (inject syscall %d): %w", t.tid, nr, e)
		}
		ws := t.status
		switch {
		case ws.Exited() || ws.Signaled():
			return fmt.Errorf("stub thread %d died during injected syscall %d: %s", t.tid, nr, describeStatus(ws))
		case !ws.Stopped():
			return fmt.Errorf("stub thread %d: unexpected wait status %#x during injected syscall %d", t.tid, uint32(ws), nr)
		}
		sig, event := stopSignal(ws), stopEvent(ws)
		if sig == unix.SIGTRAP && event == 0 {
			// The int3 after the syscall: done.
			break
		}
		if sig == interruptSignal || event == unix.PTRACE_EVENT_STOP {
			// An Interrupt (or a stray stop) landed while we were
			// injecting. Swallow it here, but make sure the next
			// Switch still reports it; the syscall itself is
			// restarted or not yet started, so just resume.
			if t.ctx != nil {
				t.ctx.noteInterrupt()
			}
			continue
		}
		return fmt.Errorf("stub thread %d: signal %v during injected syscall %d", t.tid, sig, nr)
	}
	if e := ptraceGetRegsInto(t.tid, &t.regs); e != 0 {
		return fmt.Errorf("ptrace GETREGS stub thread %d (inject syscall %d): %w", t.tid, nr, e)
	}
	if t.regs.Rip != uint64(stopRip) {
		return fmt.Errorf("stub thread %d: injected syscall %d stopped at %#x, not after the stub's int3 (%#x)", t.tid, nr, t.regs.Rip, stopRip)
	}
	return nil
}

// exit makes the stub thread call exit(2) (which ends only this thread)
// and reaps it. It is how a Context leaves an address space without
// killing it: with PTRACE_O_EXITKILL, merely exiting the tracer would
// SIGKILL the stub thread, and SIGKILL ends the whole stub process.
func (t *stubThread) exit() error {
	t.regs = injectRegs(stubCodeAddr+offSyscallTrap, unix.SYS_EXIT, [6]uintptr{})
	if e := ptraceSetRegsFrom(t.tid, &t.regs); e == 0 {
		if e := ptraceRequest(ptraceCont, t.tid, 0, 0); e != 0 && e != unix.ESRCH {
			return fmt.Errorf("ptrace CONT stub thread %d (exit): %w", t.tid, e)
		}
	} else if e != unix.ESRCH {
		return fmt.Errorf("ptrace SETREGS stub thread %d (exit): %w", t.tid, e)
	}
	return t.reap()
}

// reap waits until the (dying) thread is gone. Stops on the way (an
// interrupt signal still queued) are resumed.
func (t *stubThread) reap() error {
	for {
		_, e := wait4Into(t.tid, &t.status, 0)
		switch {
		case e == unix.ECHILD:
			return nil
		case e != 0:
			return fmt.Errorf("wait4 stub thread %d (reap): %w", t.tid, e)
		case t.status.Exited() || t.status.Signaled():
			return nil
		case t.status.Stopped():
			// Let it proceed to its exit; ESRCH means it is already
			// on its way.
			ptraceRequest(ptraceCont, t.tid, 0, 0)
		}
	}
}

// stopSignal is the signal of a ptrace stop: SIGTRAP|0x80 for a system-call
// stop under PTRACE_O_TRACESYSGOOD (see ptrace(2), "Syscall-stops").
func stopSignal(ws unix.WaitStatus) unix.Signal { return unix.Signal(ws>>8) & 0xff }

// stopEvent is the PTRACE_EVENT_* of a ptrace stop, 0 for none.
func stopEvent(ws unix.WaitStatus) int { return int(ws>>16) & 0xff }

func describeStatus(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Sprintf("killed by %v", ws.Signal())
	case ws.Stopped():
		return fmt.Sprintf("stopped by %v", ws.StopSignal())
	}
	return fmt.Sprintf("status %#x", uint32(ws))
}
