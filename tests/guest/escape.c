/*
 * escape.c: attempts to leave the root directory, each printed as one
 * line "what: result", where the result is an errno name, "ok", a path
 * inside the root or the first line of a file the root holds. Nothing
 * printed depends on where the root lives on the host, so the run under
 * `runos --root DIR` and the native run in a chroot(2) of DIR print the
 * same. The tree is built by tests/files_test.go (see escapeTree there):
 * /etc/passwd holds "root:sandbox", /bin/etc/passwd "inroot:bin", and
 * symlinks point out of the root both ways (absolute and relative).
 *
 * Usage: escape GROUP OUTSIDE          (as PID 1 of a sandbox rooted at DIR)
 *        escape --native-root DIR GROUP OUTSIDE
 * OUTSIDE is a host directory beside the root holding a file "secret". The
 * second form is the native oracle: it enters new mount and PID namespaces
 * (so that it is PID 1 and /proc is its own, as under runos), mounts proc
 * on DIR/proc, chroot(2)s into DIR and runs DIR/bin/escape GROUP OUTSIDE.
 * It needs root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* From linux/openat2.h, spelled out so that old headers build this too. */
struct open_how_v0 {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static const char *outside; /* the host directory the root must not reach */

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* result prints what: ok, or the errno of a call that returned r < 0. */
static void result(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? errname(errno) : "ok");
}

/* firstline prints what: the first line of the file open at fd (closing
 * it), or the errno when fd < 0. */
static void firstline(const char *what, int fd)
{
	char buf[256];
	ssize_t n;

	if (fd < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		printf("%s: read %s\n", what, errname(errno));
		return;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf("%s: read \"%s\"\n", what, buf);
}

static void readfile(const char *what, const char *path)
{
	firstline(what, open(path, O_RDONLY));
}

static void showlink(const char *what, const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof buf - 1);

	if (n < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	buf[n] = 0;
	printf("%s: %s\n", what, buf);
}

static void showcwd(const char *what)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof buf))
		printf("%s: %s\n", what, errname(errno));
	else
		printf("%s: %s\n", what, buf);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* listing prints the sorted names in directory path, without . and .. */
static void listing(const char *what, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char *names[256];
	int n = 0;

	if (!d) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	while ((e = readdir(d)) && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmpstr);
	printf("%s:", what);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

/* sameas prints whether a and b are the same inode. */
static void sameas(const char *what, const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0) {
		printf("%s: %s\n", what, errname(errno));
		return;
	}
	printf("%s: %s\n", what, sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? "same" : "different");
}

/* See path_resolution(7): ".." in the root directory is the root itself. */
static void dotdot(void)
{
	char path[PATH_MAX];
	int dfd;

	result("chdir /../../..", chdir("/../../.."));
	showcwd("cwd");
	listing("ls .", ".");
	sameas("/.. is /", "/..", "/");
	sameas("/../../.. is /", "/../../..", "/");
	readfile("open /../../../etc/passwd", "/../../../etc/passwd");
	result("chdir /bin", chdir("/bin"));
	result("chdir ../../../..", chdir("../../../.."));
	showcwd("cwd");
	dfd = open("/bin", O_RDONLY | O_DIRECTORY);
	firstline("openat(/bin, ../../../etc/passwd)", openat(dfd, "../../../etc/passwd", O_RDONLY));
	result("fchdir /bin", fchdir(dfd));
	close(dfd);
	result("chdir ..x20", chdir("../../../../../../../../../../../../../../../../../../../.."));
	showcwd("cwd");
	snprintf(path, sizeof path, "/../../../../../../../..%s/secret", outside);
	readfile("open /../..OUTSIDE/secret", path);
	snprintf(path, sizeof path, "%s/secret", outside);
	readfile("open OUTSIDE/secret", path);
}

/* Absolute symlinks resolve from the process's root, relative ones climb
 * no higher than it (path_resolution(7)). */
static void symlinks(void)
{
	char path[PATH_MAX];
	int fd;

	showlink("readlink /abs-etc", "/abs-etc");
	readfile("open /abs-etc/passwd", "/abs-etc/passwd");
	readfile("open /abs-out/secret", "/abs-out/secret");
	readfile("open /rel-up", "/rel-up");
	readfile("open /rel-out", "/rel-out");
	readfile("open /bin/up/etc/passwd", "/bin/up/etc/passwd");
	readfile("open /bin/up/bin/up/abs-etc/passwd", "/bin/up/bin/up/abs-etc/passwd");
	if (realpath("/bin/up/abs-etc", path))
		printf("realpath /bin/up/abs-etc: %s\n", path);
	else
		printf("realpath /bin/up/abs-etc: %s\n", errname(errno));
	readfile("open /loop", "/loop");
	fd = open("/rel-out", O_WRONLY | O_CREAT, 0644);
	result("creat through /rel-out", fd);
	if (fd >= 0)
		close(fd);
	result("mkdir /abs-out/new", mkdir("/abs-out/new", 0755));
	result("symlink /tmp/l -> /abs-out", symlink("/abs-out", "/tmp/l"));
	readfile("open /tmp/l/secret", "/tmp/l/secret");
	result("chdir /abs-out", chdir("/abs-out"));
	result("chdir /bin/up", chdir("/bin/up"));
	showcwd("cwd");
	listing("ls .", ".");
}

