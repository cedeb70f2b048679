/*
 * procsig: signal delivery between processes. argv[1] picks the check:
 *
 *   siginfo      an SA_SIGINFO handler's si_pid, si_uid, si_code for kill(2),
 *                raise(3), SIGCHLD, and si_value for sigqueue(3)
 *   restart      a handler interrupting a blocked read, wait4, nanosleep and
 *                poll, with and without SA_RESTART (see signal(7))
 *   sigsuspend   sigsuspend(2) with pending and arriving signals, and the mask
 *                it puts back
 *   rtqueue-kill real-time signals sent with kill(2) queue, standard ones do
 *                not; delivery is lowest number first
 *   rtqueue-sigqueue  the same with sigqueue(3), in queue order with values
 *   blocked-ignored  a blocked signal whose action is to ignore it (SIGCHLD
 *                by default, SIGUSR1 set to SIG_IGN) stays pending, so
 *                sigtimedwait(2) and a signalfd(2) can collect it; unblocked
 *                and ignored it is discarded
 *   kill-1       kill(-1, sig) reaches every other process but not the caller;
 *                meant to run as PID 1 of its own PID namespace (the Go test
 *                runs it so natively, as runos always does) because on a host
 *                it would signal every process the caller may signal
 *
 * No check sleeps to order events: a child repeats its signal until the
 * parent has reacted, or the parent waits for the child on a pipe.
 */
#include "proccheck.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <time.h>

static siginfo_t last[65];
static volatile sig_atomic_t count[65];

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last[sig] = *si;
	count[sig]++;
}

static void catch(int sig, int flags)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = record;
	sa.sa_flags = SA_SIGINFO | flags;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void block(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* suspend_until waits for sig with every other signal blocked. */
static int suspend_until(int sig)
{
	sigset_t s;
	sigfillset(&s);
	sigdelset(&s, sig);
	return sigsuspend(&s);
}

static const char *code_name(int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TKILL:
		return "SI_TKILL";
	case SI_KERNEL:
		return "SI_KERNEL";
	case CLD_EXITED:
		return "CLD_EXITED";
	}
	return "?";
}

static void siginfo(void)
{
	catch(SIGUSR1, 0);
	catch(SIGUSR2, 0);
	catch(SIGCHLD, SA_RESTART);
	block(SIG_BLOCK, SIGUSR1);
	block(SIG_BLOCK, SIGUSR2);

	pid_t parent = getpid();
	pid_t p = xfork();
	if (p == 0) {
		/* The child inherits the mask: it waits for the parent's SIGUSR2. */
		kill(getppid(), SIGUSR1);
		suspend_until(SIGUSR2);
		siginfo_t *si = &last[SIGUSR2];
		int bad = (si->si_pid != getppid()) | (si->si_pid != parent) << 1 |
			  (si->si_code != SI_USER) << 2 | (si->si_uid != getuid()) << 3;
		_exit(bad);
	}
	expect_err("sigsuspend for the child's SIGUSR1", suspend_until(SIGUSR1), EINTR);
	siginfo_t *si = &last[SIGUSR1];
	expect_str("SIGUSR1 si_signo", signame(si->si_signo), "SIGUSR1");
	expect_str("SIGUSR1 si_code", code_name(si->si_code), "SI_USER");
	expect_int("SIGUSR1 si_pid is the child", si->si_pid == p, 1);
	expect_int("SIGUSR1 si_uid is getuid()", si->si_uid == getuid(), 1);
	kill(p, SIGUSR2);
	reap("child saw si_pid == getppid(), SI_USER, si_uid (exit 0)", p, "exited 0");
	si = &last[SIGCHLD];
	expect_int("SIGCHLD handled", count[SIGCHLD], 1);
	expect_str("SIGCHLD si_code", code_name(si->si_code), "CLD_EXITED");
	expect_int("SIGCHLD si_pid is the child", si->si_pid == p, 1);
	expect_int("SIGCHLD si_status", si->si_status, 0);

	block(SIG_UNBLOCK, SIGUSR1);
	raise(SIGUSR1);
	si = &last[SIGUSR1];
	expect_int("raise: handled before raise returns", count[SIGUSR1], 2);
	expect_str("raise si_code", code_name(si->si_code), "SI_TKILL");
	expect_int("raise si_pid is getpid()", si->si_pid == getpid(), 1);

	union sigval v = {.sival_int = 42};
	int r = sigqueue(getpid(), SIGUSR2, v);
	expect_err("sigqueue(self, SIGUSR2, 42) while blocked", r, 0);
	if (r == 0) {
		expect_err("sigsuspend", suspend_until(SIGUSR2), EINTR);
		si = &last[SIGUSR2];
		expect_str("sigqueue si_code", code_name(si->si_code), "SI_QUEUE");
		expect_int("sigqueue si_value", si->si_value.sival_int, 42);
		expect_int("sigqueue si_pid is getpid()", si->si_pid == getpid(), 1);
		expect_int("sigqueue si_uid is getuid()", si->si_uid == getuid(), 1);
	}
}

