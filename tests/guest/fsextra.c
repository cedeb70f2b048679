/*
 * fsextra: the file calls beyond open/read/write: statfs and fstatfs,
 * sync, syncfs, fadvise and readahead, the extended attribute calls,
 * utime/utimes/futimesat, fallocate, openat2 and creat, close_range,
 * fchmodat2 and epoll_pwait2, the time left that select, pselect6
 * and ppoll write back, a pipe's owner, mode and times, and statx's
 * birth time and attributes. Each check
 * is one argument:
 *
 *   usage: fsextra CHECK   (statfs sync xattr utimes fallocate openat2
 *                           closerange fchmodat2 epollpwait2 timeleft
 *                           pipeattr statx)
 *
 * It prints booleans, never sizes, times or paths that differ between
 * machines, so the output is the same natively and under runos; it exits
 * 1 when a check fails. Files live in a fresh directory under /dev/shm,
 * a tmpfs both natively and in the sandbox.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/eventfd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int failures;
static char dir[64];

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

/* fails reports whether r is -1 with errno e. */
static int fails(long r, int e) { return r == -1 && errno == e; }

static char *in(const char *name)
{
	static char buf[2][128];
	static int n;
	char *b = buf[n++ % 2];
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return b;
}

static int mkfile(const char *name)
{
	return open(in(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
}

static void statfs_check(void)
{
	struct statfs s;
	check("proc f_type", statfs("/proc", &s) == 0 && s.f_type == PROC_SUPER_MAGIC);
	check("proc f_bsize 4096", s.f_bsize == 4096);
	check("proc f_namelen 255", s.f_namelen == 255);
	check("proc f_blocks 0", s.f_blocks == 0);
	check("proc ST_VALID", (s.f_flags & 0x20) != 0);
	check("shm f_type", statfs("/dev/shm", &s) == 0 && s.f_type == TMPFS_MAGIC);
	check("shm f_bsize 4096", s.f_bsize == 4096 && s.f_frsize == 4096);
	check("shm f_namelen 255", s.f_namelen == 255);
	check("shm has blocks", s.f_blocks > 0 && s.f_bfree <= s.f_blocks && s.f_files > 0);
	check("dev is a tmpfs", statfs("/dev", &s) == 0 && s.f_type == TMPFS_MAGIC);
	check("sys f_type", statfs("/sys", &s) == 0 && s.f_type == SYSFS_MAGIC);
	int fd = open("/proc/self/status", O_RDONLY);
	check("fstatfs proc", fstatfs(fd, &s) == 0 && s.f_type == PROC_SUPER_MAGIC);
	close(fd);
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	check("fstatfs pipe", fstatfs(p[0], &s) == 0 && s.f_type == PIPEFS_MAGIC && s.f_bsize == 4096);
	int e = eventfd(0, 0);
	check("fstatfs eventfd", fstatfs(e, &s) == 0 && s.f_type == ANON_INODE_FS_MAGIC);
	check("statfs ENOENT", fails(statfs("/nonexistent/x", &s), ENOENT));
	check("statfs ENOTDIR", fails(statfs("/proc/self/status/x", &s), ENOTDIR));
	check("statfs EFAULT", fails(statfs("/proc", (void *)8), EFAULT));
	check("fstatfs EBADF", fails(fstatfs(-1, &s), EBADF));
}

static void sync_check(void)
{
	sync();
	check("sync returns", 1);
	int fd = mkfile("f");
	check("syncfs 0", syncfs(fd) == 0);
	check("syncfs EBADF", fails(syncfs(-1), EBADF));
	check("fadvise normal", posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL) == 0);
	check("fadvise dontneed", posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED) == 0);
	check("fadvise bad advice EINVAL", posix_fadvise(fd, 0, 0, 99) == EINVAL);
	check("fadvise negative len EINVAL", posix_fadvise(fd, 0, -1, 0) == EINVAL);
	check("fadvise EBADF", posix_fadvise(-1, 0, 0, 0) == EBADF);
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	check("fadvise pipe ESPIPE", posix_fadvise(p[0], 0, 0, 0) == ESPIPE);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	check("fadvise dir 0", posix_fadvise(d, 0, 0, 0) == 0);
	check("readahead 0", readahead(fd, 0, 4096) == 0);
	check("readahead pipe EINVAL", fails(readahead(p[0], 0, 10), EINVAL));
	check("readahead dir EINVAL", fails(readahead(d, 0, 10), EINVAL));
	check("readahead EBADF", fails(readahead(-1, 0, 10), EBADF));
	int w = open(in("f"), O_WRONLY);
	check("readahead write-only EBADF", fails(readahead(w, 0, 10), EBADF));
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

/* names prints the sorted list listxattr returned (orders differ). */
static void names(const char *what, char *buf, ssize_t n)
{
	char *v[16];
	int c = 0;
	for (char *p = buf; p < buf + n && c < 16; p += strlen(p) + 1)
		v[c++] = p;
	qsort(v, c, sizeof v[0], cmpstr);
	printf("%s:", what);
	for (int i = 0; i < c; i++)
		printf(" %s", v[i]);
	printf("\n");
}

static void xattr_check(void)
{
	int fd = mkfile("x");
	const char *f = in("x");
	char buf[256];
	check("set user.a", setxattr(f, "user.a", "hello", 5, 0) == 0);
	check("get size", getxattr(f, "user.a", NULL, 0) == 5);
	check("get value", getxattr(f, "user.a", buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
	check("get small ERANGE", fails(getxattr(f, "user.a", buf, 2), ERANGE));
	check("get absent ENODATA", fails(getxattr(f, "user.zz", buf, sizeof buf), ENODATA));
	check("create existing EEXIST", fails(setxattr(f, "user.a", "x", 1, XATTR_CREATE), EEXIST));
	check("replace absent ENODATA", fails(setxattr(f, "user.b", "x", 1, XATTR_REPLACE), ENODATA));
	check("replace existing", setxattr(f, "user.a", "bye", 3, XATTR_REPLACE) == 0 &&
				      getxattr(f, "user.a", buf, sizeof buf) == 3);
	check("create new", setxattr(f, "user.b", "", 0, XATTR_CREATE) == 0 && getxattr(f, "user.b", buf, 1) == 0);
	check("bad flags EINVAL", fails(setxattr(f, "user.c", "v", 1, 4), EINVAL));
	check("empty name ERANGE", fails(setxattr(f, "", "v", 1, 0), ERANGE));
	check("prefix only EINVAL", fails(setxattr(f, "user.", "v", 1, 0), EINVAL));
	check("unknown namespace EOPNOTSUPP", fails(setxattr(f, "foo", "v", 1, 0), EOPNOTSUPP));
	check("get unknown namespace EOPNOTSUPP", fails(getxattr(f, "foo", buf, 1), EOPNOTSUPP));
	static char big[70000];
	check("value too big E2BIG", fails(setxattr(f, "user.big", big, sizeof big, 0), E2BIG));
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	memcpy(longname, "user.", 5);
	check("long name ERANGE", fails(setxattr(f, longname, "v", 1, 0), ERANGE));
	check("bad value EFAULT", fails(syscall(SYS_setxattr, f, "user.c", (void *)8, 4, 0), EFAULT));
	check("trusted as root", setxattr(f, "trusted.t", "1", 1, 0) == 0 && getxattr(f, "trusted.t", buf, 4) == 1);
	ssize_t n = listxattr(f, buf, sizeof buf);
	names("list", buf, n);
	check("list size", listxattr(f, NULL, 0) == n);
	check("list small ERANGE", fails(listxattr(f, buf, 3), ERANGE));
	check("fget", fgetxattr(fd, "user.a", buf, sizeof buf) == 3);
	int ro = open(f, O_RDONLY);
	check("fset on O_RDONLY", fsetxattr(ro, "user.ro", "1", 1, 0) == 0);
	check("flist", flistxattr(ro, buf, sizeof buf) == listxattr(f, NULL, 0));
	check("remove", removexattr(f, "user.a") == 0 && fails(getxattr(f, "user.a", buf, 4), ENODATA));
	check("remove absent ENODATA", fails(removexattr(f, "user.a"), ENODATA));
	check("fremove", fremovexattr(ro, "user.ro") == 0);
	symlink(f, in("link"));
	check("lset symlink EPERM", fails(lsetxattr(in("link"), "user.a", "v", 1, 0), EPERM));
	check("lget symlink ENODATA", fails(lgetxattr(in("link"), "user.b", buf, 4), ENODATA));
	check("lremove symlink EPERM", fails(lremovexattr(in("link"), "user.b"), EPERM));
	check("get through symlink", getxattr(in("link"), "user.b", buf, 4) == 0);
	check("llist symlink empty", llistxattr(in("link"), buf, sizeof buf) == 0);
	check("dir user.*", setxattr(dir, "user.d", "1", 1, 0) == 0);
	check("get ENOENT", fails(getxattr(in("none"), "user.a", buf, 4), ENOENT));
	check("fget EBADF", fails(fgetxattr(-1, "user.a", buf, 4), EBADF));
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	check("fset pipe EPERM", fails(fsetxattr(p[1], "user.a", "v", 1, 0), EPERM));
	check("fget pipe ENODATA", fails(fgetxattr(p[0], "user.a", buf, 4), ENODATA));
	check("proc set EOPNOTSUPP", fails(setxattr("/proc/self/status", "user.x", "v", 1, 0), EOPNOTSUPP));
	/* The checks of xattr(7) for a user who is not root. */
	chmod(dir, 0755);
	chmod(f, 0644);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(2);
		int bad = (!fails(setxattr(f, "trusted.u", "1", 1, 0), EPERM)) |
			  (!fails(getxattr(f, "trusted.t", buf, 4), ENODATA)) << 1 |
			  (!fails(setxattr(f, "user.u", "1", 1, 0), EACCES)) << 2 |
			  (getxattr(f, "user.b", buf, 4) != 0) << 3 |
			  (listxattr(f, buf, sizeof buf) != 7) << 4; /* "user.b\0": no trusted.* */
		_exit(bad);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		exit(2);
	check("non-root trusted.* set EPERM", !(WEXITSTATUS(status) & 1));
	check("non-root trusted.* get ENODATA", !(WEXITSTATUS(status) & 2));
	check("non-root user.* set EACCES", !(WEXITSTATUS(status) & 4));
	check("non-root user.* get", !(WEXITSTATUS(status) & 8));
	check("non-root list hides trusted.*", !(WEXITSTATUS(status) & 16));
	check("proc get EOPNOTSUPP", fails(getxattr("/proc/self/status", "user.x", buf, 4), EOPNOTSUPP));
}

static void utimes_check(void)
{
	close(mkfile("t"));
	const char *f = in("t");
	struct stat st;
	struct utimbuf ub = {.actime = 1000, .modtime = 2000};
	check("utime", utime(f, &ub) == 0 && stat(f, &st) == 0 && st.st_atime == 1000 && st.st_mtime == 2000 &&
			       st.st_mtim.tv_nsec == 0);
	struct timeval tv[2] = {{3000, 5}, {4000, 999999}};
	check("utimes", utimes(f, tv) == 0 && stat(f, &st) == 0 && st.st_atime == 3000 &&
				st.st_atim.tv_nsec == 5000 && st.st_mtim.tv_nsec == 999999000);
	struct timeval bad[2] = {{1, 1000000}, {1, 0}};
	check("utimes usec EINVAL", fails(utimes(f, bad), EINVAL));
	time_t before = time(NULL);
	check("utime now", utime(f, NULL) == 0 && stat(f, &st) == 0 && st.st_mtime >= before);
	check("utimes now", utimes(f, NULL) == 0 && stat(f, &st) == 0 && st.st_atime >= before);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	struct timeval tv2[2] = {{5000, 0}, {6000, 0}};
	check("futimesat", futimesat(d, "t", tv2) == 0 && stat(f, &st) == 0 && st.st_mtime == 6000);
	int fd = open(f, O_RDONLY);
	tv2[1].tv_sec = 7000;
	check("futimesat NULL path", syscall(SYS_futimesat, fd, NULL, tv2) == 0 && stat(f, &st) == 0 &&
					     st.st_mtime == 7000);
	check("utime ENOENT", fails(utime(in("none"), &ub), ENOENT));
	check("utimes EFAULT", fails(syscall(SYS_utimes, f, (void *)8), EFAULT));
	check("futimesat ENOTDIR", fails(futimesat(fd, "t", tv2), ENOTDIR));
	check("futimesat EBADF", fails(futimesat(-5, "t", tv2), EBADF));
}

static void fallocate_check(void)
{
	int fd = mkfile("a");
	struct stat st;
	check("mode 0 grows", fallocate(fd, 0, 0, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000 &&
				      st.st_blocks >= 24);
	check("keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000) == 0 && fstat(fd, &st) == 0 &&
				   st.st_size == 10000 && st.st_blocks >= 40);
	if (pwrite(fd, "abcdefgh", 8, 4096) != 8)
		exit(2);
	char buf[8];
	check("punch hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096) == 0 &&
				    pread(fd, buf, 8, 4096) == 8 && memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0 &&
				    fstat(fd, &st) == 0 && st.st_size == 10000);
	check("punch without keep EOPNOTSUPP", fails(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), EOPNOTSUPP));
	check("collapse EOPNOTSUPP", fails(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), EOPNOTSUPP));
	/* tmpfs (shmem_fallocate) has no ZERO_RANGE; the size is checked first. */
	check("tmpfs zero range EOPNOTSUPP", fails(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), EOPNOTSUPP) &&
						    fails(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096), EOPNOTSUPP));
	check("zero range too large EFBIG",
	      fails(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0x7fffffffffffffffLL - 10, 4096), EFBIG));
	check("unknown mode EOPNOTSUPP", fails(fallocate(fd, 0x1000, 0, 4096), EOPNOTSUPP));
	check("len 0 EINVAL", fails(fallocate(fd, 0, 0, 0), EINVAL));
	check("offset < 0 EINVAL", fails(fallocate(fd, 0, -1, 10), EINVAL));
	check("overflow EFBIG", fails(fallocate(fd, 0, 0x7fffffffffffffffLL, 0x10000), EFBIG));
	int ro = open(in("a"), O_RDONLY);
	check("O_RDONLY EBADF", fails(fallocate(ro, 0, 0, 10), EBADF));
	check("bad fd EBADF", fails(fallocate(-1, 0, 0, 10), EBADF));
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	check("pipe ESPIPE", fails(fallocate(p[1], 0, 0, 10), ESPIPE));
}

