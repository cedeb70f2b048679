/* A program for the skeleton personality: no libc, its own syscall
 * numbers (1 write, 2 exit, 3 getpid), and the ELF note that tells runos
 * which personality it wants. Built by skeleton_test.go with
 * gcc -nostdlib -static. */

/* The note: vendor "runos", type 1, descriptor "skeleton". It must be a
 * SHT_NOTE section so that the linker puts it in a PT_NOTE segment. */
__asm__(
	".section .note.runos,\"a\",@note\n"
	".p2align 2\n"
	".long 6\n"            /* namesz: "runos\0" */
	".long 9\n"            /* descsz: "skeleton\0" */
	".long 1\n"            /* type */
	".asciz \"runos\"\n.p2align 2\n"
	".asciz \"skeleton\"\n.p2align 2\n"
	".text\n");

static long sys(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static void put(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	sys(1, 1, (long)s, n);
}

void _start(void)
{
	put("hello from the skeleton personality\n");
	long pid = sys(3, 0, 0, 0);
	put(pid == 1 ? "getpid: 1\n" : "getpid: not 1\n");
	/* Number 60 is Linux's exit; here it is unknown and must fail. */
	put(sys(60, 0, 0, 0) == -1 ? "60: -1\n" : "60: not -1\n");
	sys(2, 42, 0, 0);
	for (;;)
		;
}
