/*
 * futex_shared: futexes shared between processes. A parent and a forked
 * child share one MAP_SHARED|MAP_ANONYMOUS page and
 *
 *   1. ping-pong 1000 times through a process-shared mutex and condition
 *      variable (pthread_mutexattr_setpshared(3), PTHREAD_PROCESS_SHARED),
 *      which only works if a futex without FUTEX_PRIVATE_FLAG is keyed by
 *      the shared page and not by the address space;
 *   2. do the same with a bare FUTEX_WAIT/FUTEX_WAKE on a shared word;
 *   3. kill (SIGKILL) a child holding a process-shared robust mutex, once
 *      with nobody waiting and once with the parent asleep in
 *      pthread_mutex_lock: the parent must get EOWNERDEAD, make the mutex
 *      consistent and use it again. Then the same with a robust
 *      PTHREAD_PRIO_INHERIT mutex, whose lock goes through FUTEX_LOCK_PI.
 *
 * Every line is a fixed result; a wrong one says FAIL and the exit status
 * is 1.
 */
#define _GNU_SOURCE
#include <errno.h>
/* From <linux/futex.h>, which musl-gcc does not ship. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAITERS 0x80000000
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 1000

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int turn;         /* 0: parent's move, 1: child's */
	int count;
	uint32_t word;    /* for the bare futex ping-pong */
	uint32_t ready;   /* the child holds the robust mutex */
	pthread_mutex_t robust;
};

static struct shared *sh;
static int failures;

static long futex(uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static void pingpong_condvar(void)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->lock, &ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->cond, &ca);
	sh->turn = 0;
	sh->count = 0;

	pid_t pid = fork();
	int me = pid == 0;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&sh->lock);
		while (sh->turn != me)
			pthread_cond_wait(&sh->cond, &sh->lock);
		sh->count++;
		sh->turn = !me;
		pthread_cond_signal(&sh->cond);
		pthread_mutex_unlock(&sh->lock);
	}
	if (pid == 0)
		_exit(0);
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->count == 2 * ROUNDS, "pshared mutex+condvar ping-pong");
}

static void pingpong_futex(void)
{
	sh->word = 0;
	pid_t pid = fork();
	uint32_t me = pid == 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t v;
		while ((v = __atomic_load_n(&sh->word, __ATOMIC_SEQ_CST)) % 2 != me)
			futex(&sh->word, FUTEX_WAIT, v);
		__atomic_add_fetch(&sh->word, 1, __ATOMIC_SEQ_CST);
		futex(&sh->word, FUTEX_WAKE, 1);
	}
	if (pid == 0)
		_exit(0);
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && sh->word == 2 * ROUNDS, "shared FUTEX_WAIT/FUTEX_WAKE ping-pong");
}

/* The word of a glibc or musl mutex that holds the owner's TID. */
static uint32_t *lockword(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return (uint32_t *)&m->__data.__lock;
#else
	return (uint32_t *)m + 1;
#endif
}

/* What locking a mutex whose owner died gave, and what making it
 * consistent and unlocking it gave, in the thread that locked it. */
struct dead_lock {
	int lock, consistent, unlock;
};

static struct dead_lock lock_dead(pthread_mutex_t *m)
{
	struct dead_lock d = {pthread_mutex_lock(m), -1, -1};
	if (d.lock == EOWNERDEAD) {
		d.consistent = pthread_mutex_consistent(m);
		d.unlock = pthread_mutex_unlock(m);
	}
	return d;
}

static struct dead_lock threaded;
static void *lock_in_thread(void *arg)
{
	threaded = lock_dead(arg);
	return NULL;
}

/* A child locks sh->robust and is killed; waiting says whether the parent
 * is asleep in pthread_mutex_lock at that moment. */
static void killed_owner(int pi, int waiting)
{
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	if (pi)
		pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&sh->robust, &ma);
	sh->ready = 0;

	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&sh->robust);
		__atomic_store_n(&sh->ready, 1, __ATOMIC_SEQ_CST);
		futex(&sh->ready, FUTEX_WAKE, 1);
		for (;;)
			pause();
	}
	while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) == 0)
		futex(&sh->ready, FUTEX_WAIT, 0);

	pthread_t th;
	if (waiting) {
		pthread_create(&th, NULL, lock_in_thread, &sh->robust);
		/* The waiter sets FUTEX_WAITERS before it sleeps. */
		while (!(__atomic_load_n(lockword(&sh->robust), __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
			sched_yield();
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	struct dead_lock d;
	if (waiting) {
		pthread_join(th, NULL);
		d = threaded;
	} else {
		d = lock_dead(&sh->robust);
	}
	char what[100];
	snprintf(what, sizeof what, "%srobust owner killed, %s: EOWNERDEAD", pi ? "PI " : "", waiting ? "waiter asleep" : "no waiter");
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && d.lock == EOWNERDEAD, what);
	check(d.consistent == 0, "  pthread_mutex_consistent");
	check(d.unlock == 0, "  unlock");
	check(pthread_mutex_lock(&sh->robust) == 0, "  lock again");
	check(pthread_mutex_unlock(&sh->robust) == 0, "  unlock again");
}

int main(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("FAIL mmap: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	pingpong_condvar();
	pingpong_futex();
	for (int pi = 0; pi < 2; pi++)
		for (int waiting = 0; waiting < 2; waiting++)
			killed_owner(pi, waiting);
	printf("futex_shared: %d failures\n", failures);
	return failures != 0;
}
