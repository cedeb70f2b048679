/*
 * procwait: how a parent learns what became of its children (wait(2),
 * waitid(2)). argv[1] picks the check:
 *
 *   exit       _exit codes 0, 1, 42, 255 and 256 (only the low 8 bits count)
 *   signal     deaths by SIGTERM, SIGKILL, SIGSEGV, SIGPIPE, SIGABRT, SIGUSR1
 *   core       the core-dump bit under RLIMIT_CORE 0 and unlimited
 *   stop       WUNTRACED and WCONTINUED, and the SIGCHLD codes that go with them
 *   waitid     waitid with WNOHANG and WNOWAIT, then a real wait
 *   echild     waiting with no children: ECHILD; a bad option: EINVAL
 *   nocldwait  SA_NOCLDWAIT and SIGCHLD ignored: no zombies, wait gives ECHILD
 *   die-term, die-kill   the guest itself dies of SIGTERM or SIGKILL
 */
#include "proccheck.h"

#include <limits.h>
#include <sys/resource.h>

static void exit_codes(void)
{
	static const int codes[] = {0, 1, 42, 255, 256};
	char what[64], want[64];

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		pid_t p = xfork();
		if (p == 0)
			_exit(codes[i]);
		snprintf(what, sizeof what, "_exit(%d)", codes[i]);
		snprintf(want, sizeof want, "exited %d", codes[i] & 0xff);
		reap(what, p, want);
	}
	/* exit(3) from main's caller path, flushing stdio, is the same. */
	pid_t p = xfork();
	if (p == 0)
		exit(3);
	reap("exit(3)", p, "exited 3");
}

static void no_core(void)
{
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
}

static void deaths(void)
{
	pid_t p;
	int blk[2];

	p = xfork();
	if (p == 0) {
		raise(SIGTERM);
		_exit(99);
	}
	reap("raise(SIGTERM)", p, "killed by SIGTERM");

	/* The child blocks on a pipe nobody writes; the parent kills it. */
	xpipe(blk);
	p = xfork();
	if (p == 0) {
		close(blk[1]);
		wait_byte(blk[0]);
		_exit(99);
	}
	kill(p, SIGKILL);
	reap("kill(child, SIGKILL)", p, "killed by SIGKILL");
	close(blk[0]);
	close(blk[1]);

	p = xfork();
	if (p == 0) {
		no_core();
		*(volatile int *)0 = 1;
		_exit(99);
	}
	reap("write to NULL, RLIMIT_CORE 0", p, "killed by SIGSEGV");

	/* See pipe(7): writing to a pipe with no reader raises SIGPIPE. */
	int pp[2];
	xpipe(pp);
	close(pp[0]); /* before fork, so no process holds a read end */
	p = xfork();
	if (p == 0) {
		write(pp[1], "x", 1);
		_exit(99);
	}
	close(pp[1]);
	reap("write to a pipe without readers", p, "killed by SIGPIPE");

	p = xfork();
	if (p == 0) {
		no_core();
		abort();
	}
	reap("abort(), RLIMIT_CORE 0", p, "killed by SIGABRT");

	p = xfork();
	if (p == 0) {
		raise(SIGUSR1);
		_exit(99);
	}
	reap("raise(SIGUSR1)", p, "killed by SIGUSR1");
}

/*
 * See core(5): the core bit (WCOREDUMP) is set only when a core file was
 * actually written, which RLIMIT_CORE 0 prevents (for a core_pattern naming
 * a file). With RLIMIT_CORE unlimited, Linux writes the file "core" into the
 * cwd (core_pattern "core"), or pipes it to a helper. The want for the
 * unlimited runs is left open: it depends on the host's core_pattern, and
 * the Go test compares runos with the native run.
 */
static void cores(void)
{
	static const struct {
		const char *name;
		int sig; /* 0: a write to NULL */
	} ways[] = {{"write to NULL", 0}, {"raise(SIGQUIT)", SIGQUIT}, {"abort()", SIGABRT}, {"raise(SIGTERM)", SIGTERM}};
	static const struct {
		const char *name;
		rlim_t lim;
	} lims[] = {{"0", 0}, {"unlimited", RLIM_INFINITY}};
	char what[96], want[64];

	for (size_t l = 0; l < 2; l++) {
		for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
			int rp[2];
			xpipe(rp);
			pid_t p = xfork();
			if (p == 0) {
				struct rlimit rl = {lims[l].lim, lims[l].lim};
				send_byte(rp[1], setrlimit(RLIMIT_CORE, &rl) == 0);
				if (ways[w].sig == SIGABRT)
					abort();
				if (ways[w].sig)
					raise(ways[w].sig);
				else
					*(volatile int *)0 = 1;
				_exit(99);
			}
			close(rp[1]);
			snprintf(what, sizeof what, "RLIMIT_CORE %s: setrlimit worked", lims[l].name);
			expect_int(what, wait_byte(rp[0]), 1);
			close(rp[0]);
			int sig = ways[w].sig ? ways[w].sig : SIGSEGV;
			snprintf(what, sizeof what, "RLIMIT_CORE %s, %s", lims[l].name, ways[w].name);
			snprintf(want, sizeof want, "killed by %s", signame(sig));
			reap(what, p, lims[l].lim == 0 || sig == SIGTERM ? want : NULL);
		}
	}
}

