/* pipe_bw: pipe throughput between two processes, as lmbench's bw_pipe:
 * the parent writes 64 KiB at a time, the child reads until end of file.
 * Reported per 64 KiB write; the harness turns it into MB/s. */
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define CHUNK (64 * 1024)

static char buf[CHUNK];

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 20000);
	int p[2];
	if (pipe(p) != 0)
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(p[1]);
		for (;;) {
			ssize_t r = read(p[0], buf, sizeof buf);
			if (r < 0)
				fail("child read");
			if (r == 0)
				_exit(0);
		}
	}
	close(p[0]);
	memset(buf, 'p', sizeof buf);
	double t0 = 0;
	for (long i = -10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		/* A pipe write may be partial only if a signal interrupts
		 * it; none is expected here. */
		if (write(p[1], buf, sizeof buf) != sizeof buf)
			fail("write");
	}
	close(p[1]);
	/* Every byte is read only when the child has seen end of file. */
	if (waitpid(pid, NULL, 0) != pid)
		fail("waitpid");
	report("pipe_bw", n, "writes", "write", now_ns() - t0);
	return 0;
}
