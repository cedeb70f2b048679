/*
 * mmapfile: file mappings that share the file's pages. Separate mmaps of
 * one file, read(2)/write(2), a forked child's mapping, MAP_PRIVATE copy on
 * write, ftruncate and SIGBUS beyond end of file, msync(2) and mincore(2)
 * with their errors, and a memfd.
 *
 *   usage: mmapfile CHECK    (shared private fork truncate msync mincore
 *                             memfd)
 *
 * Files live in /tmp (tmpfs under runos, whatever the host has natively:
 * the checks only use what every Linux file system does). It prints
 * booleans only, so the output is the same natively and under runos; it
 * exits 1 when a check fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static long pg;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

/* tmpfile makes a file of n pages, page i filled with 'a'+i. */
static int tmpfile_pages(int n)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/runos-mmapfile-%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		exit(2);
	}
	unlink(path);
	char *buf = malloc(pg);
	for (int i = 0; i < n; i++) {
		memset(buf, 'a' + i, pg);
		if (pwrite(fd, buf, pg, (off_t)i * pg) != pg) {
			perror("pwrite");
			exit(2);
		}
	}
	free(buf);
	return fd;
}

static char byte_at(int fd, off_t off)
{
	char c = 0;
	if (pread(fd, &c, 1, off) != 1)
		return 0;
	return c;
}