/*
 * signaller runs in a child: it sends SIGUSR1 to the parent every 2 ms
 * until the parent closes the stop pipe (a non-blocking read then sees end
 * of file). The sleep only paces the signals; no outcome depends on it.
 * After the fifth signal it does the thing the parent is waiting for, if
 * any: writes to the data pipe, or exits (for wait4). It gives up after
 * 5000 signals so a parent that never reacts fails instead of hanging.
 */
static void signaller(int stopfd, int datafd, int exit_after)
{
	pid_t parent = getppid();
	fcntl(stopfd, F_SETFL, O_NONBLOCK);
	for (int n = 1; n < 5000; n++) {
		kill(parent, SIGUSR1);
		if (n == 5 && datafd >= 0)
			write(datafd, "hello", 5);
		if (n == 5 && exit_after)
			_exit(0);
		char c;
		if (read(stopfd, &c, 1) == 0)
			break;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

enum call { READ, WAIT4, NANOSLEEP, POLL };

static void interrupted(enum call c, int restart)
{
	static const char *names[] = {"read of an empty pipe", "wait4", "nanosleep(5 s)", "poll of an empty pipe"};
	int stop[2], data[2];
	char what[96];
	long r = 0;

	catch(SIGUSR1, restart ? SA_RESTART : 0);
	count[SIGUSR1] = 0;
	xpipe(stop);
	xpipe(data);
	pid_t p = xfork();
	if (p == 0) {
		close(stop[1]);
		close(data[0]);
		signaller(stop[0], c == READ && restart ? data[1] : -1, c == WAIT4 && restart);
	}
	close(stop[0]);
	close(data[1]);
	errno = 0;
	switch (c) {
	case READ: {
		char buf[16];
		r = read(data[0], buf, sizeof buf);
		break;
	}
	case WAIT4: {
		int st;
		r = wait4(p, &st, 0, NULL);
		if (r == p)
			r = 0; /* reaped: no pid in the output */
		break;
	}
	case NANOSLEEP: {
		struct timespec ts = {5, 0};
		r = nanosleep(&ts, NULL);
		break;
	}
	case POLL: {
		struct pollfd pf = {data[0], POLLIN, 0};
		r = poll(&pf, 1, -1);
		break;
	}
	}
	snprintf(what, sizeof what, "%s, %s SA_RESTART", names[c], restart ? "with" : "without");
	int err = errno;
	char got[64];
	if (r < 0)
		snprintf(got, sizeof got, "-1 %s", errname(r, err));
	else
		snprintf(got, sizeof got, "%ld", r);
	/* See signal(7): read and wait4 restart with SA_RESTART; nanosleep and
	 * poll never do. A reaped child is reported as 0. */
	const char *want = "-1 EINTR";
	if (restart && c == READ)
		want = "5";
	if (restart && c == WAIT4)
		want = "0";
	expect_str(what, got, want);
	expect_int("handler ran", count[SIGUSR1] > 0, 1);
	close(stop[1]);
	if (!(restart && c == WAIT4))
		waitpid(p, NULL, 0);
	close(data[0]);
}

static int mask_has(int sig)
{
	sigset_t s;
	sigprocmask(SIG_BLOCK, NULL, &s);
	return sigismember(&s, sig);
}

static int pending_has(int sig)
{
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

static void suspend(void)
{
	catch(SIGUSR1, 0);
	catch(SIGUSR2, 0);
	block(SIG_BLOCK, SIGUSR1);
	block(SIG_BLOCK, SIGUSR2);

	raise(SIGUSR2);
	expect_int("blocked SIGUSR2 is pending", pending_has(SIGUSR2), 1);
	expect_int("its handler has not run", count[SIGUSR2], 0);
	expect_err("sigsuspend unblocking the pending SIGUSR2", suspend_until(SIGUSR2), EINTR);
	expect_int("SIGUSR2 handler ran once", count[SIGUSR2], 1);
	expect_int("mask restored: SIGUSR1 blocked", mask_has(SIGUSR1), 1);
	expect_int("mask restored: SIGUSR2 blocked", mask_has(SIGUSR2), 1);

	pid_t p = xfork();
	if (p == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	expect_err("sigsuspend for the child's SIGUSR1", suspend_until(SIGUSR1), EINTR);
	expect_int("SIGUSR1 handler ran once", count[SIGUSR1], 1);
	reap("child", p, "exited 0");

	/* The child sends SIGUSR1 and then SIGUSR2; sigsuspend leaves SIGUSR1
	 * blocked, so only SIGUSR2 ends it and SIGUSR1 stays pending. */
	p = xfork();
	if (p == 0) {
		kill(getppid(), SIGUSR1);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	expect_err("sigsuspend with SIGUSR1 still blocked", suspend_until(SIGUSR2), EINTR);
	expect_int("SIGUSR2 handler ran twice in all", count[SIGUSR2], 2);
	expect_int("SIGUSR1 handler still ran once", count[SIGUSR1], 1);
	expect_int("SIGUSR1 pending", pending_has(SIGUSR1), 1);
	block(SIG_UNBLOCK, SIGUSR1);
	expect_int("unblocking runs the SIGUSR1 handler", count[SIGUSR1], 2);
	reap("child", p, "exited 0");
}

static int order_sig[32], order_val[32];
static volatile sig_atomic_t n_order;

static void log_order(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (n_order < 32) {
		order_sig[n_order] = sig;
		order_val[n_order] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
	}
	n_order++;
}

/*
 * See signal(7): real-time signals queue, each instance with its value, and
 * are delivered lowest number first, instances of one signal in the order
 * sent; a standard signal pending already is not queued again. Linux also
 * delivers standard signals before real-time ones (they have lower numbers).
 * Every handler blocks all signals (sa_mask), so handlers run one after the
 * other instead of nesting, in delivery order.
 */
static void rtqueue(int use_sigqueue)
{
	const int sigs[] = {SIGRTMIN + 1, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN, SIGUSR1, SIGUSR1, SIGRTMIN};
	sigset_t all;
	char buf[512] = "";

	for (size_t i = 0; i < 3; i++) {
		int s = i == 0 ? SIGUSR1 : SIGRTMIN + (int)i - 1;
		struct sigaction sa = {0};
		sa.sa_sigaction = log_order;
		sa.sa_flags = SA_SIGINFO;
		sigfillset(&sa.sa_mask);
		sigaction(s, &sa, NULL);
		block(SIG_BLOCK, s);
	}
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		int r;
		if (use_sigqueue)
			r = sigqueue(getpid(), sigs[i], (union sigval){.sival_int = (int)i + 1});
		else
			r = kill(getpid(), sigs[i]);
		if (r != 0) {
			printf("send %s: %s\n", signame(sigs[i]), errname(r, errno));
			printf("FAIL: sending %s\n", signame(sigs[i]));
			failures++;
		}
	}
	expect_int("handlers run while blocked", n_order, 0);
	sigset_t pend;
	sigpending(&pend);
	expect_int("pending: SIGUSR1, SIGRTMIN, SIGRTMIN+1", sigismember(&pend, SIGUSR1) + sigismember(&pend, SIGRTMIN) + sigismember(&pend, SIGRTMIN + 1), 3);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int i = 0; i < n_order && i < 32; i++) {
		char one[48];
		if (order_val[i] >= 0)
			snprintf(one, sizeof one, "%s%s=%d", i ? " " : "", signame(order_sig[i]), order_val[i]);
		else
			snprintf(one, sizeof one, "%s%s", i ? " " : "", signame(order_sig[i]));
		strcat(buf, one);
	}
	expect_str("delivery order", buf,
		   use_sigqueue ? "SIGUSR1=5 SIGRTMIN=2 SIGRTMIN=4 SIGRTMIN=7 SIGRTMIN+1=1 SIGRTMIN+1=3"
				: "SIGUSR1 SIGRTMIN SIGRTMIN SIGRTMIN SIGRTMIN+1 SIGRTMIN+1");
}

/*
 * See kill(2): kill(-1, sig) signals every process the caller may signal
 * except PID 1 and the caller itself. This process is PID 1 here, so its
 * two children and one grandchild are all the others.
 */
static void kill_all(void)
{
	expect_int("getpid() is 1", getpid(), 1);
	catch(SIGUSR1, 0);
	block(SIG_BLOCK, SIGUSR1);
	int ready[2];
	xpipe(ready);
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			pid_t gc = 0;
			if (i == 1) {
				gc = xfork();
				if (gc == 0) {
					send_byte(ready[1], 'g');
					suspend_until(SIGUSR1);
					_exit(30);
				}
			}
			send_byte(ready[1], 'c');
			suspend_until(SIGUSR1);
			if (gc) {
				int st = 0;
				waitpid(gc, &st, 0);
				_exit(WIFEXITED(st) && WEXITSTATUS(st) == 30 ? 20 : 21);
			}
			_exit(10);
		}
	}
	for (int i = 0; i < 3; i++)
		wait_byte(ready[0]);
	expect_err("kill(-1, 0) with others around", kill(-1, 0), 0);
	expect_err("kill(-1, SIGUSR1)", kill(-1, SIGUSR1), 0);
	expect_int("the caller is not signalled", pending_has(SIGUSR1) || count[SIGUSR1], 0);
	reap("first child", kids[0], "exited 10");
	reap("second child (its child also got SIGUSR1)", kids[1], "exited 20");
	expect_err("kill(-1, 0) alone", kill(-1, 0), ESRCH);
	expect_err("kill(-1, SIGUSR1) alone", kill(-1, SIGUSR1), ESRCH);
	expect_err("kill(INT_MAX, 0)", kill(INT_MAX, 0), ESRCH);
	expect_err("kill(getpid(), 65)", kill(getpid(), 65), EINVAL);
}

static void blocked_ignored(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR1, SIG_IGN);

	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	/* The child's SIGCHLD stays pending though its default is to ignore. */
	struct timespec ts = {5, 0};
	siginfo_t si;
	int sig = sigtimedwait(&set, &si, &ts);
	expect_int("sigtimedwait collects the blocked SIGCHLD", sig, SIGCHLD);
	expect_int("si_pid is the child", si.si_pid == pid, 1);
	expect_int("si_status", si.si_status, 7);
	reap("child", pid, "exited 7");

	/* An explicitly ignored but blocked SIGUSR1 is pending too. */
	kill(getpid(), SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	expect_int("blocked SIG_IGN SIGUSR1 pending", sigismember(&pend, SIGUSR1), 1);
	/* Unblocking discards it (nothing runs, nothing stays pending). */
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	sigpending(&pend);
	expect_int("pending after unblocking", sigismember(&pend, SIGUSR1), 0);
	/* Sent while unblocked and ignored, it never becomes pending. */
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	expect_int("unblocked ignored SIGUSR1 pending", sigismember(&pend, SIGUSR1), 0);

	/* The same SIGCHLD through a signalfd and poll. */
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	expect_int("signalfd", sfd >= 0, 1);
	pid = fork();
	if (pid == 0)
		_exit(9);
	struct pollfd p = {.fd = sfd, .events = POLLIN};
	expect_int("poll on the signalfd", poll(&p, 1, 5000), 1);
	struct signalfd_siginfo fsi;
	expect_int("read", read(sfd, &fsi, sizeof fsi), sizeof fsi);
	expect_int("ssi_signo", fsi.ssi_signo, SIGCHLD);
	expect_int("ssi_status", fsi.ssi_status, 9);
	reap("second child", pid, "exited 9");
	close(sfd);
}

int main(int argc, char **argv)
{
	setup();
	if (argc != 2) {
		fprintf(stderr, "usage: procsig siginfo|restart|sigsuspend|rtqueue-kill|rtqueue-sigqueue|blocked-ignored|kill-1\n");
		return 2;
	}
	const char *m = argv[1];
	if (strcmp(m, "siginfo") == 0)
		siginfo();
	else if (strcmp(m, "restart") == 0) {
		for (int restart = 1; restart >= 0; restart--)
			for (enum call c = READ; c <= POLL; c++)
				interrupted(c, restart);
	} else if (strcmp(m, "sigsuspend") == 0)
		suspend();
	else if (strcmp(m, "rtqueue-kill") == 0)
		rtqueue(0);
	else if (strcmp(m, "rtqueue-sigqueue") == 0)
		rtqueue(1);
	else if (strcmp(m, "kill-1") == 0)
		kill_all();
	else if (strcmp(m, "blocked-ignored") == 0)
		blocked_ignored();
	else {
		fprintf(stderr, "procsig: unknown check %s\n", m);
		return 2;
	}
	return finish("procsig");
}
