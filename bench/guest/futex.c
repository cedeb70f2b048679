/* futex: two threads take turns through one futex word, each waking the
 * other with FUTEX_WAKE and sleeping in FUTEX_WAIT: a round trip is two
 * wake-ups, the core of every mutex and condition variable. See futex(2). */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

static atomic_int turn; /* 0: main's turn, 1: the other thread's */
static long rounds;

static void futex_wait(atomic_int *w, int val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		while (atomic_load(&turn) == 0)
			futex_wait(&turn, 0);
		atomic_store(&turn, 0);
		futex_wake(&turn);
	}
	return arg;
}

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 20000);
	rounds = n + 100;
	pthread_t t;
	if (pthread_create(&t, NULL, other, NULL) != 0)
		fail("pthread_create");
	double t0 = 0;
	for (long i = -100; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		atomic_store(&turn, 1);
		futex_wake(&turn);
		while (atomic_load(&turn) == 1)
			futex_wait(&turn, 1);
	}
	double ns = now_ns() - t0;
	pthread_join(t, NULL);
	report("futex", n, "round trips", "round trip", ns);
	return 0;
}
