/*
 * futex_pi: sixteen threads hammer one PTHREAD_PRIO_INHERIT mutex, whose
 * contended lock and unlock go through FUTEX_LOCK_PI and FUTEX_UNLOCK_PI
 * (the kernel hands the lock straight to a waiter), and pass a token round
 * a ring with a condition variable on that mutex. The counts do not
 * depend on scheduling; a wrong one prints FAIL and exits 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 16
#define INCREMENTS 2000
#define LAPS 40

static pthread_mutex_t lock;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn, handoffs;

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	for (int lap = 0; lap < LAPS; lap++) {
		pthread_mutex_lock(&lock);
		while (turn != id)
			pthread_cond_wait(&cond, &lock);
		handoffs++;
		turn = (turn + 1) % NTHREADS;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	if (pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) != 0) {
		printf("FAIL setprotocol\n");
		return 1;
	}
	pthread_mutex_init(&lock, &a);

	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);

	int ok = counter == (long)NTHREADS * INCREMENTS && handoffs == NTHREADS * LAPS;
	printf("counter: %ld (want %d)\n", counter, NTHREADS * INCREMENTS);
	printf("handoffs: %d (want %d)\n", handoffs, NTHREADS * LAPS);
	printf("futex_pi: %s\n", ok ? "ok" : "FAIL");
	return !ok;
}
