/*
 * forkbomb: forks until fork(2) fails, as a runaway program would, then
 * lets every child go and reaps them all. The children wait on a pipe
 * rather than sleep, so the result does not depend on timing. It prints
 * the error fork gave and how many children there were, and exits 0 if
 * fork failed with EAGAIN and every child was reaped.
 *
 * At most MAX children are made, so that a run without a process limit
 * ends too; the test runs it only under runos --max-procs.
 */
#include "proccheck.h"

#define MAX 10000

int main(void)
{
	int hold[2], n = 0, reaped = 0, err = 0;

	setup();
	xpipe(hold);
	for (; n < MAX; n++) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			close(hold[1]);
			wait_byte(hold[0]);
			_exit(0);
		}
	}
	expect_str("fork failed with", err ? strerrorname_np(err) : "nothing", "EAGAIN");
	printf("children: %d\n", n);
	close(hold[1]);
	while (wait(NULL) > 0)
		reaped++;
	expect_int("reaped", reaped, n);
	return finish("forkbomb");
}
