/* pipe_rt: a 1-byte round trip between two processes over two pipes, as
 * lmbench's lat_pipe: a write, a wake-up of the other process, its read and
 * write back, and the wake-up of the first. */
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 20000);
	int there[2], back[2];
	char c = 'x';
	if (pipe(there) != 0 || pipe(back) != 0)
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		/* Without our copy of the write end, the parent's close
		 * gives us end-of-file and we leave. */
		close(there[1]);
		close(back[0]);
		while (read(there[0], &c, 1) == 1)
			if (write(back[1], &c, 1) != 1)
				fail("child write");
		_exit(0);
	}
	close(there[0]);
	close(back[1]);
	double t0 = 0;
	for (long i = -100; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			fail("round trip");
	}
	double ns = now_ns() - t0;
	close(there[1]);
	waitpid(pid, NULL, 0);
	report("pipe_rt", n, "round trips", "round trip", ns);
	return 0;
}
