/*
 * tracee: small, deterministic syscall sequences for the --strace golden
 * tests (strace_test.go), which run it under strace(1) -f and under
 * runos --strace and compare the lines. argv[1] picks the sequence:
 *
 *   hello      write(2) of a fixed message
 *   read FILE  open, read and close FILE
 *   enoent     an open that fails with ENOENT
 *   mmap       an anonymous mmap, a write to it, munmap
 *   kill       fork a child that kills itself with SIGTERM; wait4 for it.
 *              SIGCHLD is blocked until after wait4 so that its delivery
 *              (and strace's "--- SIGCHLD" line) has one place to be.
 *   segv       a write through NULL: the process dies of SIGSEGV
 *
 * Raw syscalls are used instead of stdio so that both runs make the same
 * calls whatever the output is.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "hello";

	if (!strcmp(what, "hello")) {
		static const char msg[] = "hello, world\n";
		return write(1, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : 1;
	}
	if (!strcmp(what, "read") && argc > 2) {
		char buf[64];
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		return n > 0 ? 0 : 1;
	}
	if (!strcmp(what, "enoent"))
		return open("/nonexistent/runos-strace", O_RDONLY) < 0 ? 0 : 1;
	if (!strcmp(what, "mmap")) {
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 1;
		p[0] = 1;
		return munmap(p, 8192) == 0 ? 0 : 1;
	}
	if (!strcmp(what, "kill")) {
		sigset_t chld, old;
		int st;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, &old);
		pid_t pid = fork();
		if (pid == 0) {
			kill(getpid(), SIGTERM);
			_exit(1);
		}
		if (wait4(pid, &st, 0, NULL) != pid)
			return 1;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : 1;
	}
	if (!strcmp(what, "segv"))
		*(volatile int *)0 = 42;
	return 2;
}
