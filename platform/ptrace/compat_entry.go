package ptrace

import (
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// userCS64 is the selector of the 64-bit user code segment
// (__USER_CS in arch/x86/include/asm/segment.h).
const userCS64 = 0x33

// compatEntry reports whether a system-call stop came through one of the
// host's 32-bit entries (int $0x80, sysenter, or syscall from a 32-bit
// code segment) rather than the 64-bit syscall instruction.
//
// PTRACE_SYSEMU stops at every entry and skips the call, so nothing ever
// runs natively; but the registers then hold an i386 system call (number
// in eax, arguments in ebx, ecx, edx, esi, edi, ebp), and serving them as
// an x86-64 call would run a different call than the program asked for.
//
// The 64-bit syscall instruction itself writes the return address into
// rcx and the flags into r11 (Intel SDM vol. 2B, SYSCALL), and the host
// saves both unchanged, so a stop where they differ from rip and eflags
// came through another entry. A program can make them equal before an
// int $0x80 on purpose, but then the registers are exactly those a
// syscall instruction would have given: runos serves the same call the
// program could have made directly, so nothing is gained by the trick.
func compatEntry(r *arch.Registers) bool {
	return r.Cs != userCS64 || r.Rcx != r.Rip || r.R11 != r.Eflags
}

// compatFault turns a 32-bit system-call stop into the exception Linux
// raises when it runs without ia32 emulation (the ia32_emulation=0 boot
// option, kernel-parameters.txt): the int $0x80 gate is absent, so the
// instruction faults with #GP and the program gets SIGSEGV (SI_KERNEL)
// with rip at the instruction. runos has no i386 ABI to serve it with.
// All three entries are two-byte instructions (cd 80, 0f 34, 0f 05). The
// host kept only eax, zero-extended, as the call number (orig_rax).
func compatFault(r *arch.Registers) platform.Event {
	r.Rax = r.OrigRax
	r.Rip -= 2
	return platform.Event{Kind: platform.EventFault, Vector: platform.VectorGeneralProt}
}
