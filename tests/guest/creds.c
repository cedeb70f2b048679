/*
 * creds: user and group ids, how a process may change them, and kill(2)'s
 * permission check (credentials(7), setresuid(2), kill(2)).
 *
 *   creds          run as root: change ids every way root can, drop to
 *                  unprivileged ids and check what is refused, signal
 *                  across users, and exec with real != effective uid.
 *   creds unpriv   run as user 65534:65534 with no supplementary groups:
 *                  what an unprivileged sandbox user may and may not do.
 *   creds secure   (internal) print what exec gave: AT_SECURE and the ids.
 *
 * Lines are "what: value" with ids, counts and errno names, never pids
 * (see proccheck.h), so the native and runos runs compare byte for byte.
 */
#include "proccheck.h"

#include <grp.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static const char *self;

static void expect_ids(const char *what, int user, unsigned a, unsigned b, unsigned c)
{
	unsigned r, e, s;
	char got[64], want[64];

	if (user)
		getresuid(&r, &e, &s);
	else
		getresgid(&r, &e, &s);
	snprintf(got, sizeof got, "%u %u %u", r, e, s);
	snprintf(want, sizeof want, "%u %u %u", a, b, c);
	expect_str(what, got, want);
}

static void expect_groups(const char *what, const char *want)
{
	gid_t g[16];
	char got[128] = "";
	int n = getgroups(16, g);

	if (n < 0) {
		expect_str(what, errname(n, errno), want);
		return;
	}
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%u", i ? " " : "", g[i]);
	expect_str(what, n ? got : "(none)", want);
}

/* The last signal's sender uid and code, from a SA_SIGINFO handler. */
static volatile int got_sig;
static volatile unsigned got_uid;
static volatile int got_code;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_uid = si->si_uid;
	got_code = si->si_code;
}

static void catch(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigaction(sig, &sa, NULL);
}

/* wait_signal waits for sig, which the caller has blocked. */
static void wait_signal(int sig)
{
	sigset_t none;

	sigemptyset(&none);
	got_sig = 0;
	while (got_sig != sig)
		sigsuspend(&none);
}

/* exec_secure forks a child that takes ids r/e/s, execs this program and
 * reports what the new image sees. */
static void exec_secure(const char *what, uid_t r, uid_t e, uid_t s)
{
	pid_t p = xfork();

	if (p == 0) {
		if (setresuid(r, e, s) != 0)
			_exit(2);
		execl(self, self, "secure", what, (char *)NULL);
		_exit(3);
	}
	reap(what, p, "exited 0");
}

static int secure(const char *what)
{
	unsigned r, e, s;

	getresuid(&r, &e, &s);
	printf("%s: AT_SECURE %lu, AT_UID %lu, AT_EUID %lu, ids %u %u %u\n", what,
	       getauxval(AT_SECURE), getauxval(AT_UID), getauxval(AT_EUID), r, e, s);
	return 0;
}

