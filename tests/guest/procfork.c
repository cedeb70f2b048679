/*
 * procfork: memory after fork(2) and vfork(2). argv[1] picks the check:
 *
 *   cow     private memory (an anonymous MAP_PRIVATE page, a global, the
 *           heap, the stack) is copied on write: parent and child each see
 *           their own writes to the same page
 *   shared  a MAP_SHARED anonymous page is one page: each sees the other's
 *           writes, also after the child has exited
 *   vfork   the parent is suspended until the child calls _exit or execve;
 *           the child shares the parent's memory until then
 *
 * The processes take turns through pipes, never by sleeping.
 * (vfork-child is the program the vfork check's child executes.)
 */
#include "proccheck.h"

#include <sched.h>
#include <sys/mman.h>

static int global_var = 1;

/* Bits the child sets in its exit status for what it saw wrong. */
enum { BAD_PRIV = 1, BAD_UNTOUCHED = 2, BAD_GLOBAL = 4, BAD_HEAP = 8, BAD_STACK = 16, BAD_SHARED = 32 };

static void cow(void)
{
	char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *untouched = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(64);
	volatile char stack_var = 'P';
	int c2p[2], p2c[2];

	if (priv == MAP_FAILED || untouched == MAP_FAILED || heap == NULL) {
		printf("FAIL: setting up memory\n");
		exit(1);
	}
	priv[0] = 'P';
	heap[0] = 'P';
	xpipe(c2p);
	xpipe(p2c);
	pid_t p = xfork();
	if (p == 0) {
		priv[0] = 'C';
		untouched[0] = 'C';
		global_var = 2;
		heap[0] = 'C';
		stack_var = 'C';
		send_byte(c2p[1], 'w'); /* written */
		wait_byte(p2c[0]);      /* the parent has written its own */
		int bad = 0;
		if (priv[0] != 'C')
			bad |= BAD_PRIV;
		if (untouched[0] != 'C')
			bad |= BAD_UNTOUCHED;
		if (global_var != 2)
			bad |= BAD_GLOBAL;
		if (heap[0] != 'C')
			bad |= BAD_HEAP;
		if (stack_var != 'C')
			bad |= BAD_STACK;
		_exit(bad);
	}
	expect_int("child has written", wait_byte(c2p[0]), 'w');
	expect_int("parent's private page unchanged by the child", priv[0] == 'P', 1);
	expect_int("parent's untouched page still zero", untouched[0] == 0, 1);
	expect_int("parent's global unchanged", global_var == 1, 1);
	expect_int("parent's heap unchanged", heap[0] == 'P', 1);
	expect_int("parent's stack unchanged", stack_var == 'P', 1);
	priv[0] = 'Q';
	untouched[0] = 'Q';
	global_var = 3;
	heap[0] = 'Q';
	stack_var = 'Q';
	send_byte(p2c[1], 'w');
	reap("child saw only its own writes (exit 0)", p, "exited 0");
	expect_int("parent sees its own later writes", priv[0] == 'Q' && untouched[0] == 'Q' && global_var == 3 && heap[0] == 'Q' && stack_var == 'Q', 1);

	/* A page made read-only before fork stays read-only in the child, and
	 * copy-on-write does not make it writable: the write faults. */
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro[0] = 'R';
	mprotect(ro, 4096, PROT_READ);
	p = xfork();
	if (p == 0) {
		if (ro[0] != 'R')
			_exit(1);
		ro[0] = 'W';
		_exit(2);
	}
	reap("child writing a read-only private page", p, "killed by SIGSEGV");
}

static void shared(void)
{
	volatile char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int c2p[2], p2c[2];

	if (sh == MAP_FAILED) {
		printf("FAIL: mmap MAP_SHARED: %s\n", errname(-1, errno));
		exit(1);
	}
	sh[0] = 'P';
	xpipe(c2p);
	xpipe(p2c);
	pid_t p = xfork();
	if (p == 0) {
		int bad = sh[0] == 'P' ? 0 : BAD_SHARED;
		sh[1] = 'C';
		send_byte(c2p[1], 'w');
		wait_byte(p2c[0]);
		if (sh[2] != 'P')
			bad |= BAD_PRIV;
		sh[3] = 'X'; /* written just before exit */
		_exit(bad);
	}
	expect_int("child has written", wait_byte(c2p[0]), 'w');
	expect_int("parent sees the child's write to the shared page", sh[1] == 'C', 1);
	sh[2] = 'P';
	send_byte(p2c[1], 'w');
	reap("child saw the parent's writes (exit 0)", p, "exited 0");
	expect_int("the child's last write outlives it", sh[3] == 'X', 1);
}

static volatile int shared_with_vfork_child;

/*
 * See vfork(2): the calling thread is suspended until the child calls
 * _exit(2) or execve(2), and until then the child runs in the parent's
 * memory. The sequence lines are written with write(2) by whichever process
 * runs, so their order is the order in which the processes ran.
 */
static void vfork_order(const char *self)
{
	static const char before[] = "sequence: parent calls vfork\n";
	static const char child[] = "sequence: child runs\n";
	static const char child_exit[] = "sequence: child calls _exit\n";
	static const char resumed[] = "sequence: parent resumes\n";

	write(1, before, sizeof before - 1);
	pid_t p = vfork();
	if (p == 0) {
		write(1, child, sizeof child - 1);
		for (int i = 0; i < 100; i++)
			sched_yield(); /* a chance for a wrongly running parent */
		shared_with_vfork_child = 7;
		write(1, child_exit, sizeof child_exit - 1);
		_exit(3);
	}
	write(1, resumed, sizeof resumed - 1);
	expect_int("the child's write to the parent's memory is seen", shared_with_vfork_child, 7);
	reap("vfork child", p, "exited 3");

	/*
	 * With execve: the parent resumes once the child's exec has succeeded,
	 * while the new program still runs (it waits on a pipe for the parent).
	 */
	int go[2], done[2];
	char gofd[16], donefd[16];
	xpipe(go);
	xpipe(done);
	snprintf(gofd, sizeof gofd, "%d", go[0]);
	snprintf(donefd, sizeof donefd, "%d", done[1]);
	shared_with_vfork_child = 0;
	p = vfork();
	if (p == 0) {
		shared_with_vfork_child = 1;
		char *args[] = {(char *)self, "vfork-child", gofd, donefd, NULL};
		execv(self, args);
		_exit(127);
	}
	expect_int("the child ran before the parent resumed", shared_with_vfork_child, 1);
	int st;
	expect_int("parent resumed while the exec'd child still runs", waitpid(p, &st, WNOHANG), 0);
	send_byte(go[1], 'g');
	expect_int("exec'd child answered", wait_byte(done[0]), 'd');
	reap("exec'd vfork child", p, "exited 4");
}

/* vfork_child is the program run by vfork_order's child: it waits for the
 * parent's byte, answers and exits 4. */
static int vfork_child(int gofd, int donefd)
{
	if (wait_byte(gofd) != 'g')
		return 1;
	send_byte(donefd, 'd');
	return 4;
}

int main(int argc, char **argv)
{
	setup();
	if (argc == 4 && strcmp(argv[1], "vfork-child") == 0)
		return vfork_child(atoi(argv[2]), atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: procfork cow|shared|vfork\n");
		return 2;
	}
	if (strcmp(argv[1], "cow") == 0)
		cow();
	else if (strcmp(argv[1], "shared") == 0)
		shared();
	else if (strcmp(argv[1], "vfork") == 0)
		vfork_order(argv[0]);
	else {
		fprintf(stderr, "procfork: unknown check %s\n", argv[1]);
		return 2;
	}
	return finish("procfork");
}
