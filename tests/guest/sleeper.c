/*
 * sleeper: prints "ready" and then sleeps forever, one second at a time, so a
 * test can send a signal to it (or to runos) and look at how it died.
 *
 * It puts SIGINT, SIGTERM and SIGHUP back to their default action first: a
 * process started in the background by a non-interactive shell inherits
 * SIGINT ignored (see signal(7), "Signal mask and pending signals" and
 * execve(2): ignored signals stay ignored across exec).
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>

int main(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct timespec ts = {1, 0};
		nanosleep(&ts, NULL);
	}
}
