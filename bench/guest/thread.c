/* thread: pthread_create(3) and pthread_join(3) of a thread that returns at
 * once: clone(2) with a shared address space, a new stack, and the
 * CLONE_CHILD_CLEARTID futex wake that join waits for. */
#include <pthread.h>
#include "guest.h"

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 2000);
	double t0 = 0;
	for (long i = -10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) != 0)
			fail("pthread_create");
		if (pthread_join(t, NULL) != 0)
			fail("pthread_join");
	}
	report("thread", n, "threads", "thread", now_ns() - t0);
	return 0;
}