static int chld_codes[8];
static volatile sig_atomic_t n_chld;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (n_chld < 8)
		chld_codes[n_chld] = si->si_code;
	n_chld++;
}

static const char *cld_name(int code)
{
	switch (code) {
	case CLD_EXITED:
		return "CLD_EXITED";
	case CLD_KILLED:
		return "CLD_KILLED";
	case CLD_DUMPED:
		return "CLD_DUMPED";
	case CLD_STOPPED:
		return "CLD_STOPPED";
	case CLD_CONTINUED:
		return "CLD_CONTINUED";
	case CLD_TRAPPED:
		return "CLD_TRAPPED";
	}
	return "?";
}

static void print_chld_codes(const char *what, const char *want)
{
	char buf[128] = "";
	for (int i = 0; i < n_chld && i < 8; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, cld_name(chld_codes[i]));
	}
	expect_str(what, buf, want);
}

/*
 * See wait(2): WUNTRACED reports a stopped child, WCONTINUED one resumed by
 * SIGCONT; each state change also sends the parent SIGCHLD, with si_code
 * CLD_STOPPED, CLD_CONTINUED, CLD_EXITED (sigaction(2)). The child tells the
 * parent through a pipe when it runs again, so by then the CLD_CONTINUED
 * SIGCHLD has been sent (the resumed child sends it itself on Linux).
 */
static void stop_continue(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	int up[2], down[2];
	xpipe(up);
	xpipe(down);
	pid_t p = xfork();
	if (p == 0) {
		raise(SIGSTOP);
		send_byte(up[1], 'r');
		wait_byte(down[0]);
		_exit(5);
	}
	int st = 0;
	pid_t r = waitpid(p, &st, WUNTRACED);
	expect_int("waitpid(WUNTRACED) returned the child", r == p, 1);
	expect_str("status after raise(SIGSTOP)", describe(st), "stopped by SIGSTOP");
	r = waitpid(p, &st, WNOHANG | WUNTRACED);
	expect_int("a stop is reported once (WNOHANG gives 0)", r, 0);

	expect_err("kill(child, SIGCONT)", kill(p, SIGCONT), 0);
	r = waitpid(p, &st, WCONTINUED);
	expect_int("waitpid(WCONTINUED) returned the child", r == p, 1);
	expect_str("status after SIGCONT", describe(st), "continued");
	expect_int("child runs again", wait_byte(up[0]), 'r');
	print_chld_codes("SIGCHLD codes so far", "CLD_STOPPED CLD_CONTINUED");

	send_byte(down[1], 'x');
	reap("child after continuing", p, "exited 5");
	print_chld_codes("SIGCHLD codes", "CLD_STOPPED CLD_CONTINUED CLD_EXITED");

	/* A stop under waitid(WSTOPPED), and SIGKILL ending a stopped child. */
	p = xfork();
	if (p == 0) {
		raise(SIGSTOP);
		_exit(6);
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	expect_err("waitid(P_PID, WSTOPPED)", waitid(P_PID, p, &si, WSTOPPED), 0);
	expect_str("waitid si_code", cld_name(si.si_code), "CLD_STOPPED");
	expect_str("waitid si_status", signame(si.si_status), "SIGSTOP");
	expect_int("waitid si_pid is the child", si.si_pid == p, 1);
	kill(p, SIGKILL);
	reap("stopped child after SIGKILL", p, "killed by SIGKILL");
	signal(SIGCHLD, SIG_DFL);
}

/* See waitid(2): WNOWAIT leaves the child waitable; WNOHANG with no child
 * ready returns 0 and, on Linux, zeroes the siginfo. */
static void waitid_nowait(void)
{
	int go[2];
	xpipe(go);
	pid_t p = xfork();
	if (p == 0) {
		close(go[1]);
		wait_byte(go[0]);
		_exit(9);
	}
	close(go[0]);
	siginfo_t si;
	memset(&si, 0x55, sizeof si);
	expect_err("waitid(P_ALL, WEXITED|WNOHANG), child running", waitid(P_ALL, 0, &si, WEXITED | WNOHANG), 0);
	expect_int("si_pid is 0 when no child is ready", si.si_pid, 0);
	expect_int("si_signo is 0 when no child is ready", si.si_signo, 0);

	send_byte(go[1], 'x');
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof si);
		expect_err("waitid(P_PID, WEXITED|WNOWAIT)", waitid(P_PID, p, &si, WEXITED | WNOWAIT), 0);
		expect_str("si_signo", signame(si.si_signo), "SIGCHLD");
		expect_str("si_code", cld_name(si.si_code), "CLD_EXITED");
		expect_int("si_status", si.si_status, 9);
		expect_int("si_pid is the child", si.si_pid == p, 1);
		expect_int("si_uid is getuid()", si.si_uid == getuid(), 1);
	}
	reap("waitpid after WNOWAIT", p, "exited 9");
	int st;
	expect_err("waitpid again", waitpid(p, &st, 0), ECHILD);
	memset(&si, 0, sizeof si);
	expect_err("waitid without WEXITED/WSTOPPED/WCONTINUED", waitid(P_ALL, 0, &si, WNOHANG), EINVAL);
	close(go[1]);
}

