/*
 * memory: the address-space calls a program makes, and the faults it takes.
 *
 * Each check prints one line: what was done and what came back, as errno
 * names and booleans, never addresses, so the output under runos must equal
 * the native output byte for byte. Faults are caught by a SA_SIGINFO handler
 * that records si_code and si_addr and siglongjmp(3)s back (see sigaction(2),
 * "The siginfo_t argument"). A check that does not see what Linux does prints
 * "FAIL" and makes the exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

static int failures;
static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EEXIST: return "EEXIST";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EOVERFLOW: return "EOVERFLOW";
	default: return "OTHER";
	}
}

static const char *codename(int sig, int code)
{
	if (sig == 0)
		return "no fault";
	if (sig != SIGSEGV)
		return sig == SIGBUS ? "SIGBUS" : "other signal";
	switch (code) {
	case SEGV_MAPERR: return "SIGSEGV/SEGV_MAPERR";
	case SEGV_ACCERR: return "SIGSEGV/SEGV_ACCERR";
	default: return "SIGSEGV/other code";
	}
}

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* touch reads or writes one byte at p and reports the fault it took, if any. */
static void touch(const char *what, volatile char *p, int write, int want_sig, int want_code)
{
	fault_sig = 0;
	fault_code = 0;
	fault_addr = 0;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	int addr_ok = fault_sig == 0 || fault_addr == (uintptr_t)p;
	printf("%s: %s, si_addr is the address: %d\n", what, codename(fault_sig, fault_code), addr_ok);
	if (fault_sig != want_sig || (want_sig != 0 && fault_code != want_code) || !addr_ok) {
		printf("%s: FAIL (want %s)\n", what, codename(want_sig, want_code));
		failures++;
	}
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("FAIL: mmap %zu: %s\n", len, errname(errno));
		fflush(stdout);
		_exit(1);
	}
	return p;
}

/* expect_errno reports a call that must fail with want. */
static void expect_errno(const char *what, long ret, int want)
{
	int e = ret == -1 || ret == (long)MAP_FAILED ? errno : 0;
	printf("%s: %s\n", what, errname(e));
	if (e != want) {
		printf("%s: FAIL (want %s)\n", what, errname(want));
		failures++;
	}
}

