package ptrace

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// The stub is a host process whose only job is to own an address space for
// the guest. It is a tiny static ELF executable, built here byte by byte, with
// one page of code at a fixed high address. Everything else the host kernel
// puts into a fresh process (stack, vDSO, vvar) is unmapped right after exec,
// so the whole range [0, stubCodeAddr) is free for guest mappings.
//
// Why 0x7fffffe00000: it is 2 MiB below the top of the 47-bit user address
// space (0x7ffffffff000, TASK_SIZE on 4-level paging). The stub is started
// with ASLR disabled for it (personality(2) ADDR_NO_RANDOMIZE), so the host
// kernel places its stack in the last pages below 0x7ffffffff000 and its
// vDSO below the mmap base, far lower; neither can overlap the code page.
// The guest loses only the top 2 MiB of the usual 128 TiB.
const (
	// stubCodeAddr is the address of the stub's only page. It is also
	// the platform's MaxUserAddress: the guest owns everything below.
	stubCodeAddr = 0x7fffffe00000

	// hostUserTop is the end of the host's default user address space
	// (47 bits). The stub unmaps everything in [stubCodeAddr+page,
	// hostUserTop) after exec.
	hostUserTop = 0x7ffffffff000
)

// Offsets of the instruction sequences in the stub's code page.
const (
	// offSyscallTrap: "syscall; int3". Injecting a system call sets rip
	// here and resumes the thread; the int3 stops it again with SIGTRAP
	// right after the call, with the result in rax.
	offSyscallTrap    = 0x00
	offSyscallTrapEnd = 0x03

	// offCloneTrap: "syscall; test rax,rax; jz wait; int3; wait: pause;
	// jmp wait". Used to inject clone(CLONE_THREAD): both the parent and
	// the new thread leave the syscall here. The parent (rax = child tid,
	// or an errno) stops at the int3 like any injection; the child
	// (rax = 0) sleeps in pause(2), touching no memory, until its future
	// tracer seizes and interrupts it. It must not spin: it inherits the
	// leader's CPU (pin.go), and a spinning new thread, which the host
	// scheduler likes to run first, kept the leader from reaching its
	// int3 for a whole time slice (up to 3 ms per fork). PTRACE_INTERRUPT
	// ends the pause with a PTRACE_EVENT_STOP; the call is not restarted
	// because every injection loads orig_rax = -1 (inject.go).
	offCloneTrap    = 0x10
	offCloneTrapEnd = 0x18 // after the parent's int3
	// offWait: the child's "wait: pause; jmp wait" above, where
	// Context.Release also parks a stub thread it detaches from.
	offWait = 0x18

	// offEntry is the ELF entry point: a lone int3. The stub never runs
	// it under our control (the tracer sets rip before every resume);
	// were the stub ever to run on its own it would die of SIGTRAP
	// instead of doing anything.
	offEntry = 0x30

	offBatch    = 0x40
	offBatchEnd = 0x72 // after the int3
)

// stubCode is the content of the code page (the rest is zero).
var stubCode = func() []byte {
	code := make([]byte, offBatchEnd)
	copy(code[offSyscallTrap:], []byte{
		0x0f, 0x05, // syscall
		0xcc, // int3
	})
	copy(code[offCloneTrap:], []byte{
		0x0f, 0x05, // syscall
		0x48, 0x85, 0xc0, // test rax, rax
		0x74, 0x01, // jz +1 (over the int3)
		0xcc,                         // int3            (parent)
		0xb8, 0x22, 0x00, 0x00, 0x00, // wait: mov eax, 34 (pause, child)
		0x0f, 0x05, //                   syscall
		0xeb, 0xf7, //                   jmp wait
	})
	code[offEntry] = 0xcc // int3
	// The batch loop (batch.go): r12 entries of 8 words at rbx, each
	// {nr, 6 arguments, expected result}; stop at the first call that
	// returns anything else, or after the last.
	copy(code[offBatch:], []byte{
		0x4d, 0x85, 0xe4, //       loop: test r12, r12
		0x74, 0x2c, //                   jz done
		0x48, 0x8b, 0x03, //             mov rax, [rbx]
		0x48, 0x8b, 0x7b, 0x08, //       mov rdi, [rbx+8]
		0x48, 0x8b, 0x73, 0x10, //       mov rsi, [rbx+16]
		0x48, 0x8b, 0x53, 0x18, //       mov rdx, [rbx+24]
		0x4c, 0x8b, 0x53, 0x20, //       mov r10, [rbx+32]
		0x4c, 0x8b, 0x43, 0x28, //       mov r8, [rbx+40]
		0x4c, 0x8b, 0x4b, 0x30, //       mov r9, [rbx+48]
		0x0f, 0x05, //                   syscall
		0x48, 0x3b, 0x43, 0x38, //       cmp rax, [rbx+56]
		0x75, 0x09, //                   jne done
		0x48, 0x83, 0xc3, 0x40, //       add rbx, 64
		0x49, 0xff, 0xcc, //             dec r12
		0xeb, 0xcf, //                   jmp loop
		0xcc, //                   done: int3
	})
	return code
}()

// stubELF returns the stub executable: an ELF header, a PT_LOAD program
// header mapping one read+execute page at stubCodeAddr, and a PT_GNU_STACK
// header asking for a non-executable stack (so the host never applies
// READ_IMPLIES_EXEC to the stub's later mmaps). The code sits in the second
// page of the file so that the mapped page holds nothing but code.
func stubELF() []byte {
	const (
		ehdrSize = 64
		phdrSize = 56
		codeOff  = 0x1000
	)
	hdr := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Entry:     stubCodeAddr + offEntry,
		Phoff:     ehdrSize,
		Ehsize:    ehdrSize,
		Phentsize: phdrSize,
		Phnum:     2,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	hdr.Ident[elf.EI_OSABI] = byte(elf.ELFOSABI_NONE)

	load := elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Off:    codeOff,
		Vaddr:  stubCodeAddr,
		Paddr:  stubCodeAddr,
		Filesz: uint64(len(stubCode)),
		Memsz:  pageSize,
		Align:  pageSize,
	}
	stack := elf.Prog64{
		Type:  uint32(elf.PT_GNU_STACK),
		Flags: uint32(elf.PF_R | elf.PF_W),
		Align: 16,
	}

	var b bytes.Buffer
	// Writes to a bytes.Buffer cannot fail.
	_ = binary.Write(&b, binary.LittleEndian, &hdr)
	_ = binary.Write(&b, binary.LittleEndian, &load)
	_ = binary.Write(&b, binary.LittleEndian, &stack)
	b.Write(make([]byte, codeOff-b.Len()))
	b.Write(stubCode)
	return b.Bytes()
}
