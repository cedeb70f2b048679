// Package arch describes the machine that guest programs run on: x86-64.
//
// It owns the register file of a task (general registers, segment bases and
// the FPU/SSE/AVX state) and the page-size constants every layer of the
// kernel shares. It knows nothing of any ABI: which register carries a
// syscall number is a personality's business, not this package's.
package arch

// PageSize is the size of a page on x86-64.
const (
	PageShift = 12
	PageSize  = 1 << PageShift
	PageMask  = PageSize - 1
)

// PageRoundDown rounds addr down to a page boundary.
func PageRoundDown(addr uintptr) uintptr { return addr &^ PageMask }

// PageRoundUp rounds addr up to a page boundary. ok is false when the
// result would overflow the address space.
func PageRoundUp(addr uintptr) (rounded uintptr, ok bool) {
	r := (addr + PageMask) &^ PageMask
	return r, r >= addr
}

// Registers is the general-purpose register file of a task. Its layout is
// that of Linux's struct user_regs_struct (see <sys/user.h>), which is also
// what PTRACE_GETREGS returns, so a platform may copy it as one block.
type Registers struct {
	R15, R14, R13, R12 uint64
	Rbp, Rbx           uint64
	R11, R10, R9, R8   uint64
	Rax, Rcx, Rdx      uint64
	Rsi, Rdi           uint64
	OrigRax            uint64 // the syscall number as the trap saw it
	Rip                uint64
	Cs                 uint64
	Eflags             uint64
	Rsp                uint64
	Ss                 uint64
	FsBase, GsBase     uint64 // thread-pointer bases (arch_prctl)
	Ds, Es, Fs, Gs     uint64
}

// User-mode segment selectors on x86-64 Linux-like hosts; a fresh task
// starts with these and a platform may refuse any other value.
const (
	UserCS = 0x33
	UserSS = 0x2b
)

// Initial flags: IF set, reserved bit 1 set.
const InitialEflags = 0x202

// FPState is the extended processor state (x87, SSE, AVX, ...) in the XSAVE
// layout (Intel SDM vol. 1, chapter 13). Its first 512 bytes are the legacy
// FXSAVE area; the XSAVE header follows at offset 512.
type FPState struct {
	// Bytes holds the XSAVE image; len(Bytes) == XSaveSize().
	Bytes []byte
}

// NewFPState returns the state of a freshly started task: x87 control
// word 0x37f, MXCSR 0x1f80, everything else zero.
func NewFPState() FPState {
	fp := FPState{Bytes: make([]byte, XSaveSize())}
	fp.Reset()
	return fp
}

// Reset puts fp back to the power-on state that execve gives a program.
func (fp *FPState) Reset() {
	clear(fp.Bytes)
	b := fp.Bytes
	b[0], b[1] = 0x7f, 0x03 // FCW = 0x037f
	// MXCSR at offset 24, MXCSR_MASK at 28.
	b[24], b[25] = 0x80, 0x1f
	b[28], b[29] = 0xff, 0xff
	// XSTATE_BV at offset 512: x87 and SSE in use, in their init state.
	if len(b) > 520 {
		b[512] = 0x3
	}
}

// Clone returns a deep copy of fp.
func (fp *FPState) Clone() FPState {
	return FPState{Bytes: append([]byte(nil), fp.Bytes...)}
}

// State is everything a platform needs to run a task: its registers and its
// FPU state.
//
// The FPU state is handled lazily, because moving it costs two extra host
// system calls on every trap: after a Switch, FP may be stale (the live copy
// is in the platform's execution vehicle). Code that reads FP first calls
// Context.PullFP; code that changes FP sets FPDirty so the next Switch loads
// it.
type State struct {
	Regs    Registers
	FP      FPState
	FPDirty bool
}
