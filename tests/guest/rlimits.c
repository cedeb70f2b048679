/*
 * rlimits: resource limits that change what calls return (getrlimit(2)):
 * RLIMIT_AS for mmap, mremap and brk; RLIMIT_NOFILE for dup2, fcntl
 * F_DUPFD and new descriptors; RLIMIT_NPROC for fork, with root exempt;
 * and the rule that only root raises a hard limit. Run as root, natively
 * and under runos. Output follows proccheck.h: no pids, no addresses.
 *
 * The RLIMIT_NPROC check runs as uid 54321, which no other process on
 * the host is expected to use: natively the limit counts every process of
 * that user on the machine.
 */
#include "proccheck.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define MiB (1UL << 20)

static void *map(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static long mapres(void *p) { return p == MAP_FAILED ? -1 : 0; }

static void address_space(void)
{
	struct rlimit rl = { 256 * MiB, RLIM_INFINITY };
	void *a, *b, *brk0;

	expect_err("setrlimit RLIMIT_AS 256M", setrlimit(RLIMIT_AS, &rl), 0);
	expect_err("mmap 512M", mapres(map(512 * MiB)), ENOMEM);
	a = map(128 * MiB);
	expect_err("mmap 128M", mapres(a), 0);
	b = map(128 * MiB);
	expect_err("mmap another 128M", mapres(b), ENOMEM);
	/* MAP_FIXED over a mapping only counts what it adds. */
	expect_err("mmap 128M fixed over the first",
		   mapres(mmap(a, 128 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)), 0);
	expect_err("mremap to 300M", mapres(mremap(a, 128 * MiB, 300 * MiB, MREMAP_MAYMOVE)), ENOMEM);
	expect_err("mremap to 64M", mapres(mremap(a, 128 * MiB, 64 * MiB, 0)), 0);
	brk0 = sbrk(0);
	expect_err("sbrk 256M", sbrk(256 * MiB) == (void *)-1 ? -1 : 0, ENOMEM);
	expect_int("break unchanged", sbrk(0) == brk0, 1);
	expect_err("sbrk 16M", sbrk(16 * MiB) == (void *)-1 ? -1 : 0, 0);
	sbrk(-16 * (long)MiB);
	munmap(a, 64 * MiB);
	rl.rlim_cur = RLIM_INFINITY;
	expect_err("setrlimit RLIMIT_AS unlimited", setrlimit(RLIMIT_AS, &rl), 0);
	b = map(512 * MiB);
	expect_err("mmap 512M", mapres(b), 0);
	munmap(b, 512 * MiB);
}

/* descriptors runs in a child: the hard limit it lowers could not be
 * raised again without CAP_SYS_RESOURCE, which root in a container may
 * lack. */
static void descriptors(void)
{
	struct rlimit rl = { 16, 16 };
	int n = 0, free = 0;

	for (int fd = 0; fd < 16; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			free++;
	expect_err("setrlimit RLIMIT_NOFILE 16", setrlimit(RLIMIT_NOFILE, &rl), 0);
	expect_err("dup2 to 16", dup2(0, 16), EBADF);
	expect_err("dup2 to 15", dup2(0, 15), 0);
	expect_err("F_DUPFD from 16", fcntl(0, F_DUPFD, 16), EINVAL);
	expect_err("F_DUPFD from 15 (taken)", fcntl(0, F_DUPFD, 15), EMFILE);
	while (dup(0) >= 0)
		n++;
	expect_err("dup when full", dup(0), EMFILE);
	expect_int("dup filled every free slot below 16", n == free - 1, 1);
	rl.rlim_cur = rl.rlim_max = 1 << 30;
	expect_err("RLIMIT_NOFILE above nr_open", setrlimit(RLIMIT_NOFILE, &rl), EPERM);
}

static void processes(void)
{
	struct rlimit rl = { 1, 1 };
	int hold[2];
	pid_t p, q;

	/* Root is exempt. */
	p = xfork();
	if (p == 0) {
		failures = 0;
		setrlimit(RLIMIT_NPROC, &rl);
		q = fork();
		if (q == 0)
			_exit(0);
		expect_err("root forks beyond RLIMIT_NPROC 1", q, 0);
		if (q > 0)
			waitpid(q, NULL, 0);
		_exit(failures);
	}
	reap("root child", p, "exited 0");

	p = xfork();
	if (p == 0) {
		failures = 0;
		rl.rlim_cur = rl.rlim_max = 2;
		setrlimit(RLIMIT_NPROC, &rl);
		expect_err("become 54321", setresuid(54321, 54321, 54321), 0);
		xpipe(hold);
		q = fork();
		if (q == 0) {
			close(hold[1]);
			wait_byte(hold[0]);
			_exit(0);
		}
		expect_err("first fork under RLIMIT_NPROC 2", q, 0);
		expect_err("second fork under RLIMIT_NPROC 2", fork(), EAGAIN);
		rl.rlim_max = 3;
		expect_err("raise hard RLIMIT_NPROC as 54321", setrlimit(RLIMIT_NPROC, &rl), EPERM);
		close(hold[1]);
		reap("held child", q, "exited 0");
		q = fork();
		if (q == 0)
			_exit(0);
		expect_err("fork after reaping", q, 0);
		if (q > 0)
			reap("last child", q, "exited 0");
		_exit(failures);
	}
	reap("54321 child", p, "exited 0");
}

int main(void)
{
	pid_t p;

	setup();
	address_space();
	p = xfork();
	if (p == 0) {
		failures = 0;
		descriptors();
		_exit(failures);
	}
	reap("descriptor child", p, "exited 0");
	processes();
	return finish("rlimits");
}