static long openat2_(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve, size_t size)
{
	char how[64] = {0};
	struct open_how h = {.flags = flags, .mode = mode, .resolve = resolve};
	memcpy(how, &h, sizeof h);
	return syscall(SYS_openat2, dfd, path, how, size);
}

static void openat2_check(void)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	long fd = openat2_(d, "o", O_RDWR | O_CREAT | O_CLOEXEC, 0600, 0, sizeof(struct open_how));
	struct stat st;
	check("create", fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	check("bigger struct, zero tail", (fd = openat2_(d, "o", O_RDONLY, 0, 0, 40)) >= 0);
	char how[40] = {0};
	how[32] = 1;
	check("nonzero tail E2BIG", fails(syscall(SYS_openat2, d, "o", how, 40), E2BIG));
	check("size too small EINVAL", fails(openat2_(d, "o", O_RDONLY, 0, 0, 16), EINVAL));
	check("size > page E2BIG", fails(openat2_(d, "o", O_RDONLY, 0, 0, 8192), E2BIG));
	check("unknown flag EINVAL", fails(openat2_(d, "o", 1ULL << 40, 0, 0, 24), EINVAL));
	check("unknown resolve EINVAL", fails(openat2_(d, "o", O_RDONLY, 0, 0x1000, 24), EINVAL));
	check("mode without O_CREAT EINVAL", fails(openat2_(d, "o", O_RDONLY, 0644, 0, 24), EINVAL));
	check("mode high bits EINVAL", fails(openat2_(d, "n", O_RDWR | O_CREAT, 010000, 0, 24), EINVAL));
	check("O_PATH with O_RDWR EINVAL", fails(openat2_(d, "o", O_PATH | O_RDWR, 0, 0, 24), EINVAL));
	check("BENEATH|IN_ROOT EINVAL",
	      fails(openat2_(d, "o", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT, 24), EINVAL));
	check("beneath ok", (fd = openat2_(d, "o", O_RDONLY, 0, RESOLVE_BENEATH, 24)) >= 0);
	check("beneath .. EXDEV", fails(openat2_(d, "../x", O_RDONLY, 0, RESOLVE_BENEATH, 24), EXDEV));
	check("beneath absolute EXDEV", fails(openat2_(d, "/proc", O_RDONLY, 0, RESOLVE_BENEATH, 24), EXDEV));
	symlink("o", in("rel"));
	symlink("/etc/passwd", in("abs"));
	check("no symlinks ELOOP", fails(openat2_(d, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS, 24), ELOOP));
	check("beneath relative symlink ok", openat2_(d, "rel", O_RDONLY, 0, RESOLVE_BENEATH, 24) >= 0);
	check("beneath absolute symlink EXDEV", fails(openat2_(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH, 24), EXDEV));
	check("in root: / is the dirfd", openat2_(d, "/o", O_RDONLY, 0, RESOLVE_IN_ROOT, 24) >= 0);
	check("in root: .. stays", openat2_(d, "../../o", O_RDONLY, 0, RESOLVE_IN_ROOT, 24) >= 0);
	check("no magiclinks ELOOP",
	      fails(openat2_(AT_FDCWD, "/proc/self/fd/0", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS, 24), ELOOP));
	int root = open("/", O_RDONLY | O_DIRECTORY);
	check("no xdev EXDEV", fails(openat2_(root, "proc/self", O_RDONLY, 0, RESOLVE_NO_XDEV, 24), EXDEV));
	check("cached with O_CREAT EAGAIN",
	      fails(openat2_(d, "o", O_RDWR | O_CREAT, 0600, RESOLVE_CACHED, 24), EAGAIN));
	check("ENOENT", fails(openat2_(d, "none", O_RDONLY, 0, 0, 24), ENOENT));
	check("EFAULT how", fails(syscall(SYS_openat2, d, "o", (void *)8, 24), EFAULT));

	int c = creat(in("c"), 0640);
	check("creat", c >= 0 && fstat(c, &st) == 0 && (st.st_mode & 0777) == 0640);
	check("creat is O_WRONLY", (fcntl(c, F_GETFL) & O_ACCMODE) == O_WRONLY);
	check("creat write", write(c, "abc", 3) == 3);
	char b[4];
	check("creat read EBADF", fails(read(c, b, 3), EBADF));
	int c2 = creat(in("c"), 0640);
	check("creat truncates", c2 >= 0 && fstat(c2, &st) == 0 && st.st_size == 0);
	check("creat ENOENT", fails(creat(in("none/x"), 0644), ENOENT));
}

