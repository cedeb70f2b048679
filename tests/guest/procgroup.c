/*
 * procgroup: process groups, sessions and the reparenting of orphans.
 * argv[1] picks the check:
 *
 *   pgrp      setpgid(2)/getpgid(2), including ESRCH, EINVAL, EPERM and EACCES
 *   session   setsid(2)/getsid(2), and what a new session forbids
 *   orphan-subreaper  a grandchild whose parent exits is reparented to the
 *             nearest PR_SET_CHILD_SUBREAPER ancestor (prctl(2)), which can
 *             then wait for it
 *   orphan-init       the same without a subreaper: the orphan goes to PID 1;
 *             meant to run as PID 1 of its own PID namespace (the Go test
 *             runs it so natively, as runos always does)
 *
 * Each check runs in a child of the guest, so that how the guest itself was
 * started (its own group and session) does not show. Pids are printed only
 * as comparisons. (exec-waiter is the program the pgrp check's child
 * executes.)
 */
#include "proccheck.h"

#include <limits.h>
#include <sys/prctl.h>

static const char *self;

/*
 * pgrp_checks runs in a child of the guest, so it starts as a member of
 * the guest's group and is not a group leader.
 */
static void pgrp_checks(void)
{
	pid_t me = getpid();

	expect_int("child starts in its parent's group", getpgrp() == getpgid(getppid()), 1);
	expect_err("setpgid(0, 0)", setpgid(0, 0), 0);
	expect_int("getpgrp() == getpid()", getpgrp() == me, 1);
	expect_int("getpgid(0) == getpid()", getpgid(0) == me, 1);
	expect_err("setsid() as a group leader", setsid(), EPERM);
	expect_err("setpgid(0, -1)", setpgid(0, -1), EINVAL);
	expect_err("getpgid(INT_MAX)", getpgid(INT_MAX), ESRCH);
	expect_err("setpgid(INT_MAX, 0)", setpgid(INT_MAX, 0), ESRCH);
	expect_err("setpgid(getppid(), 0): not a child", setpgid(getppid(), 0), ESRCH);

	int go[2];
	xpipe(go);
	pid_t gc = xfork();
	if (gc == 0) {
		close(go[1]);
		wait_byte(go[0]);
		_exit(0);
	}
	expect_int("a new child is in its parent's group", getpgid(gc) == me, 1);
	expect_err("setpgid(child, child)", setpgid(gc, gc), 0);
	expect_int("getpgid(child) == child", getpgid(gc) == gc, 1);
	expect_err("setpgid(child, own group)", setpgid(gc, me), 0);
	expect_int("getpgid(child) == getpid()", getpgid(gc) == me, 1);
	expect_err("setpgid(child, a group that does not exist)", setpgid(gc, INT_MAX), EPERM);
	expect_err("setpgid(0, a group that does not exist)", setpgid(0, INT_MAX), EPERM);
	send_byte(go[1], 'x');
	reap("grandchild", gc, "exited 0");
	close(go[0]);
	close(go[1]);

	/* See setpgid(2): EACCES once the child has called execve. The new
	 * program tells us through a pipe that it runs, then waits for us. */
	int up[2], down[2];
	char upfd[16], downfd[16];
	xpipe(up);
	xpipe(down);
	snprintf(upfd, sizeof upfd, "%d", up[1]);
	snprintf(downfd, sizeof downfd, "%d", down[0]);
	gc = xfork();
	if (gc == 0) {
		char *args[] = {(char *)self, "exec-waiter", upfd, downfd, NULL};
		execv(self, args);
		_exit(127);
	}
	expect_int("exec'd child runs", wait_byte(up[0]), 'e');
	expect_err("setpgid(child after execve, child)", setpgid(gc, gc), EACCES);
	expect_int("its group is unchanged", getpgid(gc) == me, 1);
	send_byte(down[1], 'x');
	reap("exec'd grandchild", gc, "exited 0");
}

