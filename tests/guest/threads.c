/*
 * threads: eight POSIX threads (clone(2) with CLONE_THREAD, futex(2) for
 * every wait) doing three things whose result does not depend on scheduling:
 *
 *   1. each adds 1 to a mutex-protected counter 20,000 times;
 *   2. they pass a token round a ring with a condition variable, so that
 *      thread i only runs while turn == i (a strict handoff, 50 laps);
 *   3. each returns a value that pthread_join(3) must hand back, and keeps a
 *      __thread variable that no other thread may see.
 *
 * It prints the final counts; a wrong count prints "FAIL" and exits 1.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 8
#define INCREMENTS 20000
#define LAPS 50

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_cond = PTHREAD_COND_INITIALIZER;
static int turn;
static int order[NTHREADS * LAPS];
static int order_len;

static __thread long mine;

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	mine = id * 1000;

	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}

	for (int lap = 0; lap < LAPS; lap++) {
		pthread_mutex_lock(&ring_lock);
		while (turn != id)
			pthread_cond_wait(&ring_cond, &ring_lock);
		order[order_len++] = id;
		turn = (turn + 1) % NTHREADS;
		pthread_cond_broadcast(&ring_cond);
		pthread_mutex_unlock(&ring_lock);
	}

	/* Another thread wrote its own "mine" meanwhile; ours is untouched. */
	return (void *)(intptr_t)(mine + id);
}

int main(void)
{
	pthread_t t[NTHREADS];
	int failures = 0;
	mine = -1;

	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0) {
			printf("FAIL: pthread_create %d\n", i);
			return 1;
		}
	}
	long joined = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		if (pthread_join(t[i], &ret) != 0) {
			printf("FAIL: pthread_join %d\n", i);
			return 1;
		}
		if ((intptr_t)ret != i * 1000 + i) {
			printf("FAIL: thread %d returned %ld\n", i, (long)(intptr_t)ret);
			failures++;
		}
		joined++;
	}

	int in_order = 1;
	for (int i = 0; i < order_len; i++)
		in_order &= order[i] == i % NTHREADS;

	printf("threads joined: %ld\n", joined);
	printf("counter: %ld (want %d)\n", counter, NTHREADS * INCREMENTS);
	printf("ring handoffs: %d (want %d), in order: %d\n", order_len, NTHREADS * LAPS, in_order);
	printf("main thread's __thread variable: %ld\n", mine);
	if (counter != NTHREADS * INCREMENTS || order_len != NTHREADS * LAPS || !in_order || mine != -1)
		failures++;
	printf("threads: %s\n", failures ? "FAIL" : "ok");
	return failures ? 1 : 0;
}
