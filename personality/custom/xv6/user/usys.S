/* System call stubs and program entry for runos's xv6 personality.
 *
 * The ABI: the syscall instruction, the number in rax, arguments in
 * rdi, rsi, rdx, r10, r8, r9, the result in rax (-1 on error). The C
 * calling convention passes the fourth argument in rcx, which syscall
 * overwrites, hence the move to r10. */

/* The note that makes runos pick the xv6 personality: vendor "runos",
 * type 1, descriptor "xv6". A SHT_NOTE section ends up in a PT_NOTE
 * segment. */
	.section .note.runos, "a", @note
	.p2align 2
	.long 6          /* namesz: "runos\0" */
	.long 4          /* descsz: "xv6\0" */
	.long 1          /* type */
	.asciz "runos"
	.p2align 2
	.asciz "xv6"
	.p2align 2

	.text

/* _start: the kernel left argc at (%rsp), then argv[]. Call
 * main(argc, argv), then exit(0), as xv6's user start does. */
	.globl _start
_start:
	xorl %ebp, %ebp
	movq (%rsp), %rdi
	leaq 8(%rsp), %rsi
	andq $-16, %rsp
	call main
	xorl %edi, %edi
	call exit
	hlt

#define STUB(name, nr) \
	.globl name; \
	.type name, @function; \
name: \
	movl $nr, %eax; \
	movq %rcx, %r10; \
	syscall; \
	ret

STUB(fork, 1)
STUB(exit, 2)
STUB(wait, 3)
STUB(pipe, 4)
STUB(read, 5)
STUB(kill, 6)
STUB(exec, 7)
STUB(fstat, 8)
STUB(chdir, 9)
STUB(dup, 10)
STUB(getpid, 11)
STUB(sbrk, 12)
STUB(sleep, 13)
STUB(uptime, 14)
STUB(open, 15)
STUB(write, 16)
STUB(mknod, 17)
STUB(unlink, 18)
STUB(link, 19)
STUB(mkdir, 20)
STUB(close, 21)

	.section .note.GNU-stack, "", @progbits