/* session_checks runs in a child of the guest (not a group leader). */
static void session_checks(void)
{
	pid_t me = getpid();
	pid_t old_sid = getsid(0);

	expect_int("getsid(0) == getsid(getppid())", old_sid == getsid(getppid()), 1);
	pid_t sid = setsid();
	expect_err("setsid()", sid, 0);
	expect_int("setsid() returns getpid()", sid == me, 1);
	expect_int("getsid(0) == getpid()", getsid(0) == me, 1);
	expect_int("getpgrp() == getpid()", getpgrp() == me, 1);
	expect_int("the parent's session is another one", getsid(getppid()) != me, 1);
	expect_err("setsid() again", setsid(), EPERM);
	expect_err("getsid(INT_MAX)", getsid(INT_MAX), ESRCH);
	expect_err("setpgid(0, the parent's group): another session", setpgid(0, getpgid(getppid())), EPERM);

	/* A grandchild starts in our session, then makes its own. */
	int up[2], down[2];
	xpipe(up);
	xpipe(down);
	pid_t gc = xfork();
	if (gc == 0) {
		int bad = getsid(0) != me;
		bad |= (setsid() != getpid()) << 1;
		bad |= (setpgid(0, me) != -1 || errno != EPERM) << 2;
		send_byte(up[1], 's');
		wait_byte(down[0]);
		_exit(bad);
	}
	expect_int("grandchild has called setsid", wait_byte(up[0]), 's');
	expect_int("getsid(grandchild) == grandchild", getsid(gc) == gc, 1);
	expect_err("setpgid(grandchild in another session, own group)", setpgid(gc, me), EPERM);
	send_byte(down[1], 'x');
	reap("grandchild: own session, EPERM joining ours (exit 0)", gc, "exited 0");
}

/*
 * orphan makes a child whose child outlives it. Once the middle process has
 * been waited for, Linux has already reparented its children (exit_notify
 * does it before the parent can see the zombie), so the orphan can report
 * its new parent and be waited for by it.
 */
static void orphan(const char *label, pid_t want_parent)
{
	int go[2], res[2];
	char what[128];

	xpipe(go);
	xpipe(res);
	pid_t mid = xfork();
	if (mid == 0) {
		pid_t gc = xfork();
		if (gc == 0) {
			wait_byte(go[0]);
			send_byte(res[1], getppid() == want_parent);
			_exit(22);
		}
		_exit(0);
	}
	reap("middle process", mid, "exited 0");
	send_byte(go[1], 'x');
	snprintf(what, sizeof what, "orphan's getppid() is %s", label);
	expect_int(what, wait_byte(res[0]), 1);
	int st = 0;
	pid_t r = waitpid(-1, &st, 0);
	snprintf(what, sizeof what, "%s waits for the orphan", label);
	expect_int(what, r > 0, 1);
	if (r > 0)
		expect_str("orphan's status", describe(st), "exited 22");
	expect_err("no children left", waitpid(-1, &st, WNOHANG), ECHILD);
}

static void subreaper(void)
{
	int v = -1;
	expect_err("prctl(PR_GET_CHILD_SUBREAPER)", prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
	expect_int("subreaper at first", v, 0);
	expect_err("prctl(PR_SET_CHILD_SUBREAPER, 1)", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
	expect_int("subreaper now", v, 1);
	orphan("the subreaper", getpid());
}

/* in_child runs f in a child and reports how the child ended. */
static void in_child(void (*f)(void))
{
	pid_t p = xfork();
	if (p == 0) {
		f();
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	int st = 0;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("FAIL: the checking child %s\n", describe(st));
		failures++;
	}
}

static int exec_waiter(int upfd, int downfd)
{
	send_byte(upfd, 'e');
	wait_byte(downfd);
	return 0;
}

int main(int argc, char **argv)
{
	setup();
	self = argv[0];
	if (argc == 4 && strcmp(argv[1], "exec-waiter") == 0)
		return exec_waiter(atoi(argv[2]), atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: procgroup pgrp|session|orphan-subreaper|orphan-init\n");
		return 2;
	}
	const char *m = argv[1];
	if (strcmp(m, "pgrp") == 0)
		in_child(pgrp_checks);
	else if (strcmp(m, "session") == 0)
		in_child(session_checks);
	else if (strcmp(m, "orphan-subreaper") == 0)
		in_child(subreaper);
	else if (strcmp(m, "orphan-init") == 0) {
		expect_int("getpid() is 1", getpid(), 1);
		orphan("PID 1", 1);
	} else {
		fprintf(stderr, "procgroup: unknown check %s\n", m);
		return 2;
	}
	return finish("procgroup");
}
