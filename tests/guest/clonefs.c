/*
 * clonefs: the root, working directory and umask (Linux's fs_struct)
 * across clone(2). A child made with CLONE_FS shares them with its
 * parent, so its chdir, umask and chroot change the parent's too; fork,
 * vfork and clone without CLONE_FS give the child a copy; unshare(CLONE_FS)
 * turns a shared one into a copy. Also unshare(2)'s other flags, as far
 * as a single process can see them, and /proc/pid/cwd of a sharer.
 *
 * Run from an empty directory: it makes a/, b/ and c/marker there. Every
 * line is a boolean or an errno name, so the native and runos runs
 * compare byte for byte.
 */
#include "proccheck.h"
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char base[PATH_MAX / 2];
static char stack[256 * 1024] __attribute__((aligned(16)));

/* in reports whether the working directory is base/name (base for "") */
static int in(const char *name)
{
	char cwd[PATH_MAX], want[PATH_MAX];

	if (getcwd(cwd, sizeof cwd) == NULL)
		return 0;
	snprintf(want, sizeof want, "%s%s%s", base, *name ? "/" : "", name);
	return strcmp(cwd, want) == 0;
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

/* back returns to base with umask 022 after a check that moved both. */
static void back(void)
{
	if (chdir(base) < 0) {
		perror("chdir base");
		exit(2);
	}
	umask(022);
}

/* A job is what a child does to its fs_struct before it exits. */
struct job {
	int unshare_fs;
	const char *dir;
	mode_t mask;
	int chroot_dot;
};

static int run_job(void *arg)
{
	struct job *j = arg;

	if (j->unshare_fs && unshare(CLONE_FS) < 0)
		_exit(10);
	if (j->dir != NULL && chdir(j->dir) < 0)
		_exit(11);
	if (j->mask != 0)
		umask(j->mask);
	if (j->chroot_dot && chroot(".") < 0)
		_exit(12);
	_exit(0);
}

/* spawn runs j in a child made by clone(2) with flags and reaps it. */
static void spawn(const char *what, int flags, struct job *j)
{
	pid_t pid = clone(run_job, stack + sizeof stack, flags | SIGCHLD, j);

	if (pid < 0) {
		printf("%s: clone: %s\nFAIL: clone\n", what, errname(-1, errno));
		failures++;
		return;
	}
	reap(what, pid, "exited 0");
}

static void *thread_chdir(void *arg)
{
	return (void *)(long)chdir((const char *)arg);
}

static int pipefd[2];

/* proc_child waits for the parent's chdir, then says whether it moved
 * too, as /proc/self/cwd and getcwd see it. */
static int proc_child(void *arg)
{
	char c, link[PATH_MAX], want[PATH_MAX];
	ssize_t n;

	(void)arg;
	if (read(pipefd[0], &c, 1) != 1)
		_exit(20);
	snprintf(want, sizeof want, "%s/b", base);
	n = readlink("/proc/self/cwd", link, sizeof link - 1);
	if (n < 0)
		_exit(21);
	link[n] = 0;
	_exit((strcmp(link, want) == 0 ? 0 : 22) + (in("b") ? 0 : 1));
}

static volatile long shared_ret, shared_err;

/* sighand_child, sharing memory and handlers with its parent, tries to
 * unshare the handlers. */
static int sighand_child(void *arg)
{
	(void)arg;
	shared_ret = syscall(SYS_unshare, CLONE_SIGHAND);
	shared_err = errno;
	_exit(0);
}

static int files_child(void *arg)
{
	if (unshare(CLONE_FILES) < 0)
		_exit(30);
	close((int)(long)arg);
	_exit(0);
}

int main(void)
{
	setup();
	umask(022);
	if (getcwd(base, sizeof base) == NULL || mkdir("a", 0755) < 0 ||
	    mkdir("b", 0755) < 0 || mkdir("c", 0755) < 0) {
		perror("setup");
		return 2;
	}
	int fd = open("c/marker", O_CREAT | O_WRONLY, 0644);
	if (fd < 0) {
		perror("c/marker");
		return 2;
	}
	close(fd);

	/* fork and vfork: copies. */
	pid_t pid = fork();
	if (pid == 0) {
		chdir("a");
		umask(077);
		_exit(0);
	}
	reap("fork child", pid, "exited 0");
	expect_int("after fork child's chdir, parent still in base", in(""), 1);
	expect_int("after fork child's umask, parent's is 022", current_umask() == 022, 1);

	pid = vfork();
	if (pid == 0) {
		chdir("a");
		umask(077);
		_exit(0);
	}
	reap("vfork child", pid, "exited 0");
	expect_int("after vfork child's chdir, parent still in base", in(""), 1);
	expect_int("after vfork child's umask, parent's is 022", current_umask() == 022, 1);

	struct job j = {.dir = "a", .mask = 077};
	spawn("clone without CLONE_FS", 0, &j);
	expect_int("clone without CLONE_FS: parent still in base", in(""), 1);
	expect_int("clone without CLONE_FS: parent's umask is 022", current_umask() == 022, 1);

	/* CLONE_FS: shared. */
	j = (struct job){.dir = "a", .mask = 027};
	spawn("clone CLONE_FS", CLONE_FS, &j);
	expect_int("after CLONE_FS child's chdir, parent in a", in("a"), 1);
	expect_int("after CLONE_FS child's umask, parent's is 027", current_umask() == 027, 1);
	back();

	/* The parent's chdir reaches a CLONE_FS child, /proc/pid/cwd too. */
	if (pipe(pipefd) < 0)
		return 2;
	pid = clone(proc_child, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
	if (pid < 0)
		return 2;
	chdir("b");
	char path[64], link[PATH_MAX], want[PATH_MAX];
	snprintf(path, sizeof path, "/proc/%d/cwd", pid);
	ssize_t n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof want, "%s/b", base);
	expect_int("/proc/child/cwd follows the parent's chdir", strcmp(link, want) == 0, 1);
	write(pipefd[1], "x", 1);
	reap("CLONE_FS child sees the parent's chdir", pid, "exited 0");
	close(pipefd[0]);
	close(pipefd[1]);
	back();

	/* unshare(CLONE_FS) in a CLONE_FS child breaks the sharing. */
	j = (struct job){.unshare_fs = 1, .dir = "a", .mask = 077};
	spawn("clone CLONE_FS, then unshare(CLONE_FS)", CLONE_FS, &j);
	expect_int("after unshare, child's chdir leaves parent in base", in(""), 1);
	expect_int("after unshare, child's umask leaves parent's 022", current_umask() == 022, 1);

	/* unshare(2)'s flags for a single-threaded process. */
	expect_err("unshare(0)", unshare(0), 0);
	expect_err("unshare(CLONE_FS) unshared", unshare(CLONE_FS), 0);
	expect_err("unshare(CLONE_FILES)", unshare(CLONE_FILES), 0);
	expect_err("unshare(CLONE_THREAD) single-threaded", unshare(CLONE_THREAD), 0);
	expect_err("unshare(CLONE_SIGHAND) not shared", unshare(CLONE_SIGHAND), 0);
	expect_err("unshare(CLONE_VM) not shared", unshare(CLONE_VM), 0);
	expect_err("unshare(CLONE_SYSVSEM)", unshare(CLONE_SYSVSEM), 0);
	expect_err("unshare(CLONE_PARENT)", unshare(CLONE_PARENT), EINVAL);
	expect_err("unshare(CLONE_VFORK)", unshare(CLONE_VFORK), EINVAL);
	expect_err("unshare(SIGCHLD)", unshare(SIGCHLD), EINVAL);

	pid = vfork();
	if (pid == 0) {
		long r = syscall(SYS_unshare, CLONE_VM);
		_exit(r < 0 && errno == EINVAL ? 0 : 1);
	}
	reap("unshare(CLONE_VM) in a vfork child: EINVAL", pid, "exited 0");

	pid = clone(sighand_child, stack + sizeof stack, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
	reap("CLONE_SIGHAND child", pid, "exited 0");
	errno = shared_err;
	expect_err("unshare(CLONE_SIGHAND) with shared handlers", shared_ret, EINVAL);

	/* unshare(CLONE_FILES) in a CLONE_FILES child: its close stays its own. */
	fd = open("c/marker", O_RDONLY);
	pid = clone(files_child, stack + sizeof stack, CLONE_FILES | SIGCHLD, (void *)(long)fd);
	reap("CLONE_FILES child unshares and closes", pid, "exited 0");
	expect_err("parent's descriptor still open", fcntl(fd, F_GETFD), 0);
	close(fd);

	/* Threads share theirs. Late: a joined thread may still count as one
	 * of the process for a while, and unshare(CLONE_THREAD) would fail. */
	pthread_t th;
	void *ret;
	pthread_create(&th, NULL, thread_chdir, "a");
	pthread_join(th, &ret);
	expect_int("thread's chdir moves the process", (long)ret == 0 && in("a"), 1);
	back();

	/* chroot: a fork child's stays its own; a CLONE_FS child's is the
	 * parent's too, which then finds itself at / of c. */
	pid = fork();
	if (pid == 0) {
		_exit(chdir("c") < 0 || chroot(".") < 0 ? 1 : 0);
	}
	reap("fork child chroots", pid, "exited 0");
	expect_int("after fork child's chroot, parent still in base", in(""), 1);

	j = (struct job){.dir = "c", .chroot_dot = 1};
	spawn("CLONE_FS child chroots", CLONE_FS, &j);
	char cwd[PATH_MAX];
	expect_int("after CLONE_FS child's chroot, parent's cwd is /",
		   getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/") == 0, 1);
	expect_err("and /marker is c/marker", access("/marker", F_OK), 0);
	return finish("clonefs");
}
