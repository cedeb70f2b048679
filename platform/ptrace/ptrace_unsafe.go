package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
)

// The raw ptrace(2) and wait4(2) calls of the platform. They take
// preallocated buffers and return a bare unix.Errno, so that the Switch path
// allocates nothing; callers wrap the errno with context.
//
// Requests that never block (GETREGS, SETREGS, ...) use RawSyscall6, which
// skips the Go scheduler's enter/exit bookkeeping; wait4 blocks and must use
// Syscall6 so the runtime can hand this thread's P to other goroutines.

// Requests and constants that golang.org/x/sys/unix does not name for amd64
// (see ptrace(2) and <linux/ptrace.h>).
const (
	ptraceGetRegs     = unix.PTRACE_GETREGS
	ptraceSetRegs     = unix.PTRACE_SETREGS
	ptraceGetRegset   = unix.PTRACE_GETREGSET
	ptraceSetRegset   = unix.PTRACE_SETREGSET
	ptraceGetSiginfo  = unix.PTRACE_GETSIGINFO
	ptraceCont        = unix.PTRACE_CONT
	ptraceSysemu      = unix.PTRACE_SYSEMU
	ptraceSetOptions  = unix.PTRACE_SETOPTIONS
	ptraceSeize       = unix.PTRACE_SEIZE
	ptraceInterrupt   = unix.PTRACE_INTERRUPT
	ptraceDetach      = unix.PTRACE_DETACH
	ntX86XState       = unix.NT_X86_XSTATE
	waitAll           = unix.WALL
	stubPtraceOptions = unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESYSGOOD
)

// siginfo is the head of the kernel's 128-byte siginfo_t (see
// sigaction(2)): for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP the first
// union member is si_addr.
type siginfo struct {
	Signo int32
	Errno int32
	Code  int32
	_     int32
	Addr  uint64
	_     [104]byte
}

func ptraceRequest(req, tid int, addr, data uintptr) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	return e
}

func ptraceGetRegsInto(tid int, regs *arch.Registers) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptraceGetRegs, uintptr(tid), 0, uintptr(unsafe.Pointer(regs)), 0, 0)
	return e
}

func ptraceSetRegsFrom(tid int, regs *arch.Registers) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptraceSetRegs, uintptr(tid), 0, uintptr(unsafe.Pointer(regs)), 0, 0)
	return e
}

func ptraceGetSiginfoInto(tid int, si *siginfo) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, ptraceGetSiginfo, uintptr(tid), 0, uintptr(unsafe.Pointer(si)), 0, 0)
	return e
}

// ptraceXState reads (get) or writes (!get) the XSAVE image of tid through
// PTRACE_GETREGSET/SETREGSET NT_X86_XSTATE; iov is caller-owned scratch.
func ptraceXState(tid int, get bool, buf []byte, iov *unix.Iovec) unix.Errno {
	if len(buf) == 0 {
		return unix.EINVAL
	}
	iov.Base = &buf[0]
	iov.SetLen(len(buf))
	req := uintptr(ptraceSetRegset)
	if get {
		req = ptraceGetRegset
	}
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, req, uintptr(tid), ntX86XState, uintptr(unsafe.Pointer(iov)), 0, 0)
	iov.Base = nil
	return e
}

// wait4Into waits for tid (a thread we trace: __WALL is needed for threads
// that are not our children) and stores its status in *status.
func wait4Into(tid int, status *unix.WaitStatus, options int) (int, unix.Errno) {
	for {
		r, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(tid), uintptr(unsafe.Pointer(status)), uintptr(options|waitAll), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		return int(r), e
	}
}