/* /proc's root and cwd links jump to the process's own root and cwd; in
 * the sandbox, PID 1 is the sandbox's first process (pid_namespaces(7)). */
static void procfs(void)
{
	printf("getpid: %d\n", (int)getpid());
	showlink("readlink /proc/self/root", "/proc/self/root");
	showlink("readlink /proc/1/root", "/proc/1/root");
	readfile("open /proc/self/root/../../etc/passwd", "/proc/self/root/../../etc/passwd");
	sameas("/proc/self/root/.. is /", "/proc/self/root/..", "/");
	result("chdir /proc/self/root/..", chdir("/proc/self/root/.."));
	showcwd("cwd");
	listing("ls .", ".");
	result("chdir /bin", chdir("/bin"));
	showlink("readlink /proc/1/cwd", "/proc/1/cwd");
	showlink("readlink /proc/self/cwd", "/proc/self/cwd");
	showlink("readlink /proc/1/exe", "/proc/1/exe");
	readfile("open /proc/1/cwd/../etc/passwd", "/proc/1/cwd/../etc/passwd");
	readfile("open /proc/1/cwd/up/etc/passwd", "/proc/1/cwd/up/etc/passwd");
	listing("ls /proc/1/root/..", "/proc/1/root/..");
	result("chdir /proc/1/cwd/../..", chdir("/proc/1/cwd/../.."));
	showcwd("cwd");
}

/* See link(2): both names on one mount, or EXDEV; and a path that leaves
 * the root resolves inside it like any other. */
static void hardlinks(void)
{
	char path[PATH_MAX];
	struct stat st;

	result("link /../../../etc/passwd /tmp/l1", link("/../../../etc/passwd", "/tmp/l1"));
	readfile("open /tmp/l1", "/tmp/l1");
	result("link /abs-out/secret /tmp/l2", link("/abs-out/secret", "/tmp/l2"));
	result("linkat /rel-out /tmp/l3 FOLLOW", linkat(AT_FDCWD, "/rel-out", AT_FDCWD, "/tmp/l3", AT_SYMLINK_FOLLOW));
	snprintf(path, sizeof path, "/../../../../../../../..%s/secret", outside);
	result("link /../..OUTSIDE/secret /tmp/l4", link(path, "/tmp/l4"));
	result("link /proc/self/status /tmp/l5", link("/proc/self/status", "/tmp/l5"));
	result("link /etc/passwd /abs-out/l7", link("/etc/passwd", "/abs-out/l7"));
	result("link /etc/passwd /bin/up/etc/l8", link("/etc/passwd", "/bin/up/etc/l8"));
	result("stat /etc/l8", stat("/etc/l8", &st));
	printf("/etc/passwd links: %d\n", (int)st.st_nlink);
	listing("ls /tmp", "/tmp");
}

/* A new name in procfs's root: Linux's lookup of the missing name fails
 * (ENOENT) before link(2) compares the mounts. */
static void linkproc(void)
{
	result("link /etc/passwd /proc/l6", link("/etc/passwd", "/proc/l6"));
	result("link /etc/passwd /proc/self/l7", link("/etc/passwd", "/proc/self/l7"));
	result("link /proc/self/status /tmp/l8", link("/proc/self/status", "/tmp/l8"));
}

