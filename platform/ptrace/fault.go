package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
)

// si_code values (see sigaction(2), "The si_code field").
const (
	siKernel   = 0x80 // SI_KERNEL: sent by the kernel, no finer reason
	segvAccErr = 2    // SEGV_ACCERR: invalid permissions for mapped object
	segvPKUErr = 4    // SEGV_PKUERR: blocked by a protection key
	busAdrAln  = 1    // BUS_ADRALN: invalid address alignment
	fpeIntDiv  = 1    // FPE_INTDIV: integer divide by zero
	fpeIntOvf  = 2    // FPE_INTOVF: integer overflow
)

// faultEvent translates the signal the host kernel raised for a guest
// exception back into the exception, in the vocabulary of the x86-64
// hardware. ok is false for signals that are not exceptions (an Interrupt,
// a stray kill): those become EventInterrupt.
//
// Only signals the host kernel raised itself (si_code > 0) are exceptions.
// The translation follows how Linux turns exceptions into signals
// (arch/x86/kernel/traps.c, arch/x86/mm/fault.c):
//
//	#PF (14)  SIGSEGV with SEGV_MAPERR (no mapping) or SEGV_ACCERR/PKUERR
//	          (mapping present, access not allowed). The error code, and so
//	          read/write/fetch, is lost: AccessKnown is false.
//	#GP (13)  SIGSEGV with SI_KERNEL (privileged or non-canonical access,
//	          "int n" for most n, hlt, ...). Addr is 0.
//	SIGBUS    a mapping past the end of the memory file (BUS_ADRERR) is
//	          reported as a #PF on a present page; BUS_ADRALN is #AC (17).
//	#UD (6)   SIGILL.
//	#DE (0)   SIGFPE with FPE_INTDIV/FPE_INTOVF. Other SIGFPE codes are
//	          floating-point exceptions; ptrace cannot tell an x87 #MF (16)
//	          from an SSE #XM (19), and we report #XM (19), the usual one
//	          in x86-64 code.
//	#BP (3)   SIGTRAP with SI_KERNEL (int3; Rip is after the int3, as with
//	          the hardware trap). Any other SIGTRAP (single step, debug
//	          register hit) is #DB (1).
func faultEvent(sig unix.Signal, si *siginfo) (ev platform.Event, ok bool) {
	if si.Code <= 0 {
		// SI_USER, SI_TKILL, SI_QUEUE: someone sent the signal with
		// kill(2) and friends; it is no exception of the guest.
		return platform.Event{Kind: platform.EventInterrupt, HostCode: int(si.Code)}, false
	}
	ev = platform.Event{Kind: platform.EventFault, HostCode: int(si.Code)}
	switch sig {
	case unix.SIGSEGV:
		if si.Code == siKernel {
			ev.Vector = platform.VectorGeneralProt
			return ev, true
		}
		ev.Vector = platform.VectorPageFault
		ev.Addr = uintptr(si.Addr)
		ev.Present = si.Code == segvAccErr || si.Code == segvPKUErr
	case unix.SIGBUS:
		if si.Code == busAdrAln {
			ev.Vector = platform.VectorAlignment
			ev.Addr = uintptr(si.Addr)
			return ev, true
		}
		ev.Vector = platform.VectorPageFault
		ev.Addr = uintptr(si.Addr)
		ev.Present = true
	case unix.SIGILL:
		ev.Vector = platform.VectorInvalidOp
	case unix.SIGFPE:
		if si.Code == fpeIntDiv || si.Code == fpeIntOvf {
			ev.Vector = platform.VectorDivideError
		} else {
			ev.Vector = platform.VectorSIMD
		}
	case unix.SIGTRAP:
		if si.Code == siKernel {
			ev.Vector = platform.VectorBreakpoint
		} else {
			ev.Vector = platform.VectorDebug
		}
	default:
		return platform.Event{Kind: platform.EventInterrupt, HostCode: int(si.Code)}, false
	}
	return ev, true
}
