/* fork_exec: fork(2), execve(2) of a small static program (this one, told
 * to exit at once) and waitpid(2): process creation plus loading an ELF. */
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-exit") == 0)
		_exit(0);
	long n = iterations(argc, argv, 500);
	char *child[] = {argv[0], "-exit", NULL};
	double t0 = 0;
	for (long i = -5; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			execve(argv[0], child, environ);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("exec child");
	}
	report("fork_exec", n, "processes", "process", now_ns() - t0);
	return 0;
}
