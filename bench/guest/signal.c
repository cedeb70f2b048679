/* signal: kill(2) of SIGUSR1 to the process itself, delivered to a
 * handler: the send, building the signal frame on return to the guest,
 * running the handler and rt_sigreturn(2). See signal(7). */
#include <signal.h>
#include <unistd.h>
#include "guest.h"

static volatile long caught;

static void handler(int sig)
{
	(void)sig;
	caught++;
}

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 20000);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		fail("sigaction");
	pid_t self = getpid();
	double t0 = 0;
	for (long i = -100; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		if (kill(self, SIGUSR1) != 0)
			fail("kill");
	}
	double ns = now_ns() - t0;
	if (caught != n + 100) {
		fprintf(stderr, "signal: %ld signals caught, want %ld\n", caught, n + 100);
		return 1;
	}
	report("signal", n, "signals", "signal", ns);
	return 0;
}
