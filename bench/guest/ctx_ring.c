/* ctx_ring: a token passed around a ring of K processes (argv[2], default
 * 4) over pipes, as lmbench's lat_ctx with no working set: each hop is a
 * pipe write, a wake-up and a context switch to the next process. */
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define MAXK 64

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 5000);
	int k = argc > 2 ? atoi(argv[2]) : 4;
	if (k < 2 || k > MAXK)
		k = 4;
	int p[MAXK][2];
	pid_t pids[MAXK];
	for (int i = 0; i < k; i++)
		if (pipe(p[i]) != 0)
			fail("pipe");
	/* Process i reads pipe i and writes pipe i+1; process 0 is us. A
	 * token of 0 tells each process to pass it on and stop. */
	for (int i = 1; i < k; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			fail("fork");
		if (pids[i] == 0) {
			char c;
			for (;;) {
				if (read(p[i][0], &c, 1) != 1)
					fail("ring read");
				if (write(p[(i + 1) % k][1], &c, 1) != 1)
					fail("ring write");
				if (c == 0)
					_exit(0);
			}
		}
	}
	char c = 1;
	double t0 = 0;
	for (long i = -10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		if (write(p[1][1], &c, 1) != 1 || read(p[0][0], &c, 1) != 1)
			fail("ring");
	}
	double ns = now_ns() - t0;
	c = 0;
	if (write(p[1][1], &c, 1) != 1 || read(p[0][0], &c, 1) != 1)
		fail("ring stop");
	for (int i = 1; i < k; i++)
		waitpid(pids[i], NULL, 0);
	report("ctx_ring", n * k, "switches", "switch", ns);
	return 0;
}