static void as_root(void)
{
	unsigned fs;
	gid_t three[] = { 30, 10, 20 };
	sigset_t usr1;
	int ready[2], done[2];
	pid_t rootchild, child;
	siginfo_t si;

	expect_ids("initial uids", 1, 0, 0, 0);
	expect_ids("initial gids", 0, 0, 0, 0);
	expect_int("geteuid", geteuid(), 0);

	/* Root may set any groups; Linux keeps them sorted. */
	expect_err("setgroups 30 10 20", setgroups(3, three), 0);
	expect_int("getgroups count", getgroups(0, NULL), 3);
	expect_groups("groups", "10 20 30");
	gid_t one[1];
	expect_err("getgroups into 1 slot", getgroups(1, one), EINVAL);
	expect_err("setgroups -1", setgroups((size_t)-1, three), EINVAL);
	expect_err("setgroups 65537", syscall(SYS_setgroups, 65537, three), EINVAL);

	/* Group ids. */
	expect_err("setresgid 100 200 300", setresgid(100, 200, 300), 0);
	expect_ids("gids", 0, 100, 200, 300);
	expect_int("setfsgid -1 (fsgid follows egid)", setfsgid(-1), 200);
	expect_err("setregid -1 400", setregid(-1, 400), 0);
	expect_ids("gids after setregid -1 400", 0, 100, 400, 400);
	expect_err("setgid -1", syscall(SYS_setgid, -1), EINVAL);

	/* A child that stays root, for the kill checks. */
	xpipe(ready);
	xpipe(done);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	catch(SIGUSR1);
	rootchild = xfork();
	if (rootchild == 0) {
		close(ready[1]);
		close(done[1]);
		wait_byte(ready[0]);
		kill(getppid(), SIGUSR1);
		wait_byte(done[0]);
		_exit(0);
	}
	close(ready[0]);
	close(done[0]);

	/* Uids: root may set any; dropping the effective uid keeps root in
	 * the saved one, from which it can come back. */
	expect_err("setresuid 1000 2000 0", setresuid(1000, 2000, 0), 0);
	expect_ids("uids", 1, 1000, 2000, 0);
	expect_int("setfsuid -1 (fsuid follows euid)", setfsuid(-1), 2000);
	expect_err("setuid 3000 (not root now)", setuid(3000), EPERM);
	expect_err("setresuid 3000 -1 -1", setresuid(3000, -1, -1), EPERM);
	expect_err("setgroups while euid 2000", setgroups(0, NULL), EPERM);
	expect_err("setreuid 2000 1000 (swap)", setreuid(2000, 1000), 0);
	expect_ids("uids after swap", 1, 2000, 1000, 1000);
	expect_err("seteuid 0 (saved is 1000 now)", seteuid(0), EPERM);
	expect_err("setresuid -1 2000 -1", setresuid(-1, 2000, -1), 0);
	expect_ids("uids", 1, 2000, 2000, 1000);
	expect_err("setresuid -1 -1 -1", setresuid(-1, -1, -1), 0);
	expect_err("setuid -1", syscall(SYS_setuid, -1), EINVAL);
	expect_err("setreuid -1 -1", setreuid(-1, -1), 0);

	/* A second run of the sequence from root, through the saved uid. */
	child = xfork();
	if (child == 0) {
		failures = 0;
		/* From 2000 2000 1000 there is no way back to 0. */
		expect_err("child: setuid 0", setuid(0), EPERM);
		_exit(failures);
	}
	reap("child without root in any uid", child, "exited 0");

	/* setfsuid changes only to one of the ids and always returns the old. */
	expect_int("setfsuid 0 (refused, returns old)", setfsuid(0), 2000);
	expect_int("setfsuid 1000 (the saved uid)", setfsuid(1000), 2000);
	fs = setfsuid(-1);
	expect_int("fsuid", fs, 1000);

	/* Signals across users. */
	expect_err("kill root child, signal 0", kill(rootchild, 0), EPERM);
	expect_err("kill root child, SIGTERM", kill(rootchild, SIGTERM), EPERM);
	expect_err("tgkill root child", syscall(SYS_tgkill, rootchild, rootchild, 0), EPERM);
	expect_err("kill self", kill(getpid(), 0), 0);
	expect_err("kill own process group (some allowed)", kill(0, 0), 0);
	/* Root may signal anyone; si_uid is the sender's real uid. */
	send_byte(ready[1], 1);
	wait_signal(SIGUSR1);
	expect_int("SIGUSR1 from root child: si_uid", got_uid, 0);
	expect_int("SIGUSR1 from root child: si_code is SI_USER", got_code == SI_USER, 1);

	/* A child of the same user may be signalled; waitid reports its uid. */
	child = xfork();
	if (child == 0) {
		failures = 0;
		kill(getppid(), SIGUSR1);
		pause();
		_exit(0);
	}
	wait_signal(SIGUSR1);
	expect_int("SIGUSR1 from own child: si_uid", got_uid, 2000);
	expect_err("kill own child", kill(child, SIGTERM), 0);
	memset(&si, 0, sizeof si);
	expect_err("waitid own child", waitid(P_PID, child, &si, WEXITED), 0);
	expect_int("waitid si_uid", si.si_uid, 2000);
	expect_int("waitid si_code is CLD_KILLED", si.si_code == CLD_KILLED, 1);

	close(done[1]);
	memset(&si, 0, sizeof si);
	expect_err("waitid root child", waitid(P_PID, rootchild, &si, WEXITED), 0);
	expect_int("waitid si_uid of root child", si.si_uid, 0);

	/* Exec: no set-user-ID bits, but AT_SECURE when euid != ruid; the
	 * saved uid becomes the effective one. */
	expect_err("setresuid 0 0 0 (back through nothing)", setresuid(0, 0, 0), EPERM);
}

