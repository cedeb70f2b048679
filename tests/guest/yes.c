/*
 * yes: writes "y\n" forever, like yes(1). When the reader of the pipe goes
 * away the next write(2) raises SIGPIPE, whose default action ends the
 * process (see pipe(7)); the test compares that death with runos's.
 */
#include <signal.h>
#include <unistd.h>

int main(void)
{
	static char buf[4096];
	for (unsigned i = 0; i < sizeof buf; i += 2) {
		buf[i] = 'y';
		buf[i + 1] = '\n';
	}
	/* The test's parent may have ignored SIGPIPE; we want the default. */
	signal(SIGPIPE, SIG_DFL);
	for (;;)
		if (write(1, buf, sizeof buf) < 0)
			return 3; /* only reached if SIGPIPE did not kill us */
}
