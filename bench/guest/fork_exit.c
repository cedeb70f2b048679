/* fork_exit: fork(2), _exit(2) in the child and waitpid(2) in the parent:
 * creating and destroying a process, with a copy-on-write address space. */
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 2000);
	double t0 = 0;
	for (long i = -10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0)
			_exit(0);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			fail("waitpid");
	}
	report("fork_exit", n, "processes", "process", now_ns() - t0);
	return 0;
}
