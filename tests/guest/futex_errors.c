/*
 * futex_errors: futex(2) called directly with the arguments a fuzzer would
 * try, printing the result or errno name of each call. Native Linux is the
 * oracle: the Go test compares the two runs line by line, so this guest
 * checks nothing itself except what no kernel may get wrong (it prints
 * FAIL for those).
 *
 * Covered: unknown operations, the clock flag, misaligned and unmapped
 * addresses, read-only pages, bad timeouts, bitsets, FUTEX_WAKE_OP
 * encodings, FUTEX_REQUEUE counts, and the PI operations' error cases
 * (EDEADLK, ESRCH, EPERM, EAGAIN, FUTEX_OWNER_DIED take-over).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

static int failures;

static long futex(void *addr, int op, uint32_t val, const void *ts, void *addr2, uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}

static const char *ename(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EDEADLK: return "EDEADLK";
	case ESRCH: return "ESRCH";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	default: return "E?";
	}
}

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		printf("%s: %ld\n", what, r);
}

static uint32_t tid(void) { return (uint32_t)syscall(SYS_gettid); }

static uint32_t *words;   /* a private read-write page of futex words */
static uint32_t *ro;      /* a read-only page holding 7 */
static char *unmapped;    /* an address with nothing mapped */

/* A thread that takes the PI word and then waits for "release". */
static uint32_t *held_pi, release;
static void *holder(void *arg)
{
	(void)arg;
	__atomic_store_n(held_pi, tid(), __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release, __ATOMIC_SEQ_CST))
		futex(&release, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

/* A thread that holds the PI word until a signal handler has run in the
 * main thread, which sleeps in FUTEX_LOCK_PI meanwhile. */
static pthread_t main_thread;
static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled = 1; }
static void *interrupter(void *arg)
{
	uint32_t *w = arg;
	__atomic_store_n(w, tid(), __ATOMIC_SEQ_CST);
	while (!(__atomic_load_n(w, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
		sched_yield();
	pthread_kill(main_thread, SIGUSR1);
	while (!handled)
		sched_yield();
	futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

/* Waiters for the requeue count check. */
static uint32_t rq_a, rq_b;
static void *rq_waiter(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&rq_a, __ATOMIC_SEQ_CST) == 0)
		futex(&rq_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void errors(void)
{
	struct timespec bad_nsec = {0, 1000000000}, neg_nsec = {0, -1}, neg_sec = {-1, 0};
	struct timespec short_ts = {0, 1000000}, past = {1, 0};
	uint32_t *w = words;
	char *mis = (char *)words + 2;

	show("unknown op 99", futex(w, 99, 0, NULL, NULL, 0));
	show("FUTEX_FD", futex(w, 2, 0, NULL, NULL, 0));
	show("op 14", futex(w, 14, 0, NULL, NULL, 0));
	show("op 99 misaligned", futex(mis, 99, 0, NULL, NULL, 0));

	show("WAIT misaligned", futex(mis, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("WAKE misaligned", futex(mis, FUTEX_WAKE, 1, NULL, NULL, 0));
	show("WAKE_PRIVATE misaligned", futex(mis, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	show("REQUEUE misaligned addr2", futex(w, FUTEX_REQUEUE, 1, (void *)1, mis, 0));
	show("LOCK_PI misaligned", futex(mis, FUTEX_LOCK_PI, 0, NULL, NULL, 0));

	show("WAIT nsec 1e9", futex(w, FUTEX_WAIT, 0, &bad_nsec, NULL, 0));
	show("WAIT nsec -1", futex(w, FUTEX_WAIT, 0, &neg_nsec, NULL, 0));
	show("WAIT sec -1", futex(w, FUTEX_WAIT, 0, &neg_sec, NULL, 0));
	show("WAIT bad timeout pointer", futex(w, FUTEX_WAIT, 0, (void *)8, NULL, 0));
	show("WAIT_BITSET nsec 1e9", futex(w, FUTEX_WAIT_BITSET, 0, &bad_nsec, NULL, ~0u));
	show("LOCK_PI nsec 1e9", futex(w, FUTEX_LOCK_PI, 0, &bad_nsec, NULL, 0));
	show("WAKE ignores timeout", futex(w, FUTEX_WAKE, 1, &bad_nsec, NULL, 0));
	show("bad timeout before bad op? op 99", futex(w, 99, 0, &bad_nsec, NULL, 0));

	show("WAIT value differs", futex(w, FUTEX_WAIT, 1, NULL, NULL, 0));
	show("WAIT times out", futex(w, FUTEX_WAIT, 0, &short_ts, NULL, 0));
	show("WAIT_BITSET past deadline", futex(w, FUTEX_WAIT_BITSET, 0, &past, NULL, ~0u));
	show("WAIT_BITSET|REALTIME past deadline", futex(w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &past, NULL, ~0u));
	show("WAIT|REALTIME times out", futex(w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &short_ts, NULL, 0));
	show("WAKE|REALTIME", futex(w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
	show("LOCK_PI|REALTIME", futex(w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0));
	show("WAIT_BITSET bitset 0", futex(w, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0));
	show("WAKE_BITSET bitset 0", futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
	show("WAKE negative count", futex(w, FUTEX_WAKE, (uint32_t)-5, NULL, NULL, 0));

	/* A private futex only reads the word; a shared one on read-only
	 * private anonymous memory is refused (it could never change). */
	show("WAIT_PRIVATE read-only page, differs", futex(ro, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
	show("WAIT_PRIVATE read-only page, times out", futex(ro, FUTEX_WAIT_PRIVATE, 7, &short_ts, NULL, 0));
	show("WAKE_PRIVATE read-only page", futex(ro, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	show("WAIT read-only page, differs", futex(ro, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("WAIT read-only page, times out", futex(ro, FUTEX_WAIT, 7, &short_ts, NULL, 0));
	show("WAKE read-only page", futex(ro, FUTEX_WAKE, 1, NULL, NULL, 0));
	show("WAKE_OP on read-only addr2", futex(w, FUTEX_WAKE_OP, 1, (void *)1, ro, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
	show("LOCK_PI read-only page", futex(ro, FUTEX_LOCK_PI, 0, NULL, NULL, 0));

	show("WAIT unmapped", futex(unmapped, FUTEX_WAIT, 0, NULL, NULL, 0));
	show("WAIT_PRIVATE unmapped", futex(unmapped, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
	show("WAKE unmapped", futex(unmapped, FUTEX_WAKE, 1, NULL, NULL, 0));
	show("WAKE_PRIVATE unmapped", futex(unmapped, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	show("WAKE_PRIVATE kernel address", futex((void *)0xffff800000000000ul, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	show("WAKE_PRIVATE NULL", futex(NULL, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	show("CMP_REQUEUE unmapped", futex(unmapped, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, w, 0));
	show("REQUEUE negative", futex(w, FUTEX_REQUEUE, (uint32_t)-1, (void *)1, w + 1, 0));
	show("CMP_REQUEUE differs", futex(w, FUTEX_CMP_REQUEUE, 1, (void *)1, w + 1, 5));
	show("CMP_REQUEUE same", futex(w, FUTEX_CMP_REQUEUE, 1, (void *)1, w + 1, 0));
	show("LOCK_PI unmapped", futex(unmapped, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	show("UNLOCK_PI unmapped", futex(unmapped, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));

	/* FUTEX_WAKE_OP: op, then the comparison on the old value. */
	w[2] = 5;
	show("WAKE_OP add", futex(w, FUTEX_WAKE_OP, 1, (void *)1, w + 2, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)));
	printf("  word after add: %u\n", w[2]);
	show("WAKE_OP bad op", futex(w, FUTEX_WAKE_OP, 1, (void *)1, w + 2, (7u << 28)));
	printf("  word after bad op: %u\n", w[2]);
	show("WAKE_OP bad cmp", futex(w, FUTEX_WAKE_OP, 1, (void *)1, w + 2, FUTEX_OP(FUTEX_OP_ADD, 1, 9, 0)));
	printf("  word after bad cmp: %u\n", w[2]);
	show("WAKE_OP shift 40", futex(w, FUTEX_WAKE_OP, 1, (void *)1, w + 2, FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 40, FUTEX_OP_CMP_EQ, 0)));
	printf("  word after shift 40: %#x\n", w[2]);
	show("WAKE_OP negative shift", futex(w, FUTEX_WAKE_OP, 1, (void *)1, w + 2, FUTEX_OP((FUTEX_OP_ANDN | FUTEX_OP_OPARG_SHIFT), 0xfff, FUTEX_OP_CMP_EQ, 0)));
	printf("  word after negative shift: %#x\n", w[2]);
	show("WAKE_OP misaligned", futex(mis, FUTEX_WAKE_OP, 1, (void *)1, w + 2, (7u << 28)));
	show("WAKE_OP unmapped", futex(w, FUTEX_WAKE_OP, 1, (void *)1, unmapped, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
}

static void pi(void)
{
	uint32_t *w = words + 8;
	struct timespec past = {1, 0};
	const uint32_t me = tid();

	*w = 0;
	show("LOCK_PI free", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  owner is me: %d\n", *w == me);
	show("LOCK_PI again", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("TRYLOCK_PI again", futex(w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("UNLOCK_PI", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  word after unlock: %#x\n", *w);
	show("UNLOCK_PI not owner (0)", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("UNLOCK_PI misaligned", futex((char *)w + 1, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("TRYLOCK_PI free", futex(w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	printf("  owner is me: %d\n", *w == me);
	show("UNLOCK_PI shared", futex(w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	show("LOCK_PI2 free", futex(w, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, 0, &past, NULL, 0));
	show("UNLOCK_PI", futex(w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));

	/* A TID that names no thread: ESRCH, and the word gets FUTEX_WAITERS. */
	*w = 0x3ffffff0;
	show("LOCK_PI dead owner", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  word: %#x\n", *w);
	*w = 0x3ffffff0;
	show("TRYLOCK_PI dead owner", futex(w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("UNLOCK_PI of another TID", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));

	/* FUTEX_OWNER_DIED with no owner: taken over, the bit kept. */
	*w = FUTEX_OWNER_DIED;
	show("LOCK_PI owner died", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  word: high bits %#x, TID is me: %d\n", *w & ~FUTEX_TID_MASK, (*w & FUTEX_TID_MASK) == me);
	show("UNLOCK_PI", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  word after unlock: %#x\n", *w);
	*w = FUTEX_OWNER_DIED | FUTEX_WAITERS;
	show("TRYLOCK_PI owner died with waiters bit", futex(w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  word: high bits %#x, TID is me: %d\n", *w & ~FUTEX_TID_MASK, (*w & FUTEX_TID_MASK) == me);
	show("UNLOCK_PI", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));

	/* A live owner: TRYLOCK is EAGAIN, a timed LOCK times out. */
	*w = 0;
	held_pi = w;
	pthread_t th;
	pthread_create(&th, NULL, holder, NULL);
	while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
		sched_yield();
	show("TRYLOCK_PI held", futex(w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  waiters bit: %d\n", (*w & FUTEX_WAITERS) != 0);
	show("LOCK_PI held, past deadline", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, &past, NULL, 0));
	show("UNLOCK_PI held by other", futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	show("WAKE a PI word without PI waiters", futex(w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	__atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
	futex(&release, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(th, NULL);
	/* The holder exited without unlocking: its TID names nobody now. */
	show("LOCK_PI after owner exited", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));

	/* A handler without SA_RESTART does not make LOCK_PI fail with
	 * EINTR: Linux restarts it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	*w = 0;
	main_thread = pthread_self();
	pthread_create(&th, NULL, interrupter, w);
	while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
		sched_yield();
	show("LOCK_PI across a signal handler", futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	printf("  handler ran: %d, owner is me: %d\n", handled, (*w & FUTEX_TID_MASK) == me);
	pthread_join(th, NULL);
}

/* FUTEX_REQUEUE's result: woken plus requeued, as for CMP_REQUEUE. */
static void requeue(void)
{
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, rq_waiter, NULL);
	/* Requeueing onto itself moves nobody but counts the sleepers: wait
	 * until all three sleep. */
	while (futex(&rq_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)100, &rq_a, 0) != 3)
		sched_yield();
	show("REQUEUE wake 1 requeue 1", futex(&rq_a, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &rq_b, 0));
	show("REQUEUE shared flag differs", futex(&rq_a, FUTEX_WAKE, 10, NULL, NULL, 0));
	/* Whoever sleeps on rq_a now is woken; whoever does not yet sees 1.
	 * The requeued one sleeps on rq_b for sure. */
	__atomic_store_n(&rq_a, 1, __ATOMIC_SEQ_CST);
	futex(&rq_a, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0);
	show("requeued waiter woken on rq_b", futex(&rq_b, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0));
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("requeue: rest woken\n");
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	words = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (words == MAP_FAILED || ro == MAP_FAILED || unmapped == MAP_FAILED) {
		printf("FAIL mmap\n");
		return 1;
	}
	*ro = 7;
	mprotect(ro, page, PROT_READ);
	munmap(unmapped, page);

	errors();
	pi();
	requeue();
	printf("futex_errors: done, %d failures\n", failures);
	return failures != 0;
}