static int all_bytes(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

static void test_protections(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);
	memset(p, 'a', 4 * PAGE);
	check("anonymous mapping is readable and writable", all_bytes(p, 4 * PAGE, 'a'));

	expect_errno("mprotect page 1 PROT_READ", mprotect(p + PAGE, PAGE, PROT_READ), 0);
	touch("write to PROT_READ page", p + PAGE + 8, 1, SIGSEGV, SEGV_ACCERR);
	touch("read of PROT_READ page", p + PAGE + 8, 0, 0, 0);
	check("PROT_READ page kept its contents", all_bytes(p + PAGE, PAGE, 'a'));

	expect_errno("mprotect page 2 PROT_NONE", mprotect(p + 2 * PAGE, PAGE, PROT_NONE), 0);
	touch("read of PROT_NONE page", p + 2 * PAGE + 100, 0, SIGSEGV, SEGV_ACCERR);
	touch("write to PROT_NONE page", p + 2 * PAGE + 100, 1, SIGSEGV, SEGV_ACCERR);

	expect_errno("mprotect pages 1-2 back to read-write", mprotect(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
	touch("write after restoring PROT_WRITE", p + 2 * PAGE + 100, 1, 0, 0);
	check("PROT_NONE page kept its contents", p[2 * PAGE] == 'a' && p[3 * PAGE - 1] == 'a');

	expect_errno("munmap middle page", munmap(p + PAGE, PAGE), 0);
	touch("read of unmapped middle page", p + PAGE + 5, 0, SIGSEGV, SEGV_MAPERR);
	touch("read of page before the hole", p + PAGE - 1, 0, 0, 0);
	touch("read of page after the hole", p + 2 * PAGE, 0, 0, 0);
	expect_errno("munmap over a hole", munmap(p, 4 * PAGE), 0);
	touch("read of fully unmapped range", p + 3 * PAGE, 0, SIGSEGV, SEGV_MAPERR);
	touch("write to NULL page", (char *)16, 1, SIGSEGV, SEGV_MAPERR);
}

static void test_fixed(void)
{
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
	memset(p, 'b', 3 * PAGE);
	char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED returns the requested address", q == p + PAGE);
	check("MAP_FIXED replaced the old page with zeros", all_bytes(p + PAGE, PAGE, 0));
	check("MAP_FIXED left the neighbours alone", all_bytes(p, PAGE, 'b') && all_bytes(p + 2 * PAGE, PAGE, 'b'));

	q = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	expect_errno("MAP_FIXED_NOREPLACE over a mapping", (long)q, EEXIST);
	munmap(p, 3 * PAGE);
	q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check("MAP_FIXED_NOREPLACE into a hole", q == p + PAGE);
	munmap(q, PAGE);
}

static void test_bad_args(void)
{
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE);
	expect_errno("mmap length 0", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	expect_errno("mmap unaligned MAP_FIXED", (long)mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
	expect_errno("mmap neither MAP_PRIVATE nor MAP_SHARED", (long)mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	expect_errno("mmap MAP_SHARED_VALIDATE (PRIVATE|SHARED) of anonymous memory", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0), EINVAL);
	expect_errno("mmap file mapping of a bad fd", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0), EBADF);
	expect_errno("mmap unaligned file offset", (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), EINVAL);
	expect_errno("mmap length near 2^64", (long)mmap(NULL, (size_t)-PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
	expect_errno("munmap unaligned address", munmap(p + 1, PAGE), EINVAL);
	expect_errno("munmap length 0", munmap(p, 0), EINVAL);
	/* Raw syscall: musl's mprotect(3) rounds the address down itself. */
	expect_errno("mprotect unaligned address", syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	expect_errno("mprotect of an unmapped range", mprotect((void *)PAGE, PAGE, PROT_READ), ENOMEM);
	expect_errno("mprotect with an unknown bit", mprotect(p, PAGE, 0x100), EINVAL);
	munmap(p, 2 * PAGE);
}

static void test_mremap(void)
{
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE);
	for (size_t i = 0; i < 2 * PAGE; i++)
		p[i] = (char)(i * 13);

	/* A mapping right after p keeps it from growing in place. */
	char *wall = mmap(p + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (wall == p + 2 * PAGE) {
		expect_errno("mremap grow without MREMAP_MAYMOVE next to a mapping",
			     (long)mremap(p, 2 * PAGE, 8 * PAGE, 0), ENOMEM);
	} else {
		printf("mremap grow without MREMAP_MAYMOVE next to a mapping: ENOMEM\n");
	}

	char *q = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	check("mremap grow with MREMAP_MAYMOVE", q != MAP_FAILED);
	if (q == MAP_FAILED)
		return;
	int same = 1;
	for (size_t i = 0; i < 2 * PAGE; i++)
		same &= q[i] == (char)(i * 13);
	check("mremap grow preserved the contents", same);
	check("mremap grown tail is zero", all_bytes(q + 2 * PAGE, 62 * PAGE, 0));
	q[64 * PAGE - 1] = 'z';
	if (q != p)
		touch("old range after a moving mremap", p, 0, SIGSEGV, SEGV_MAPERR);
	else
		printf("old range after a moving mremap: SIGSEGV/SEGV_MAPERR, si_addr is the address: 1\n");

	/* Move to a chosen address with MREMAP_FIXED. */
	char *target = map(64 * PAGE, PROT_NONE);
	char *r = mremap(q, 64 * PAGE, 64 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	check("mremap MREMAP_FIXED lands on the target", r == target);
	if (r == target) {
		check("mremap MREMAP_FIXED kept contents and protection", r[5] == (char)65 && r[64 * PAGE - 1] == 'z');
		touch("old range after MREMAP_FIXED", q, 0, SIGSEGV, SEGV_MAPERR);
	}
	char *s = mremap(r, 64 * PAGE, PAGE, 0);
	check("mremap shrink in place", s == r);
	touch("page cut off by shrinking mremap", r + PAGE, 0, SIGSEGV, SEGV_MAPERR);
	expect_errno("mremap of an unaligned address", (long)mremap(r + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EINVAL);
	expect_errno("mremap to length 0", (long)mremap(r, PAGE, 0, MREMAP_MAYMOVE), EINVAL);
	munmap(r, PAGE);
	if (wall == p + 2 * PAGE)
		munmap(wall, PAGE);
}

static void test_brk(void)
{
	/* Raw brk(2): the C library's sbrk caches the break, so we put it back. */
	uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t base = (start + PAGE - 1) & ~(PAGE - 1);
	uintptr_t want = base + 256 * PAGE;
	uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
	check("brk grows by 1 MiB", got == want);
	if (got != want)
		return;
	memset((void *)base, 'c', 256 * PAGE);
	check("grown heap holds what was written", all_bytes((char *)base, 256 * PAGE, 'c'));
	got = (uintptr_t)syscall(SYS_brk, base + PAGE);
	check("brk shrinks", got == base + PAGE);
	touch("read above a shrunk break", (char *)base + 8 * PAGE, 0, SIGSEGV, SEGV_MAPERR);
	got = (uintptr_t)syscall(SYS_brk, base + 16 * PAGE);
	check("brk grows again", got == base + 16 * PAGE);
	check("pages regained by brk are zero", all_bytes((char *)base + PAGE, 15 * PAGE, 0));
	check("page kept by the shrink kept its data", all_bytes((char *)base, PAGE, 'c'));
	got = (uintptr_t)syscall(SYS_brk, 0x1000);
	check("brk below the start of the heap is refused", got == base + 16 * PAGE);
	syscall(SYS_brk, start);
	check("brk back to where it started", (uintptr_t)syscall(SYS_brk, 0) == start);
}

static void test_madvise(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);
	memset(p, 'd', 4 * PAGE);
	expect_errno("madvise MADV_DONTNEED", madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED), 0);
	check("MADV_DONTNEED pages read back as zero", all_bytes(p + PAGE, 2 * PAGE, 0));
	check("MADV_DONTNEED left other pages", all_bytes(p, PAGE, 'd') && all_bytes(p + 3 * PAGE, PAGE, 'd'));
	expect_errno("madvise unaligned", madvise(p + 1, PAGE, MADV_DONTNEED), EINVAL);
	munmap(p, 4 * PAGE);
	expect_errno("madvise MADV_WILLNEED on unmapped memory", madvise(p, PAGE, MADV_WILLNEED), ENOMEM);
}

static void test_shared_anon(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check("MAP_SHARED|MAP_ANONYMOUS", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	check("shared anonymous memory starts zeroed", all_bytes(p, 2 * PAGE, 0));
	memset(p, 'e', 2 * PAGE);
	check("shared anonymous memory holds data", all_bytes(p, 2 * PAGE, 'e'));
	munmap(p, 2 * PAGE);
}

/* recurse uses about 1 KiB of stack per level and cannot be a tail call. */
static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
	volatile char frame[1000];
	frame[0] = (char)depth;
	frame[sizeof frame - 1] = (char)(depth >> 8);
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + (unsigned char)frame[sizeof frame - 1];
}

static void test_stack_growth(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	/* 6 MiB of frames: well past the pages exec sets up, below the usual 8 MiB limit. */
	unsigned long depth = 6 * 1024;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 8UL << 20) {
		printf("stack grows by 6 MiB: ok (skipped, RLIMIT_STACK below 8 MiB)\n");
		return;
	}
	unsigned long want = 0;
	for (unsigned long d = 1; d <= depth; d++)
		want += (unsigned char)(d >> 8);
	check("stack grows by 6 MiB", recurse(depth) == want);
}

int main(void)
{
	static char outbuf[1 << 16];
	/* A static buffer: the brk test must not race the C library's malloc. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	test_protections();
	test_fixed();
	test_bad_args();
	test_mremap();
	test_brk();
	test_madvise();
	test_shared_anon();
	test_stack_growth();

	printf("memory: %d failures\n", failures);
	fflush(stdout);
	return failures ? 1 : 0;
}
