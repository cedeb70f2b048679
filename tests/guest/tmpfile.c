/*
 * tmpfile: file calls on files with no name, and a few corners of the
 * common ones. Each check is one argument:
 *
 *   usage: tmpfile CHECK [DIR]
 *
 *   tmpfile DIR  open(2) and openat2(2) with O_TMPFILE in a fresh
 *                directory under DIR (/tmp: the sandbox's overlay, whose
 *                upper layer is a tmpfs; /dev/shm: a tmpfs), its error
 *                cases, O_EXCL, and naming the file with linkat(2)
 *                through AT_EMPTY_PATH and through /proc/self/fd/N
 *   readlink     readlinkat(2) with an empty path
 *   readzero     read(2) of zero bytes: inotify with events queued fails
 *                (EINVAL), pipes, regular files and the rest as Linux
 *   memfd        fallocate(2) on a memfd and F_SEAL_WRITE refused while
 *                a writable shared mapping exists (EBUSY)
 *   fdattr       fchmod(2)/fchown(2) on pipes, eventfds and standard
 *                output, and what fstat(2) shows after
 *
 * Each line is "what: result", where a result is "ok", an errno name or
 * a small value that is the same on every machine, so the native and
 * runos outputs compare equal; it exits 1 when a result is not the one
 * Linux gives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static char dir[96];

/* res is "ok" for r >= 0, else errno's name. */
static const char *res(long r)
{
	if (r >= 0)
		return "ok";
	const char *n = strerrorname_np(errno);
	return n ? n : "?";
}

/* expect prints what happened and counts a failure when it is not want. */
static void expect(const char *what, long r, const char *want)
{
	const char *got = res(r);
	printf("%s: %s\n", what, got);
	if (strcmp(got, want) != 0)
		failures++;
}

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

static char *in(const char *name)
{
	static char buf[4][160];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return b;
}

static nlink_t nlink(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return (nlink_t)-1;
	return st.st_nlink;
}

static int procfd(int fd, char *buf)
{
	return sprintf(buf, "/proc/self/fd/%d", fd);
}

