/*
 * hello: the first program every runos change must keep running.
 *
 * It prints what a process receives from exec(2) -- argv, the environment
 * entries named RUNOS_TEST_*, and the auxiliary vector (see getauxval(3) and
 * the System V x86-64 psABI, section "Process Initialization") -- as values
 * that do not change from one run to the next: booleans and constants, never
 * addresses. A check that fails prints "FAIL" and makes the exit status 1.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern char _start[];
extern char **environ;

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

int main(int argc, char **argv)
{
	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]: %s\n", i, argv[i]);
	check("argv[argc] is NULL", argv[argc] == NULL);

	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "RUNOS_TEST_", 11) == 0)
			printf("env: %s\n", *e);

	printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
	check("AT_PAGESZ equals sysconf(_SC_PAGESIZE)",
	      getauxval(AT_PAGESZ) == (unsigned long)sysconf(_SC_PAGESIZE));

	unsigned long phnum = getauxval(AT_PHNUM);
	const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	check("AT_PHNUM > 0", phnum > 0);
	check("AT_PHENT is sizeof(Elf64_Phdr)", getauxval(AT_PHENT) == sizeof(ElfW(Phdr)));
	int loads = 0, self = 0;
	if (phdr != NULL) {
		for (unsigned long i = 0; i < phnum; i++) {
			if (phdr[i].p_type == PT_LOAD)
				loads++;
			/* PT_PHDR, when present, names the table itself. */
			if (phdr[i].p_type == PT_PHDR)
				self = 1;
		}
	}
	check("AT_PHDR table has a PT_LOAD", loads > 0);
	printf("AT_PHDR has PT_PHDR: %d\n", self);

	check("AT_ENTRY is _start", getauxval(AT_ENTRY) == (unsigned long)_start);

	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	unsigned int sum = 0;
	if (rnd != NULL)
		for (int i = 0; i < 16; i++)
			sum += rnd[i]; /* faults if the 16 bytes are not readable */
	check("AT_RANDOM points at 16 readable bytes", rnd != NULL);

	const char *execfn = (const char *)getauxval(AT_EXECFN);
	check("AT_EXECFN is a non-empty string", execfn != NULL && execfn[0] != '\0');
	printf("AT_EXECFN equals argv[0]: %d\n", execfn != NULL && strcmp(execfn, argv[0]) == 0);

	check("AT_UID is getuid()", getauxval(AT_UID) == getuid());
	check("AT_EUID is geteuid()", getauxval(AT_EUID) == geteuid());
	check("AT_GID is getgid()", getauxval(AT_GID) == getgid());
	check("AT_EGID is getegid()", getauxval(AT_EGID) == getegid());
	printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
	printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	printf("AT_PLATFORM: %s\n", platform ? platform : "(none)");
	check("AT_HWCAP != 0", getauxval(AT_HWCAP) != 0);
	check("AT_MINSIGSTKSZ > 0", getauxval(AT_MINSIGSTKSZ) > 0);

	printf("hello, world\n");
	return failures ? 1 : 0;
}
