package kvm

import "encoding/binary"

// The guest's kernel half: a few pages mapped supervisor-only at the same
// virtual address in every address space (PML4 slot 511), holding the
// ring-0 trampoline, the IDT, and per-vCPU GDT, TSS and interrupt stack.
//
// The trampoline never does any work of its own. Every way into ring 0 (a
// syscall instruction, any exception) leads to a two-instruction stub:
// "out PORT, al" exits to the host, whose port tells which entry it was,
// and "iretq" returns to ring 3 from a frame the host has written at the
// top of the vCPU's interrupt stack. On PVM ring-0 instructions are
// emulated one by one, so fewer is faster.
const (
	kernelBase = 0xffff_ff80_0000_0000 // PML4 slot 511, PDPT 0, PD 0

	codeVA = kernelBase          // the trampoline's code page
	idtVA  = kernelBase + 0x1000 // the IDT
	// vCPU i's GDT and TSS page, then its interrupt stack page.
	vcpuVA0 = kernelBase + 0x2000

	maxVCPUs = 250 // per-vCPU pages fill the kernel half's one page table

	// Offsets in the code page.
	offIretq   = 0x00 // the first entry into ring 3, and resumes after an interrupt
	offSyscall = 0x10 // LSTAR
	offVectors = 0x20 // 4 bytes per exception vector 0..31
	vectorStub = 4
	numVectors = 32

	// I/O ports of the "out" exits: an exception's vector, or portSyscall.
	portSyscall = 0x40
)

// vcpuGDTVA and vcpuStackTop are the virtual addresses of vCPU i's GDT (the
// TSS follows in the same page) and the top of its interrupt stack.
func vcpuGDTVA(i int) uint64    { return vcpuVA0 + uint64(i)*0x2000 }
func vcpuTSSVA(i int) uint64    { return vcpuGDTVA(i) + tssOffset }
func vcpuStackTop(i int) uint64 { return vcpuGDTVA(i) + 0x2000 }

// stubAddr is where the trampoline entry for exception vector v starts.
func stubAddr(v int) uint64 { return codeVA + offVectors + uint64(v)*vectorStub }

// trampolineCode returns the code page. Everything that is not an entry is
// int3, which in ring 0 raises #BP and so exits as an error, never runs on.
func trampolineCode() []byte {
	code := make([]byte, pageSize)
	for i := range code {
		code[i] = 0xcc // int3
	}
	put := func(off int, b ...byte) { copy(code[off:], b) }

	// First entry (and resume after an interrupted run): the host has
	// written rip, cs, rflags, rsp, ss at the top of the interrupt stack
	// and pointed rsp at them.
	put(offIretq,
		0x48, 0xcf) // iretq: pop rip, cs, rflags, rsp, ss; enter ring 3

	// syscall: the CPU put the user rip in rcx and rflags in r11 and
	// loaded cs/ss from STAR; rsp is still the user's.
	put(offSyscall,
		0xe6, portSyscall, // out 0x40, al: exit to the host; al is not changed
		0x48, 0xcf) // iretq: from the frame the host wrote, rsp pointing at it

	// Exceptions: the CPU switched to the IST1 stack and pushed ss, rsp,
	// rflags, cs, rip (and for some vectors an error code) below its top.
	for v := range numVectors {
		put(offVectors+v*vectorStub,
			0xe6, byte(v), // out v, al: exit; the host reads the pushed frame
			0x48, 0xcf) // iretq: from the frame the host rewrote
	}
	return code
}

// Segment selectors. The user ones are Linux's, so that arch.UserCS and
// arch.UserSS hold; STAR's layout (Intel SDM vol. 2B, SYSCALL/SYSRET)
// forces user32 CS, user DS, user CS64 to be consecutive.
const (
	kernelCS = 0x10
	kernelSS = 0x18
	user32CS = 0x23
	userSS   = 0x2b
	userCS   = 0x33
	tssSel   = 0x40

	tssOffset = 0x100 // the TSS's offset in the GDT page
	tssLimit  = 0x67
)

// gdt returns the GDT for a vCPU whose TSS is at tssVA.
func gdt(tssVA uint64) []uint64 {
	g := make([]uint64, 10)
	g[kernelCS/8] = 0x00af9b000000ffff // 64-bit code, DPL 0
	g[kernelSS/8] = 0x00cf93000000ffff // data, DPL 0
	g[user32CS/8] = 0x00cffb000000ffff // 32-bit code, DPL 3 (unused)
	g[userSS/8] = 0x00cff3000000ffff   // data, DPL 3
	g[userCS/8] = 0x00affb000000ffff   // 64-bit code, DPL 3
	// The 16-byte TSS descriptor: limit, base, type 0xb (busy 64-bit
	// TSS, as loading TR leaves it), present.
	g[tssSel/8] = tssLimit | (tssVA&0xffffff)<<16 | 0x8b<<40 | (tssVA>>24&0xff)<<56
	g[tssSel/8+1] = tssVA >> 32
	return g
}

// tss returns a 64-bit TSS whose RSP0 and IST1 are stackTop.
func tss(stackTop uint64) []byte {
	t := make([]byte, tssLimit+1)
	binary.LittleEndian.PutUint64(t[4:], stackTop)     // RSP0
	binary.LittleEndian.PutUint64(t[36:], stackTop)    // IST1
	binary.LittleEndian.PutUint16(t[102:], tssLimit+1) // no I/O bitmap
	return t
}

// idt returns the IDT: interrupt gates on IST1 for the 32 exception
// vectors. #BP and #OF may be raised from ring 3 (int3, into), so their
// gates have DPL 3; an "int n" from ring 3 at any other gate is a #GP, as
// on Linux.
func idt() []uint64 {
	t := make([]uint64, 2*numVectors)
	for v := range numVectors {
		off := stubAddr(v)
		dpl := uint64(0)
		if v == 3 || v == 4 {
			dpl = 3
		}
		attr := 0x8e | dpl<<5 // present, 64-bit interrupt gate
		t[2*v] = off&0xffff | kernelCS<<16 | 1<<32 /* IST1 */ | attr<<40 | (off>>16&0xffff)<<48
		t[2*v+1] = off >> 32
	}
	return t
}

// Model-specific registers for syscall (Intel SDM vol. 4).
const (
	msrSTAR   = 0xc0000081
	msrLSTAR  = 0xc0000082
	msrCSTAR  = 0xc0000083
	msrSFMASK = 0xc0000084

	// STAR: syscall loads cs = kernelCS, ss = kernelCS+8; sysret (never
	// used) would load cs = user32CS+16, ss = user32CS+8.
	starValue = uint64(user32CS)<<48 | uint64(kernelCS)<<32
	// SFMASK: syscall clears TF, IF, DF, AC and NT (as Linux does), so
	// the trampoline runs without single-stepping.
	sfmaskValue = 0x100 | 0x200 | 0x400 | 0x40000 | 0x4000
)