static const char *content(const char *path)
{
	static char buf[32];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return res(-1);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static void tmpfile_check(void)
{
	umask(022);
	int fd = open(dir, O_TMPFILE | O_RDWR, 0666);
	expect("open O_TMPFILE|O_RDWR", fd, "ok");
	if (fd < 0)
		return;
	struct stat st;
	fstat(fd, &st);
	check("regular, mode 0644 after umask", S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
	check("nlink 0", st.st_nlink == 0);
	check("write and read back", write(fd, "hello", 5) == 5 && pread(fd, (char[8]){0}, 8, 0) == 5);

	char p[64], link[160];
	procfd(fd, p);
	ssize_t n = readlink(p, link, sizeof link - 1);
	link[n < 0 ? 0 : n] = 0;
	size_t dl = strlen(dir);
	check("fd link names #N (deleted) in the directory",
	      n > 0 && strncmp(link, dir, dl) == 0 && link[dl] == '/' && link[dl + 1] == '#' &&
		      strstr(link, " (deleted)") != NULL);
	check("directory lists nothing", unlink(in("#")) == -1 && errno == ENOENT);

	expect("linkat /proc/self/fd/N AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, p, AT_FDCWD, in("a"), AT_SYMLINK_FOLLOW), "ok");
	printf("nlink after link: %d\n", (int)nlink(fd));
	printf("named file reads: %s\n", content(in("a")));
	expect("linkat fd \"\" AT_EMPTY_PATH (root)", linkat(fd, "", AT_FDCWD, in("b"), AT_EMPTY_PATH), "ok");
	printf("nlink after second link: %d\n", (int)nlink(fd));
	expect("linkat without AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, in("c"), 0), "ENOENT");
	expect("fchmod", fchmod(fd, 0600), "ok");
	close(fd);

	/* A tmpfile whose only name is removed cannot be linked again. */
	fd = open(dir, O_TMPFILE | O_WRONLY, 0600);
	expect("open O_TMPFILE|O_WRONLY", fd, "ok");
	linkat(fd, "", AT_FDCWD, in("d"), AT_EMPTY_PATH);
	unlink(in("d"));
	expect("relink after unlink", linkat(fd, "", AT_FDCWD, in("d"), AT_EMPTY_PATH), "ENOENT");
	close(fd);

	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	expect("open O_TMPFILE|O_EXCL", fd, "ok");
	procfd(fd, p);
	expect("O_EXCL: linkat via /proc", linkat(AT_FDCWD, p, AT_FDCWD, in("e"), AT_SYMLINK_FOLLOW), "ENOENT");
	expect("O_EXCL: linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, in("e"), AT_EMPTY_PATH), "ENOENT");
	close(fd);

	expect("O_TMPFILE read-only", open(dir, O_TMPFILE | O_RDONLY, 0600), "EINVAL");
	expect("O_TMPFILE|O_CREAT", open(dir, O_TMPFILE | O_CREAT | O_RDWR, 0600), "EINVAL");
	expect("__O_TMPFILE without O_DIRECTORY", open(dir, (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600), "EINVAL");
	expect("on a regular file", open(in("a"), O_TMPFILE | O_RDWR, 0600), "ENOTDIR");
	expect("on a missing directory", open(in("nodir"), O_TMPFILE | O_RDWR, 0600), "ENOENT");
	expect("on /proc", open("/proc", O_TMPFILE | O_RDWR, 0600), "EOPNOTSUPP");
	fd = open(dir, O_TMPFILE | O_PATH | O_RDWR, 0600);
	struct stat ps;
	check("O_PATH drops O_TMPFILE (opens the directory)", fd >= 0 && fstat(fd, &ps) == 0 && S_ISDIR(ps.st_mode));
	close(fd);

	struct open_how how = {.flags = O_TMPFILE | O_RDWR, .mode = 0600};
	fd = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);
	expect("openat2 O_TMPFILE", fd, "ok");
	check("openat2 tmpfile nlink 0", nlink(fd) == 0);
	close(fd);
	how.mode = 0;
	how.flags = O_TMPFILE | O_RDWR | O_PATH;
	expect("openat2 O_TMPFILE|O_PATH", syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how), "EINVAL");

	/* A user may name their tmpfile through /proc, not AT_EMPTY_PATH. */
	chmod(dir, 0777);
	int rootfd = open(dir, O_TMPFILE | O_RDWR, 0666);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(1000) != 0 || setuid(1000) != 0)
			_exit(3);
		/* Not the credentials the descriptor was opened with. */
		printf("root's fd, user: linkat AT_EMPTY_PATH: %s\n",
		       res(linkat(rootfd, "", AT_FDCWD, in("u3"), AT_EMPTY_PATH)));
		int f = open(dir, O_TMPFILE | O_RDWR, 0600);
		char q[64];
		procfd(f, q);
		int r1 = linkat(f, "", AT_FDCWD, in("u1"), AT_EMPTY_PATH);
		int e1 = errno;
		int r2 = linkat(AT_FDCWD, q, AT_FDCWD, in("u2"), AT_SYMLINK_FOLLOW);
		errno = e1;
		printf("user: linkat AT_EMPTY_PATH: %s\n", res(r1));
		printf("user: linkat via /proc: %s\n", r2 == 0 ? "ok" : "failed");
		fflush(stdout);
		_exit(r2 == 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	check("user child ok", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(rootfd);
}

static void readlink_check(void)
{
	char buf[64];
	symlink("target", in("l"));
	int fd = open(in("l"), O_PATH | O_NOFOLLOW);
	long n = readlinkat(fd, "", buf, sizeof buf);
	check("readlinkat(O_PATH symlink, \"\") reads it", n == 6 && memcmp(buf, "target", 6) == 0);
	expect("size 0", readlinkat(fd, "", buf, 0), "EINVAL");
	close(fd);
	int f = open(in("f"), O_CREAT | O_RDWR, 0644);
	expect("on a regular file's fd", readlinkat(f, "", buf, sizeof buf), "ENOENT");
	expect("AT_FDCWD", readlinkat(AT_FDCWD, "", buf, sizeof buf), "ENOENT");
	int p[2];
	pipe(p);
	expect("on a pipe", readlinkat(p[0], "", buf, sizeof buf), "ENOENT");
	expect("on a bad fd", readlinkat(99, "", buf, sizeof buf), "EBADF");
	expect("a relative name from a file", readlinkat(f, "x", buf, sizeof buf), "ENOTDIR");
	close(f);
	close(p[0]);
	close(p[1]);
}

static void readzero_check(void)
{
	char buf[64];
	int in1 = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(in1, dir, IN_CREATE);
	expect("inotify, nothing queued, non-blocking", read(in1, buf, 0), "EAGAIN");
	close(open(in("f"), O_CREAT | O_RDWR, 0644));
	expect("inotify, event queued", read(in1, buf, 0), "EINVAL");
	expect("inotify, buffer too small", read(in1, buf, 4), "EINVAL");
	check("inotify event still there", read(in1, buf, sizeof buf) > 0);
	close(in1);

	int p[2];
	pipe(p);
	printf("pipe, empty, blocking: %ld\n", (long)read(p[0], buf, 0));
	write(p[1], "x", 1);
	printf("pipe with data: %ld\n", (long)read(p[0], buf, 0));
	close(p[0]);
	close(p[1]);
	int f = open(in("f"), O_RDWR);
	printf("regular file: %ld\n", (long)read(f, buf, 0));
	printf("regular file pread: %ld\n", (long)pread(f, buf, 0, 100));
	close(f);
	int e = eventfd(1, 0);
	expect("eventfd", read(e, buf, 0), "EINVAL");
	close(e);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	expect("directory", read(d, buf, 0), "EISDIR");
	close(d);
	int z = open("/dev/zero", O_RDONLY);
	printf("/dev/zero: %ld\n", (long)read(z, buf, 0));
	close(z);
}

static void memfd_check(void)
{
	int fd = memfd_create("m", MFD_ALLOW_SEALING);
	struct stat st;
	expect("fallocate", fallocate(fd, 0, 0, 8192), "ok");
	fstat(fd, &st);
	printf("size after fallocate: %ld\n", (long)st.st_size);
	expect("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096), "ok");
	fstat(fd, &st);
	printf("size after keep size: %ld\n", (long)st.st_size);
	pwrite(fd, "abcd", 4, 0);
	expect("punch hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), "ok");
	char b[4] = {1, 1, 1, 1};
	pread(fd, b, 4, 0);
	check("hole reads zeros", b[0] == 0 && b[3] == 0);
	expect("zero range", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), "EOPNOTSUPP");
	expect("length 0", fallocate(fd, 0, 0, 0), "EINVAL");

	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap shared", m != MAP_FAILED);
	expect("F_SEAL_WRITE with a writable shared mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "EBUSY");
	pid_t pid = fork();
	if (pid == 0) {
		/* The child's copy of the mapping counts too. */
		munmap(m, 4096);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	expect("still EBUSY after a child unmapped its copy", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "EBUSY");
	munmap(m, 4096);
	char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	expect("F_SEAL_WRITE with a read-only shared mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "EBUSY");
	munmap(r, 4096);
	char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect("F_SEAL_WRITE with a private mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), "ok");
	munmap(pv, 4096);
	expect("punch hole when sealed", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), "EPERM");
	expect("fallocate inside when write-sealed", fallocate(fd, 0, 0, 4096), "ok");
	expect("F_SEAL_GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), "ok");
	expect("fallocate past the end when grow-sealed", fallocate(fd, 0, 8192, 4096), "EPERM");
	expect("keep size past the end when grow-sealed", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096), "EPERM");
	close(fd);
}

static void fdattr_check(void)
{
	int p[2];
	struct stat st, st2;
	pipe(p);
	fstat(p[0], &st);
	printf("pipe mode: %o\n", st.st_mode);
	expect("fchmod pipe", fchmod(p[0], 0640), "ok");
	fstat(p[1], &st);
	printf("other end mode: %o\n", st.st_mode);
	expect("fchown pipe", fchown(p[1], 1000, 1001), "ok");
	fstat(p[0], &st);
	printf("pipe owner: %d %d\n", st.st_uid, st.st_gid);
	check("ctime set", st.st_ctime != 0);
	char q[64];
	procfd(p[0], q);
	stat(q, &st2);
	check("stat through /proc shows it", st2.st_mode == st.st_mode && st2.st_uid == 1000);
	close(p[0]);
	close(p[1]);

	int e = eventfd(0, 0);
	expect("fchmod eventfd", fchmod(e, 0640), "EOPNOTSUPP");
	expect("fchown eventfd", fchown(e, 1000, 1000), "EOPNOTSUPP");
	fstat(e, &st);
	printf("eventfd mode: %o\n", st.st_mode);
	close(e);

	/* Standard output is the harness's pipe: never change a terminal. */
	if (fstat(1, &st) == 0 && S_ISFIFO(st.st_mode)) {
		expect("fchmod stdout", fchmod(1, 0620), "ok");
		fstat(1, &st);
		printf("stdout mode: %o\n", st.st_mode & 07777);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} checks[] = {
	{"tmpfile", tmpfile_check}, {"readlink", readlink_check}, {"readzero", readzero_check},
	{"memfd", memfd_check},	    {"fdattr", fdattr_check},
};

static void cleanup(void)
{
	const char *names[] = {"a", "b", "c", "d", "e", "f", "l", "u1", "u2", "u3"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(in(names[i]));
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: tmpfile CHECK [DIR]\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s/tmpfile.XXXXXX", argc > 2 ? argv[2] : "/dev/shm");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (strcmp(argv[1], checks[i].name) == 0) {
			checks[i].fn();
			cleanup();
			printf("%s: %d failures\n", argv[1], failures);
			return failures != 0;
		}
	}
	cleanup();
	fprintf(stderr, "tmpfile: unknown check %s\n", argv[1]);
	return 2;
}