static void closerange_check(void)
{
	int base = dup(0);
	for (int i = 1; i < 6; i++)
		dup2(0, base + i);
	check("close_range", close_range(base + 1, base + 2, 0) == 0 && fails(fcntl(base + 1, F_GETFD), EBADF) &&
				     fails(fcntl(base + 2, F_GETFD), EBADF) && fcntl(base + 3, F_GETFD) == 0);
	check("cloexec", close_range(base + 3, base + 4, CLOSE_RANGE_CLOEXEC) == 0 &&
				 fcntl(base + 3, F_GETFD) == FD_CLOEXEC && fcntl(base + 4, F_GETFD) == FD_CLOEXEC &&
				 fcntl(base + 5, F_GETFD) == 0);
	check("first > last EINVAL", fails(close_range(5, 4, 0), EINVAL));
	check("unknown flag EINVAL", fails(close_range(base, base, 1), EINVAL));
	check("unshare", close_range(base + 5, ~0U, CLOSE_RANGE_UNSHARE) == 0 &&
				 fails(fcntl(base + 5, F_GETFD), EBADF) && fcntl(base, F_GETFD) == 0);
	check("to ~0", close_range(base, ~0U, 0) == 0 && fails(fcntl(base, F_GETFD), EBADF) &&
			       fcntl(1, F_GETFD) == 0);
}

