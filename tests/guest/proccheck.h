/*
 * proccheck.h: the reporting helpers shared by the process guests
 * (procwait.c, procfork.c, procsig.c, procgroup.c, procexec.c).
 *
 * Each check prints one stable line, "what: value", where the value is a
 * boolean, a count, a wait-status description or an errno name, never a pid
 * or an address, so that the native run and the runos run can be compared
 * byte for byte. When the value is not what Linux gives, a second line
 * "FAIL: ..." follows and the guest exits 1 at the end (see finish), so a
 * guest is a real test when run natively too.
 *
 * The helpers are static inline so that a guest using only some of them
 * compiles without unused-function warnings.
 *
 * stdout is made line buffered (setup) so that nothing half-written is
 * duplicated by fork(2): a child inherits a copy of the stdio buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static inline void setup(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline int finish(const char *guest)
{
	printf("%s: %d failures\n", guest, failures);
	return failures ? 1 : 0;
}

/* errname is "OK" for a call that returned >= 0, else errno's name. */
static inline const char *errname(long ret, int err)
{
	static char buf[32];
	const char *n;

	if (ret >= 0)
		return "OK";
	n = strerrorname_np(err);
	if (n == NULL) {
		snprintf(buf, sizeof buf, "errno %d", err);
		return buf;
	}
	return n;
}

/* signame is "SIGTERM", "SIGRTMIN+1" and so on. */
static inline const char *signame(int sig)
{
	static char buf[2][32];
	static int which;
	char *b = buf[which++ & 1];

	if (sig == SIGRTMIN)
		return "SIGRTMIN";
	if (sig > SIGRTMIN && sig <= SIGRTMAX) {
		snprintf(b, 32, "SIGRTMIN+%d", sig - SIGRTMIN);
		return b;
	}
	const char *a = sigabbrev_np(sig);
	if (a == NULL)
		snprintf(b, 32, "signal %d", sig);
	else
		snprintf(b, 32, "SIG%s", a);
	return b;
}

/* describe turns a wait(2) status into words, as a shell would. */
static inline const char *describe(int st)
{
	static char buf[2][64];
	static int which;
	char *b = buf[which++ & 1];

	if (WIFEXITED(st))
		snprintf(b, 64, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, 64, "killed by %s%s", signame(WTERMSIG(st)),
			 WCOREDUMP(st) ? " (core dumped)" : "");
	else if (WIFSTOPPED(st))
		snprintf(b, 64, "stopped by %s", signame(WSTOPSIG(st)));
	else if (WIFCONTINUED(st))
		snprintf(b, 64, "continued");
	else
		snprintf(b, 64, "unknown status %#x", st);
	return b;
}

static inline void expect_str(const char *what, const char *got, const char *want)
{
	printf("%s: %s\n", what, got);
	if (want != NULL && strcmp(got, want) != 0) {
		printf("FAIL: %s is %s, want %s\n", what, got, want);
		failures++;
	}
}

static inline void expect_int(const char *what, long got, long want)
{
	printf("%s: %ld\n", what, got);
	if (got != want) {
		printf("FAIL: %s is %ld, want %ld\n", what, got, want);
		failures++;
	}
}

/* expect_err checks a call's outcome: want is an errno or 0 for success. */
static inline void expect_err(const char *what, long ret, int want)
{
	int err = errno;
	const char *got = errname(ret, err);

	printf("%s: %s\n", what, got);
	if ((want == 0) != (ret >= 0) || (ret < 0 && err != want)) {
		printf("FAIL: %s gave %s, want %s\n", what, got, want ? strerrorname_np(want) : "OK");
		failures++;
	}
}

/* reap waits for pid and checks how it ended. */
static inline void reap(const char *what, pid_t pid, const char *want)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, 0);

	if (r != pid) {
		printf("%s: waitpid: %s\n", what, errname(r, errno));
		printf("FAIL: %s: waitpid did not return the child\n", what);
		failures++;
		return;
	}
	expect_str(what, describe(st), want);
}

/* xfork is fork that gives up on failure, which no check expects. */
static inline pid_t xfork(void)
{
	pid_t p = fork();

	if (p < 0) {
		printf("FAIL: fork: %s\n", errname(p, errno));
		exit(1);
	}
	return p;
}

static inline void xpipe(int p[2])
{
	if (pipe(p) != 0) {
		printf("FAIL: pipe: %s\n", errname(-1, errno));
		exit(1);
	}
}

/* wait_byte reads one byte from fd: the way processes here wait for each
 * other instead of sleeping. It returns the byte, or -1 on EOF or error. */
static inline int wait_byte(int fd)
{
	unsigned char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

static inline void send_byte(int fd, int c)
{
	unsigned char b = (unsigned char)c;

	while (write(fd, &b, 1) < 0 && errno == EINTR)
		;
}