static char *map(int fd, int pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * pg, prot, flags, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void shared_check(void)
{
	int fd = tmpfile_pages(2);
	char *a = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *b = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	a[5] = 'X';
	check("second mmap sees the store", b[5] == 'X');
	check("read(2) sees the store", byte_at(fd, 5) == 'X');
	pwrite(fd, "Y", 1, pg + 7);
	check("mapping sees write(2)", a[pg + 7] == 'Y' && b[pg + 7] == 'Y');
	check("msync MS_SYNC 0", msync(a, 2 * pg, MS_SYNC) == 0);
	munmap(a, 2 * pg);
	check("store kept after munmap", b[5] == 'X' && byte_at(fd, 5) == 'X');
	munmap(b, 2 * pg);
	char *c = map(fd, 1, PROT_READ, MAP_SHARED);
	check("new mapping after the last munmap sees the data", c[5] == 'X' && c[6] == 'a');
	munmap(c, pg);

	/* A read-only descriptor: no writable shared mapping, ever. */
	char path[64];
	snprintf(path, sizeof path, "/tmp/runos-mmapfile-ro-%d", (int)getpid());
	int w = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(w, "hello", 5);
	int ro = open(path, O_RDONLY);
	unlink(path);
	check("shared PROT_WRITE on O_RDONLY EACCES",
	      mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	char *r = map(ro, 1, PROT_READ, MAP_SHARED);
	check("mprotect PROT_WRITE EACCES", mprotect(r, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	pwrite(w, "J", 1, 0);
	check("read-only mapping sees write(2)", r[0] == 'J');
	char *pr = map(ro, 1, PROT_READ, MAP_PRIVATE);
	check("private mapping may become writable", mprotect(pr, pg, PROT_READ | PROT_WRITE) == 0);
	close(w);
	close(ro);
	close(fd);
}

static void private_check(void)
{
	int fd = tmpfile_pages(2);
	char *p = map(fd, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	check("private reads the file", p[0] == 'a' && p[pg] == 'b');
	pwrite(fd, "B", 1, 0);
	check("private sees write(2) before its first store", p[0] == 'B');
	p[1] = 'P';
	check("private store invisible to read(2)", byte_at(fd, 1) == 'a');
	pwrite(fd, "C", 1, 0);
	check("private copy keeps its contents", p[0] == 'B' && p[1] == 'P');
	char *s = map(fd, 2, PROT_READ, MAP_SHARED);
	check("private store invisible to a shared mapping", s[1] == 'a' && s[0] == 'C');
	pwrite(fd, "D", 1, pg);
	check("untouched private page still follows the file", p[pg] == 'D');
	close(fd);
}

static void fork_check(void)
{
	int fd = tmpfile_pages(2);
	char *a = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	pid_t pid = fork();
	if (pid == 0) {
		a[10] = 'K';
		/* A mapping of the child's own, from a separate mmap call. */
		char *c = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
		c[pg + 3] = 'L';
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	check("child exited", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check("parent read(2) sees the child's store", byte_at(fd, 10) == 'K');
	check("parent read(2) sees the child's own mmap", byte_at(fd, pg + 3) == 'L');
	check("parent mapping sees both", a[10] == 'K' && a[pg + 3] == 'L');

	char *p = map(fd, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pid = fork();
	if (pid == 0) {
		p[0] = 'Q';
		_exit(byte_at(fd, 0) == 'a' ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check("child's private store stays its own", WIFEXITED(st) && WEXITSTATUS(st) == 0 && p[0] == 'a');
	close(fd);
}

static sigjmp_buf jb;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	bus_code = si->si_code;
	siglongjmp(jb, 1);
}

/* faults reports whether reading (or writing) *p raises SIGBUS. */
static int bus_on(volatile char *p, int write)
{
	bus_code = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return 0;
	}
	return 1;
}

static void truncate_check(void)
{
	struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
	sigaction(SIGBUS, &sa, NULL);
	int fd = tmpfile_pages(3);
	char *s = map(fd, 3, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *p = map(fd, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	check("all pages readable", s[2 * pg] == 'c' && p[2 * pg] == 'c');
	p[2 * pg] = 'z';
	check("ftruncate shrink", ftruncate(fd, pg + 100) == 0);
	check("shared page beyond EOF SIGBUS", bus_on(s + 2 * pg, 0));
	check("si_code BUS_ADRERR", bus_code == BUS_ADRERR);
	check("private copy beyond EOF SIGBUS", bus_on(p + 2 * pg, 0));
	check("store beyond EOF SIGBUS", bus_on(s + 2 * pg + 5, 1));
	check("page holding EOF readable", !bus_on(s + pg + 99, 0) && s[pg + 99] == 'b');
	check("tail of the last page zero", s[pg + 100] == 0 && s[2 * pg - 1] == 0);
	check("ftruncate grow", ftruncate(fd, 3 * pg) == 0);
	check("regrown page reads zero", !bus_on(s + 2 * pg, 0) && s[2 * pg] == 0);
	check("regrown tail reads zero via read(2)", byte_at(fd, pg + 100) == 0);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGBUS, &sa, NULL);
	close(fd);
}

static void msync_check(void)
{
	char *a = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(a + pg, pg); /* a hole in the middle */
	check("MS_ASYNC 0", msync(a, pg, MS_ASYNC) == 0);
	check("MS_INVALIDATE 0", msync(a, pg, MS_INVALIDATE) == 0);
	check("flags 0 ok", msync(a, pg, 0) == 0);
	check("length rounds up", msync(a, 1, MS_SYNC) == 0);
	check("zero length on a hole 0", msync(a + pg, 0, MS_SYNC) == 0);
	check("MS_ASYNC|MS_SYNC EINVAL", msync(a, pg, MS_ASYNC | MS_SYNC) == -1 && errno == EINVAL);
	check("unknown flag EINVAL", msync(a, pg, 8) == -1 && errno == EINVAL);
	check("unaligned EINVAL", msync(a + 1, pg, MS_SYNC) == -1 && errno == EINVAL);
	check("hole MS_SYNC ENOMEM", msync(a, 3 * pg, MS_SYNC) == -1 && errno == ENOMEM);
	check("hole MS_ASYNC ENOMEM", msync(a, 3 * pg, MS_ASYNC) == -1 && errno == ENOMEM);
	check("unmapped ENOMEM", msync(a + pg, pg, MS_SYNC) == -1 && errno == ENOMEM);
	check("wrapping length ENOMEM", msync(a, -pg, MS_SYNC) == -1 && errno == ENOMEM);
}

static void mincore_check(void)
{
	unsigned char v[8];
	char *a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a[pg] = 1;
	a[3 * pg] = 1;
	memset(v, 0xee, sizeof v);
	check("anonymous 0", mincore(a, 4 * pg, v) == 0);
	check("touched pages resident", (v[0] & 1) == 0 && (v[1] & 1) == 1 && (v[2] & 1) == 0 && (v[3] & 1) == 1);
	check("one byte per page", v[4] == 0xee);
	check("length rounds up", mincore(a, 1, v) == 0);
	check("unaligned EINVAL", mincore(a + 1, pg, v) == -1 && errno == EINVAL);
	check("bad vec EFAULT", mincore(a, pg, (unsigned char *)8) == -1 && errno == EFAULT);
	check("NULL vec EFAULT", mincore(a, pg, NULL) == -1 && errno == EFAULT);
	char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("read-only vec EFAULT", mincore(a, pg, (unsigned char *)ro) == -1 && errno == EFAULT);
	check("beyond user space ENOMEM", mincore((void *)0x7ffffffff000, 4 * pg, v) == -1 && errno == ENOMEM);
	munmap(a + 2 * pg, pg);
	memset(v, 0xee, sizeof v);
	check("hole ENOMEM", mincore(a, 4 * pg, v) == -1 && errno == ENOMEM);
	check("pages before the hole written", v[0] == 0 && v[1] == 1 && v[2] == 0xee);
	check("unmapped ENOMEM", mincore(a + 2 * pg, pg, v) == -1 && errno == ENOMEM);

	/* A file: pages with data resident (mapped here or not), holes not. */
	int fd = tmpfile_pages(1);
	pwrite(fd, "x", 1, 2 * pg);
	ftruncate(fd, 4 * pg);
	char *f = map(fd, 4, PROT_READ, MAP_SHARED);
	check("file 0", mincore(f, 4 * pg, v) == 0);
	check("data resident, holes not", v[0] == 1 && v[1] == 0 && v[2] == 1 && v[3] == 0);
	close(fd);
}

static void memfd_check(void)
{
	int fd = memfd_create("mmapfile", MFD_ALLOW_SEALING);
	ftruncate(fd, 2 * pg);
	char *a = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *b = map(fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	a[pg] = 'M';
	check("memfd mappings coherent", b[pg] == 'M' && byte_at(fd, pg) == 'M');
	pwrite(fd, "N", 1, 1);
	check("memfd mapping sees write(2)", a[1] == 'N');
	munmap(a, 2 * pg);
	munmap(b, 2 * pg);
	check("F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0);
	check("sealed: writable shared mmap EPERM",
	      mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM);
	char *r = map(fd, 1, PROT_READ, MAP_SHARED);
	check("sealed: read-only mapping reads", r[1] == 'N');
	check("sealed: mprotect PROT_WRITE EACCES", mprotect(r, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	close(fd);
}

int main(int argc, char **argv)
{
	pg = sysconf(_SC_PAGESIZE);
	if (argc != 2) {
		fprintf(stderr, "usage: mmapfile CHECK\n");
		return 2;
	}
	static const struct {
		const char *name;
		void (*fn)(void);
	} checks[] = {
		{"shared", shared_check}, {"private", private_check}, {"fork", fork_check},
		{"truncate", truncate_check}, {"msync", msync_check}, {"mincore", mincore_check},
		{"memfd", memfd_check},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (strcmp(argv[1], checks[i].name) == 0) {
			checks[i].fn();
			printf("%s: %d failures\n", argv[1], failures);
			return failures != 0;
		}
	}
	fprintf(stderr, "mmapfile: unknown check %s\n", argv[1]);
	return 2;
}
