/*
 * futex_robust: robust mutexes (pthread_mutexattr_setrobust(3)) whose
 * owner thread ends while holding them. The kernel walks the dead
 * thread's robust list (set_robust_list(2)) and marks each lock it still
 * held FUTEX_OWNER_DIED, so the next pthread_mutex_lock returns
 * EOWNERDEAD; pthread_mutex_consistent(3) then repairs the mutex.
 *
 * Cases: a plain and a PTHREAD_PRIO_INHERIT robust mutex; the owner ends
 * with pthread_exit (exit(2)) while nobody waits, or while another thread
 * is asleep in pthread_mutex_lock; and an owner that holds three mutexes
 * at once (the list has several entries). A mutex left inconsistent and
 * unlocked becomes ENOTRECOVERABLE.
 */
#define _GNU_SOURCE
#include <errno.h>
/* From <linux/futex.h>, which musl-gcc does not ship. */
#define FUTEX_WAITERS 0x80000000
#define FUTEX_TID_MASK 0x3fffffff
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static uint32_t *lockword(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return (uint32_t *)&m->__data.__lock;
#else
	return (uint32_t *)m + 1;
#endif
}

static void init_robust(pthread_mutex_t *m, int pi)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pi)
		pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(m, &a);
}

#define NMUTEX 3
static pthread_mutex_t mutexes[NMUTEX];
static int nheld;
static volatile int wait_for_waiter;

/* Takes nheld mutexes and exits holding them, after a waiter (if asked)
 * has started to sleep on the first. */
static void *owner(void *arg)
{
	(void)arg;
	for (int i = 0; i < nheld; i++)
		pthread_mutex_lock(&mutexes[i]);
	while (wait_for_waiter && !(__atomic_load_n(lockword(&mutexes[0]), __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
		sched_yield();
	pthread_exit(NULL);
}

static int waiter_result;
static void *waiter(void *arg)
{
	(void)arg;
	waiter_result = pthread_mutex_lock(&mutexes[0]);
	if (waiter_result == EOWNERDEAD) {
		pthread_mutex_consistent(&mutexes[0]);
		pthread_mutex_unlock(&mutexes[0]);
	}
	return NULL;
}

static void owner_dies(int pi, int n, int waiting)
{
	char what[120];
	for (int i = 0; i < NMUTEX; i++)
		init_robust(&mutexes[i], pi);
	nheld = n;
	wait_for_waiter = waiting;
	pthread_t o, w;
	pthread_create(&o, NULL, owner, NULL);
	if (waiting) {
		/* Start the waiter once the owner holds the mutex. */
		while ((__atomic_load_n(lockword(&mutexes[0]), __ATOMIC_SEQ_CST) & FUTEX_TID_MASK) == 0)
			sched_yield();
		pthread_create(&w, NULL, waiter, NULL);
		pthread_join(w, NULL);
	}
	pthread_join(o, NULL);

	const char *kind = pi ? "PI robust" : "robust";
	if (waiting) {
		snprintf(what, sizeof what, "%s, owner exits while a thread waits: EOWNERDEAD", kind);
		check(waiter_result == EOWNERDEAD, what);
	}
	for (int i = waiting; i < n; i++) {
		int r = pthread_mutex_lock(&mutexes[i]);
		snprintf(what, sizeof what, "%s, %d held, owner exited: mutex %d EOWNERDEAD", kind, n, i);
		check(r == EOWNERDEAD, what);
		check(pthread_mutex_consistent(&mutexes[i]) == 0, "  consistent");
		check(pthread_mutex_unlock(&mutexes[i]) == 0, "  unlock");
	}
	check(pthread_mutex_lock(&mutexes[0]) == 0, "  lock again");
	check(pthread_mutex_unlock(&mutexes[0]) == 0, "  unlock again");
}

static void *exit_holding(void *arg)
{
	pthread_mutex_lock(arg);
	return NULL;
}

static void not_recoverable(int pi)
{
	pthread_mutex_t m;
	init_robust(&m, pi);
	pthread_t o;
	pthread_create(&o, NULL, exit_holding, &m);
	pthread_join(o, NULL);
	check(pthread_mutex_lock(&m) == EOWNERDEAD, pi ? "PI: EOWNERDEAD" : "EOWNERDEAD");
	check(pthread_mutex_unlock(&m) == 0, "  unlock without consistent");
	check(pthread_mutex_lock(&m) == ENOTRECOVERABLE, "  then ENOTRECOVERABLE");
}

int main(void)
{
	for (int pi = 0; pi < 2; pi++) {
		owner_dies(pi, 1, 0);
		owner_dies(pi, 3, 0);
		owner_dies(pi, 1, 1);
		owner_dies(pi, 3, 1);
		not_recoverable(pi);
	}
	printf("futex_robust: %d failures\n", failures);
	return failures != 0;
}