static void no_children(void)
{
	int st;
	siginfo_t si;
	expect_err("wait4(-1) with no children", wait4(-1, &st, 0, NULL), ECHILD);
	expect_err("waitpid(-1, WNOHANG) with no children", waitpid(-1, &st, WNOHANG), ECHILD);
	expect_err("waitpid(getpid())", waitpid(getpid(), &st, 0), ECHILD);
	expect_err("waitpid(INT_MAX)", waitpid(INT_MAX, &st, 0), ECHILD);
	expect_err("waitid(P_ALL, WEXITED) with no children", waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	expect_err("waitpid with an unknown option bit", waitpid(-1, &st, 0x10000000), EINVAL);
}

static volatile sig_atomic_t got_chld;

static void count_chld(int sig)
{
	(void)sig;
	got_chld++;
}

/*
 * See sigaction(2) and wait(2): with SA_NOCLDWAIT (or SIGCHLD set to
 * SIG_IGN) children do not become zombies; wait blocks until they have all
 * ended and then fails with ECHILD. Linux still sends SIGCHLD to a handler
 * installed with SA_NOCLDWAIT.
 */
static void nocldwait(void)
{
	pid_t kids[3];
	int go[2];

	struct sigaction sa = {0};
	sa.sa_handler = count_chld;
	sa.sa_flags = SA_NOCLDWAIT | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	xpipe(go);
	for (int i = 0; i < 3; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			close(go[1]);
			wait_byte(go[0]);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]); /* the children see EOF and exit */
	int st;
	expect_err("SA_NOCLDWAIT: wait", wait(&st), ECHILD);
	int zombies = 0;
	for (int i = 0; i < 3; i++)
		zombies += kill(kids[i], 0) == 0;
	expect_int("SA_NOCLDWAIT: children left as zombies", zombies, 0);
	expect_int("SA_NOCLDWAIT: SIGCHLD handler ran", got_chld > 0, 1);

	signal(SIGCHLD, SIG_IGN);
	pid_t p = xfork();
	if (p == 0)
		_exit(0);
	expect_err("SIGCHLD ignored: waitpid", waitpid(p, &st, 0), ECHILD);
	expect_err("SIGCHLD ignored: kill(child, 0)", kill(p, 0), ESRCH);
	signal(SIGCHLD, SIG_DFL);

	/* Back to the default: the child is a zombie until waited for. */
	p = xfork();
	if (p == 0)
		_exit(4);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	waitid(P_PID, p, &si, WEXITED | WNOWAIT);
	expect_err("SIG_DFL: kill(zombie, 0)", kill(p, 0), 0);
	reap("SIG_DFL: waitpid", p, "exited 4");
}

int main(int argc, char **argv)
{
	setup();
	if (argc != 2) {
		fprintf(stderr, "usage: procwait exit|signal|core|stop|waitid|echild|nocldwait|die-term|die-kill\n");
		return 2;
	}
	const char *m = argv[1];
	if (strcmp(m, "exit") == 0)
		exit_codes();
	else if (strcmp(m, "signal") == 0)
		deaths();
	else if (strcmp(m, "core") == 0)
		cores();
	else if (strcmp(m, "stop") == 0)
		stop_continue();
	else if (strcmp(m, "waitid") == 0)
		waitid_nowait();
	else if (strcmp(m, "echild") == 0)
		no_children();
	else if (strcmp(m, "nocldwait") == 0)
		nocldwait();
	else if (strcmp(m, "die-term") == 0) {
		printf("raising SIGTERM\n");
		raise(SIGTERM);
		printf("FAIL: still alive after SIGTERM\n");
		return 1;
	} else if (strcmp(m, "die-kill") == 0) {
		printf("raising SIGKILL\n");
		raise(SIGKILL);
		printf("FAIL: still alive after SIGKILL\n");
		return 1;
	} else {
		fprintf(stderr, "procwait: unknown check %s\n", m);
		return 2;
	}
	return finish("procwait");
}