static void fchmodat2_check(void)
{
	close(mkfile("m"));
	symlink("m", in("ml"));
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	struct stat st;
	check("fchmodat2", syscall(SYS_fchmodat2, d, "m", 0600, 0) == 0 && stat(in("m"), &st) == 0 &&
				   (st.st_mode & 0777) == 0600);
	check("nofollow on a file", syscall(SYS_fchmodat2, d, "m", 0640, AT_SYMLINK_NOFOLLOW) == 0 &&
					    stat(in("m"), &st) == 0 && (st.st_mode & 0777) == 0640);
	check("nofollow on a symlink EOPNOTSUPP",
	      fails(syscall(SYS_fchmodat2, d, "ml", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP));
	check("follows a symlink", syscall(SYS_fchmodat2, d, "ml", 0604, 0) == 0 && stat(in("m"), &st) == 0 &&
					   (st.st_mode & 0777) == 0604);
	int fd = open(in("m"), O_RDONLY);
	check("empty path", syscall(SYS_fchmodat2, fd, "", 0644, AT_EMPTY_PATH) == 0 && stat(in("m"), &st) == 0 &&
				    (st.st_mode & 0777) == 0644);
	check("empty path without flag ENOENT", fails(syscall(SYS_fchmodat2, fd, "", 0644, 0), ENOENT));
	check("bad flag EINVAL", fails(syscall(SYS_fchmodat2, d, "m", 0600, 0x2), EINVAL));
	check("ENOENT", fails(syscall(SYS_fchmodat2, d, "none", 0600, 0), ENOENT));
}

static void epollpwait2_check(void)
{
	int ep = epoll_create1(0);
	int e = eventfd(0, 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[2];
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	struct timespec zero = {0, 0}, short_ = {0, 20 * 1000 * 1000}, bad = {0, 1000000000};
	check("zero timeout, none ready", syscall(SYS_epoll_pwait2, ep, out, 2, &zero, NULL, 8) == 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check("short timeout", syscall(SYS_epoll_pwait2, ep, out, 2, &short_, NULL, 8) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	check("waited the timeout", ms >= 19);
	uint64_t one = 1;
	if (write(e, &one, 8) != 8)
		exit(2);
	check("ready", syscall(SYS_epoll_pwait2, ep, out, 2, &zero, NULL, 8) == 1 && out[0].data.u64 == 42);
	check("NULL timeout, ready", syscall(SYS_epoll_pwait2, ep, out, 2, NULL, NULL, 8) == 1);
	check("bad timespec EINVAL", fails(syscall(SYS_epoll_pwait2, ep, out, 2, &bad, NULL, 8), EINVAL));
	check("bad sigsetsize EINVAL", fails(syscall(SYS_epoll_pwait2, ep, out, 2, &zero, &one, 4), EINVAL));
	check("maxevents 0 EINVAL", fails(syscall(SYS_epoll_pwait2, ep, out, 0, &zero, NULL, 8), EINVAL));
	check("EBADF", fails(syscall(SYS_epoll_pwait2, -1, out, 2, &zero, NULL, 8), EBADF));
}

/* select, pselect6 and ppoll write the time left back (raw syscalls:
 * glibc's pselect and ppoll pass the kernel a copy). */
static void timeleft_check(void)
{
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = {0, 30000};
	check("select times out", syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv) == 0);
	check("select left 0", tv.tv_sec == 0 && tv.tv_usec == 0);
	if (write(p[1], "x", 1) != 1)
		exit(2);
	FD_SET(p[0], &r);
	tv = (struct timeval){100, 0};
	check("select ready", syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv) == 1);
	check("select left most", tv.tv_sec >= 98 && tv.tv_sec <= 99 && tv.tv_usec < 1000000);
	struct timespec ts = {100, 0};
	check("pselect6 ready", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL) == 1);
	check("pselect6 left most", ts.tv_sec >= 98 && ts.tv_sec <= 99 && ts.tv_nsec < 1000000000);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	ts = (struct timespec){100, 0};
	check("ppoll ready", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 1);
	check("ppoll left most", ts.tv_sec >= 98 && ts.tv_sec <= 99);
	char c;
	if (read(p[0], &c, 1) != 1)
		exit(2);
	ts = (struct timespec){0, 20000000};
	check("ppoll times out", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 0);
	check("ppoll left 0", ts.tv_sec == 0 && ts.tv_nsec == 0);
	ts = (struct timespec){0, 0};
	check("zero timeout untouched", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 0 && ts.tv_nsec == 0);
}

// pipeattr: a pipe's inode is owned by its creator's filesystem IDs,
// and fchmodat2(fd, "", AT_EMPTY_PATH) and utimensat(fd, NULL, ...)
// reach it as fchmod(2) does. It runs as root and changes only its
// fsuid and fsgid, so it needs no other user natively. The utimensat
// permission rules are checked on a named file too.
static void pipeattr_check(void)
{
	struct stat st;
	int p[2];
	check("pipe", pipe(p) == 0);
	check("owner is the creator", fstat(p[0], &st) == 0 && st.st_uid == geteuid() && st.st_gid == getegid());
	setfsgid(1234);
	setfsuid(4321);
	int q[2];
	check("pipe as fsuid 4321", pipe(q) == 0);
	check("owner is the fsuid and fsgid",
	      fstat(q[1], &st) == 0 && st.st_uid == 4321 && st.st_gid == 1234 && (st.st_mode & 07777) == 0600);
	check("fchmodat2 empty path on own pipe", syscall(SYS_fchmodat2, q[0], "", 0640, AT_EMPTY_PATH) == 0 &&
							fstat(q[1], &st) == 0 && (st.st_mode & 07777) == 0640);
	check("fchmodat2 empty path on root's pipe EPERM",
	      fails(syscall(SYS_fchmodat2, p[0], "", 0644, AT_EMPTY_PATH), EPERM));
	struct timespec ts[2] = {{100, 5}, {200, 7}};
	check("utimensat NULL path on own pipe", syscall(SYS_utimensat, q[0], NULL, ts, 0) == 0);
	check("times set on both ends", fstat(q[1], &st) == 0 && st.st_atim.tv_sec == 100 && st.st_atim.tv_nsec == 5 &&
						st.st_mtim.tv_sec == 200 && st.st_mtim.tv_nsec == 7);
	struct timespec om[2] = {{0, UTIME_OMIT}, {300, 0}};
	check("utimensat empty path, atime omitted", utimensat(q[1], "", om, AT_EMPTY_PATH) == 0 &&
							 fstat(q[0], &st) == 0 && st.st_atim.tv_sec == 100 &&
							 st.st_mtim.tv_sec == 300);
	check("futimens now on own pipe", futimens(q[0], NULL) == 0 && fstat(q[0], &st) == 0 && st.st_mtim.tv_sec > 300);
	check("explicit times on root's pipe EPERM", fails(syscall(SYS_utimensat, p[0], NULL, ts, 0), EPERM));
	check("now on root's 0600 pipe EACCES", fails(syscall(SYS_utimensat, p[1], NULL, NULL, 0), EACCES));
	setfsuid(0);
	check("fchmod root's pipe 0666", fchmod(p[0], 0666) == 0);
	setfsuid(4321);
	check("now on root's 0666 pipe", syscall(SYS_utimensat, p[1], NULL, NULL, 0) == 0);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	struct timespec nowomit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	check("both omitted on root's pipe", syscall(SYS_utimensat, p[1], NULL, omit, 0) == 0);
	check("now and omit on root's pipe EPERM", fails(syscall(SYS_utimensat, p[1], NULL, nowomit, 0), EPERM));
	setfsuid(0);
	close(mkfile("t"));
	chmod(in("t"), 0644);
	setfsuid(4321);
	// Both omitted: Linux does nothing, not even look up the path (the
	// directory is root's 0700 still).
	check("both omitted, path not looked up", utimensat(AT_FDCWD, in("t"), omit, 0) == 0);
	check("now, path looked up EACCES", fails(utimensat(AT_FDCWD, in("t"), NULL, 0), EACCES));
	setfsuid(0);
	chmod(dir, 0755);
	setfsuid(4321);
	check("now on root's 0644 file EACCES", fails(utimensat(AT_FDCWD, in("t"), NULL, 0), EACCES));
	setfsuid(0);
	chmod(in("t"), 0666);
	setfsuid(4321);
	check("now on root's 0666 file", utimensat(AT_FDCWD, in("t"), NULL, 0) == 0);
	check("now and omit on root's 0666 file EPERM", fails(utimensat(AT_FDCWD, in("t"), nowomit, 0), EPERM));
	setfsuid(0);
	setfsgid(0);
	check("plain fchmodat has no AT_EMPTY_PATH: ENOENT",
	      fails(syscall(SYS_fchmodat, q[0], "", 0600, AT_EMPTY_PATH), ENOENT));
}

// statx: tmpfs keeps a birth time (STATX_BTIME) and reports the
// attributes Linux's VFS and shmem support; a pipe and /proc keep no
// birth time.
static void statx_check(void)
{
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	close(mkfile("x"));
	clock_gettime(CLOCK_REALTIME, &after);
	struct statx sx;
	check("statx tmpfs file", statx(AT_FDCWD, in("x"), 0, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0);
	check("tmpfs has btime", (sx.stx_mask & STATX_BTIME) != 0);
	long long bt = sx.stx_btime.tv_sec * 1000000000LL + sx.stx_btime.tv_nsec;
	check("btime is the creation time", bt >= before.tv_sec * 1000000000LL + before.tv_nsec - 10000000 &&
						    bt <= after.tv_sec * 1000000000LL + after.tv_nsec + 10000000);
	check("tmpfs attributes mask", sx.stx_attributes_mask == 0x203070);
	check("file is no mount root", (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) == 0);
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	utimensat(AT_FDCWD, in("x"), ts, 0);
	check("btime stays after utimensat",
	      statx(AT_FDCWD, in("x"), 0, STATX_BTIME, &sx) == 0 &&
		      sx.stx_btime.tv_sec * 1000000000LL + sx.stx_btime.tv_nsec == bt);
	check("/dev/shm is a mount root", statx(AT_FDCWD, "/dev/shm", 0, STATX_BASIC_STATS, &sx) == 0 &&
						  (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0);
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	check("pipe: no btime, generic mask", statx(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0 &&
						      (sx.stx_mask & STATX_BTIME) == 0 && sx.stx_attributes_mask == 0x203000);
	check("/proc: no btime, generic mask", statx(AT_FDCWD, "/proc/self/stat", 0, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0 &&
						       (sx.stx_mask & STATX_BTIME) == 0 && sx.stx_attributes_mask == 0x203000);
}

static const struct {
	const char *name;
	void (*fn)(void);
} checks[] = {
	{"statfs", statfs_check},	  {"sync", sync_check},		    {"xattr", xattr_check},
	{"utimes", utimes_check},	  {"fallocate", fallocate_check},   {"openat2", openat2_check},
	{"closerange", closerange_check}, {"fchmodat2", fchmodat2_check}, {"epollpwait2", epollpwait2_check},
	{"timeleft", timeleft_check},	  {"pipeattr", pipeattr_check},
	{"statx", statx_check},
};

static void cleanup(const char *d)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "%s", d);
	const char *names[] = {"f", "x", "link", "t", "a", "o", "rel", "abs", "c", "m", "ml"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(in(names[i]));
	rmdir(cmd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fsextra CHECK\n");
		return 2;
	}
	strcpy(dir, "/dev/shm/fsextra.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (strcmp(argv[1], checks[i].name) == 0) {
			checks[i].fn();
			cleanup(dir);
			printf("%s: %d failures\n", argv[1], failures);
			return failures != 0;
		}
	}
	cleanup(dir);
	fprintf(stderr, "fsextra: unknown check %s\n", argv[1]);
	return 2;
}