static void exec_checks(void)
{
	exec_secure("exec as 1000 0 0", 1000, 0, 0);
	exec_secure("exec as 0 0 1000", 0, 0, 1000);
	exec_secure("exec as 1000 1000 0", 1000, 1000, 0);
}

static void unpriv(void)
{
	struct rlimit rl;
	struct sched_param sp = { .sched_priority = 1 };
	pid_t child;
	siginfo_t si;

	expect_ids("uids", 1, 65534, 65534, 65534);
	expect_ids("gids", 0, 65534, 65534, 65534);
	expect_int("getuid", getuid(), 65534);
	expect_int("getgid", getgid(), 65534);
	expect_int("getgroups count", getgroups(0, NULL), 0);
	expect_int("AT_UID", getauxval(AT_UID), 65534);
	expect_int("AT_EGID", getauxval(AT_EGID), 65534);
	expect_int("AT_SECURE", getauxval(AT_SECURE), 0);

	expect_err("setuid 0", setuid(0), EPERM);
	expect_err("setuid 65534", setuid(65534), 0);
	expect_err("seteuid 0", seteuid(0), EPERM);
	expect_err("setresuid 65534 65534 65534", setresuid(65534, 65534, 65534), 0);
	expect_err("setreuid 0 -1", setreuid(0, -1), EPERM);
	expect_err("setgid 0", setgid(0), EPERM);
	expect_err("setresgid -1 0 -1", setresgid(-1, 0, -1), EPERM);
	expect_err("setgroups 0", setgroups(0, NULL), EPERM);
	expect_int("setfsuid 0 (refused, returns old)", setfsuid(0), 65534);
	expect_int("fsuid", setfsuid(-1), 65534);
	expect_int("setfsgid 0 (refused, returns old)", setfsgid(0), 65534);

	/* Limits: a hard limit only goes down. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max++;
	expect_err("raise hard RLIMIT_NOFILE", setrlimit(RLIMIT_NOFILE, &rl), EPERM);
	rl.rlim_max -= 2;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	expect_err("lower hard RLIMIT_NOFILE", setrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_max++;
	expect_err("raise it back", setrlimit(RLIMIT_NOFILE, &rl), EPERM);

	/* Scheduling: nice only goes up, no real-time policy. */
	expect_err("setpriority 5", setpriority(PRIO_PROCESS, 0, 5), 0);
	expect_int("getpriority raw", syscall(SYS_getpriority, PRIO_PROCESS, 0), 15);
	expect_err("setpriority 0 (back down)", setpriority(PRIO_PROCESS, 0, 0), EACCES);
	expect_err("sched_setscheduler FIFO", sched_setscheduler(0, SCHED_FIFO, &sp), EPERM);
	sp.sched_priority = 0;
	expect_err("sched_setscheduler BATCH", sched_setscheduler(0, SCHED_BATCH, &sp), 0);
	expect_int("sched_getscheduler", sched_getscheduler(0), SCHED_BATCH);
	expect_err("sched_setscheduler OTHER", sched_setscheduler(0, SCHED_OTHER, &sp), 0);

	/* Our own child. */
	child = xfork();
	if (child == 0) {
		failures = 0;
		pause();
		_exit(0);
	}
	expect_err("kill own child, signal 0", kill(child, 0), 0);
	expect_int("child inherits nice (raw)", syscall(SYS_getpriority, PRIO_PROCESS, child), 15);
	kill(child, SIGKILL);
	memset(&si, 0, sizeof si);
	expect_err("waitid", waitid(P_PID, child, &si, WEXITED), 0);
	expect_int("waitid si_uid", si.si_uid, 65534);
}

int main(int argc, char **argv)
{
	setup();
	self = argv[0];
	if (argc > 2 && strcmp(argv[1], "secure") == 0)
		return secure(argv[2]);
	if (argc > 1 && strcmp(argv[1], "unpriv") == 0) {
		unpriv();
		return finish("creds unpriv");
	}
	exec_checks();
	as_root();
	return finish("creds");
}