static long openat2(int dfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how_v0 how = {.flags = flags, .resolve = resolve};

	return syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

/* See openat2(2): RESOLVE_BENEATH refuses ".." above the directory,
 * absolute paths and symlinks leading out with EXDEV; RESOLVE_IN_ROOT
 * treats the directory as the root. */
static void resolve(void)
{
	struct open_how_v0 how = {.flags = O_RDONLY};
	int bin = open("/bin", O_PATH | O_DIRECTORY);
	char fdlink[64];
	long r;

	r = openat2(bin, "escape", O_RDONLY, RESOLVE_BENEATH);
	result("BENEATH escape", r);
	if (r >= 0)
		close(r);
	firstline("BENEATH etc/passwd", openat2(bin, "etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH sub/../etc/passwd", openat2(bin, "sub/../etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH ../etc/passwd", openat2(bin, "../etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH /etc/passwd", openat2(bin, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH up/etc/passwd", openat2(bin, "up/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH sub/../../etc/passwd", openat2(bin, "sub/../../etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH AT_FDCWD /etc/passwd", openat2(AT_FDCWD, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("IN_ROOT ../etc/passwd", openat2(bin, "../etc/passwd", O_RDONLY, RESOLVE_IN_ROOT));
	firstline("IN_ROOT /etc/passwd", openat2(bin, "/etc/passwd", O_RDONLY, RESOLVE_IN_ROOT));
	firstline("IN_ROOT up/etc/passwd", openat2(bin, "up/etc/passwd", O_RDONLY, RESOLVE_IN_ROOT));
	firstline("NO_SYMLINKS up/etc/passwd", openat2(bin, "up/etc/passwd", O_RDONLY, RESOLVE_NO_SYMLINKS));
	snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", bin);
	firstline("NO_MAGICLINKS /proc/self/fd/BIN/etc/passwd", openat2(AT_FDCWD, strcat(fdlink, "/etc/passwd"), O_RDONLY, RESOLVE_NO_MAGICLINKS));
	firstline("plain /proc/self/root/etc/passwd", openat2(AT_FDCWD, "/proc/self/root/etc/passwd", O_RDONLY, 0));
	firstline("NO_XDEV /proc/self/status", openat2(AT_FDCWD, "/proc/self/status", O_RDONLY, RESOLVE_NO_XDEV));
	firstline("BENEATH|IN_ROOT", openat2(bin, "etc/passwd", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
	firstline("unknown resolve bit", openat2(bin, "etc/passwd", O_RDONLY, 1 << 20));
	result("short open_how", syscall(SYS_openat2, bin, "etc/passwd", &how, 8));
	close(bin);
}

/* A descriptor's magic link leads to the open file itself: a directory
 * open with O_PATH can be walked through (proc(5)), and a scoped lookup
 * refuses the jump with EXDEV (openat2(2)). */
static void fdlinks(void)
{
	int bin = open("/bin", O_PATH | O_DIRECTORY), root = open("/", O_PATH | O_DIRECTORY);
	char fdlink[64];

	snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d/etc/passwd", bin);
	readfile("open /proc/self/fd/BIN/etc/passwd", fdlink);
	firstline("BENEATH / proc/self/fd/BIN/etc/passwd", openat2(root, fdlink + 1, O_RDONLY, RESOLVE_BENEATH));
	firstline("IN_ROOT / proc/self/fd/BIN/etc/passwd", openat2(root, fdlink + 1, O_RDONLY, RESOLVE_IN_ROOT));
	close(bin);
	close(root);
}

/* See openat2(2) and proc(5): /proc/pid/root, cwd and exe are magic links
 * like /proc/pid/fd/N, which RESOLVE_NO_MAGICLINKS refuses with ELOOP and
 * RESOLVE_BENEATH with EXDEV. */
static void magiclinks(void)
{
	int root = open("/", O_PATH | O_DIRECTORY);

	result("chdir /bin", chdir("/bin"));
	firstline("NO_MAGICLINKS /proc/self/root/etc/passwd",
		  openat2(AT_FDCWD, "/proc/self/root/etc/passwd", O_RDONLY, RESOLVE_NO_MAGICLINKS));
	firstline("NO_MAGICLINKS /proc/self/cwd/etc/passwd",
		  openat2(AT_FDCWD, "/proc/self/cwd/etc/passwd", O_RDONLY, RESOLVE_NO_MAGICLINKS));
	firstline("NO_MAGICLINKS /proc/1/exe", openat2(AT_FDCWD, "/proc/1/exe", O_RDONLY, RESOLVE_NO_MAGICLINKS));
	firstline("NO_MAGICLINKS /proc/self/root", openat2(AT_FDCWD, "/proc/self/root", O_PATH, RESOLVE_NO_MAGICLINKS));
	firstline("BENEATH / proc/self/root/etc/passwd",
		  openat2(root, "proc/self/root/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	firstline("BENEATH / proc/self/cwd/etc/passwd",
		  openat2(root, "proc/self/cwd/etc/passwd", O_RDONLY, RESOLVE_BENEATH));
	close(root);
}

static int rungroup(const char *group)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} groups[] = {
		{"dotdot", dotdot}, {"symlinks", symlinks}, {"proc", procfs}, {"link", hardlinks},
		{"linkproc", linkproc}, {"openat2", resolve},
		{"fdlinks", fdlinks}, {"magiclinks", magiclinks},
	};

	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		if (!strcmp(group, groups[i].name)) {
			groups[i].fn();
			return 0;
		}
	}
	fprintf(stderr, "escape: unknown group %s\n", group);
	return 2;
}

/* native sets up what runos gives its program, then runs the group. */
static int native(const char *root, const char *group)
{
	char proc[PATH_MAX];
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0) {
		perror("escape: unshare");
		return 3;
	}
	/* Keep the proc mount below from propagating back to the host. */
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		perror("escape: mount --make-rprivate /");
		return 3;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("escape: fork");
		return 3;
	}
	if (pid == 0) {
		snprintf(proc, sizeof proc, "%s/proc", root);
		if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 || chroot(root) < 0 ||
		    chdir("/") < 0) {
			perror("escape: setting up the root");
			_exit(3);
		}
		/* Run from inside the root, as under runos, so that
		 * /proc/1/exe names /bin/escape. */
		execl("/bin/escape", "escape", group, outside, (char *)NULL);
		perror("escape: exec /bin/escape");
		_exit(3);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "--native-root")) {
		outside = argv[4];
		return native(argv[2], argv[3]);
	}
	if (argc != 3) {
		fprintf(stderr, "usage: escape [--native-root DIR] GROUP OUTSIDE\n");
		return 2;
	}
	outside = argv[2];
	return rungroup(argv[1]);
}
