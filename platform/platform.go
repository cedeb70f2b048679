// Package platform defines how the kernel runs guest instructions: the
// Platform, Context and AddressSpace interfaces that every mechanism
// (platform/ptrace, platform/kvm) implements.
//
// A platform knows registers, address spaces and the memory file. It knows
// nothing of what a system call means: it runs a task's registers until the
// guest traps, and reports the trap as an Event in the vocabulary of the
// x86-64 hardware (a syscall instruction, or an exception vector).
package platform

import "github.com/runos-project/runos/kernel/arch"

// Platform is one mechanism for running guest code.
type Platform interface {
	// Name is the name used by --platform ("ptrace", "kvm").
	Name() string

	// NewAddressSpace creates an empty guest address space.
	NewAddressSpace() (AddressSpace, error)

	// NewContext creates the execution vehicle for one task. It and every
	// method of the Context it returns (except Interrupt) must be called
	// from the same goroutine, locked to its OS thread
	// (runtime.LockOSThread) for the Context's whole life.
	NewContext() (Context, error)

	// MaxUserAddress is the first address the guest may not use: the top
	// of the address space a platform leaves to guest mappings.
	MaxUserAddress() uintptr

	// Close tears down every host resource the platform holds.
	Close()
}

// Context borrows a host execution vehicle (a ptrace stub thread, a KVM
// vCPU) to run one task at a time.
type Context interface {
	// Switch loads st into the vehicle, runs guest code in as until it
	// traps, saves the registers back into st.Regs and returns the trap.
	// If st.FPDirty is set the FPU state is loaded first (and FPDirty
	// cleared); after Switch returns, st.FP is stale until PullFP.
	Switch(as AddressSpace, st *arch.State) (Event, error)

	// PullFP copies the live FPU state of the task last run by Switch into
	// st.FP.
	PullFP(st *arch.State) error

	// Interrupt makes a running Switch return EventInterrupt promptly. If
	// no Switch is running, the next Switch returns EventInterrupt at
	// once. It may be called from any goroutine.
	Interrupt()

	// Release frees the vehicle.
	Release()
}

// AddressSpace mirrors the mm's page mappings into the mechanism: virtual
// page ranges backed by ranges of the memory file.
type AddressSpace interface {
	// Map makes [addr, addr+length) refer to the memory file at
	// fileOffset with the given permissions, replacing whatever was
	// there. addr, length and fileOffset are page aligned.
	Map(addr, length uintptr, fileOffset uint64, perms Perms) error

	// Unmap removes any mapping in [addr, addr+length).
	Unmap(addr, length uintptr) error

	// Release destroys the address space.
	Release()
}

// Perms are page permissions.
type Perms struct {
	Read, Write, Exec bool
}

// Any reports whether any access is allowed.
func (p Perms) Any() bool { return p.Read || p.Write || p.Exec }

// String renders p as in /proc/pid/maps ("rwx", "r--").
func (p Perms) String() string {
	b := []byte("---")
	if p.Read {
		b[0] = 'r'
	}
	if p.Write {
		b[1] = 'w'
	}
	if p.Exec {
		b[2] = 'x'
	}
	return string(b)
}

// EventKind says why Switch returned.
type EventKind int

const (
	// EventSyscall: the guest executed a system-call instruction. The
	// registers are as the instruction left them (Rip after it).
	EventSyscall EventKind = iota
	// EventFault: the guest raised a processor exception; see Event.Vector.
	EventFault
	// EventInterrupt: Interrupt was called, or the host preempted the
	// guest. Nothing happened to the guest; the kernel may just resume it.
	EventInterrupt
)

func (k EventKind) String() string {
	switch k {
	case EventSyscall:
		return "syscall"
	case EventFault:
		return "fault"
	case EventInterrupt:
		return "interrupt"
	}
	return "unknown"
}

// x86-64 exception vectors (Intel SDM vol. 3A, table 6-1).
const (
	VectorDivideError = 0  // #DE
	VectorDebug       = 1  // #DB
	VectorBreakpoint  = 3  // #BP
	VectorInvalidOp   = 6  // #UD
	VectorDeviceNA    = 7  // #NM
	VectorGeneralProt = 13 // #GP
	VectorPageFault   = 14 // #PF
	VectorX87         = 16 // #MF
	VectorAlignment   = 17 // #AC
	VectorSIMD        = 19 // #XM
)

// Event is one trap out of the guest.
type Event struct {
	Kind EventKind

	// For EventFault: the exception vector.
	Vector int

	// For page faults: the faulting address, whether the page was present
	// (a protection violation rather than a missing mapping), and the
	// access if the mechanism knows it. ptrace cannot tell a read from a
	// write; KVM can (from the error code).
	Addr         uintptr
	Present      bool
	AccessKnown  bool
	Write, Fetch bool

	// HostCode is the mechanism's own detail (ptrace: the host si_code),
	// for debugging output only.
	HostCode int
}
