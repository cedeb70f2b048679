/*
 * procfs.c: what a program reads from /proc, /dev and /sys about itself
 * (see proc(5), null(4), tty(4)). Every line is a boolean, so the native
 * and runos runs print the same; "pid1" instead checks, under runos only,
 * that the guest is the sandbox's PID 1 and that /proc shows nothing else.
 */
#include "proccheck.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

/* slurp reads a whole file into buf (NUL-terminated); -1 on error. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return r < 0 ? -1 : n;
}

static char buf[1 << 16];

static void self(int argc, char **argv)
{
	char path[4096], exe[4096], want[64];
	long n;
	int pid = getpid();

	n = slurp("/proc/self/stat", buf, sizeof buf);
	check("stat pid is getpid", n > 0 && atoi(buf) == pid);
	check("stat ppid is getppid", n > 0 && atoi(strchr(strrchr(buf, ')') + 2, ' ')) == getppid());
	snprintf(want, sizeof want, "\nPid:\t%d\n", pid);
	check("status Pid line", slurp("/proc/self/status", buf, sizeof buf) > 0 && strstr(buf, want));

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	check("exe is absolute", n > 0 && exe[0] == '/');
	struct stat a, b;
	check("exe names this program", stat(exe, &a) == 0 && stat(argv[0], &b) == 0 && a.st_ino == b.st_ino);

	n = slurp("/proc/self/maps", buf, sizeof buf);
	check("maps has [stack]", n > 0 && strstr(buf, "[stack]"));
	check("maps has the program", n > 0 && strstr(buf, exe));

	n = slurp("/proc/self/cmdline", buf, sizeof buf);
	long want_len = 0;
	for (int i = 0; i < argc; i++)
		want_len += strlen(argv[i]) + 1;
	check("cmdline is argv", n == want_len && strcmp(buf, argv[0]) == 0 &&
				      (argc < 2 || strcmp(buf + strlen(argv[0]) + 1, argv[1]) == 0));
	n = slurp("/proc/self/environ", buf, sizeof buf);
	int found = 0;
	for (long i = 0; i < n; i += strlen(buf + i) + 1)
		found |= strcmp(buf + i, "PROCFS_TEST=marker") == 0;
	check("environ has PROCFS_TEST", found);

	n = readlink("/proc/thread-self", path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof want, "%d/task/%ld", pid, (long)syscall(SYS_gettid));
	check("thread-self is pid/task/tid", strcmp(path, want) == 0);
	n = readlink("/proc/self", path, sizeof path - 1);
	path[n > 0 ? n : 0] = 0;
	check("self is the pid", atoi(path) == pid);

	DIR *d = opendir("/proc/self/fd");
	int seen = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, "0") || !strcmp(e->d_name, "1") || !strcmp(e->d_name, "2"))
			seen++;
		if (atoi(e->d_name) == dirfd(d))
			seen += 10;
	}
	if (d)
		closedir(d);
	check("fd lists 0 1 2 and its own", seen == 13);

	int fd = open("/proc/self/stat", O_RDONLY);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	check("fd link names the file", strcmp(exe, "/proc/") > 0 && strstr(exe, "/stat") != NULL);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	check("fdinfo has pos", slurp(path, buf, sizeof buf) > 0 && strncmp(buf, "pos:\t0\n", 7) == 0);
	close(fd);

	double up, idle;
	check("uptime parses", slurp("/proc/uptime", buf, sizeof buf) > 0 &&
				       sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0 && idle >= 0);
	long sz, res;
	check("statm parses", slurp("/proc/self/statm", buf, sizeof buf) > 0 &&
				      sscanf(buf, "%ld %ld", &sz, &res) == 2 && sz > 0 && res > 0);
	check("limits header", slurp("/proc/self/limits", buf, sizeof buf) > 0 &&
				       strncmp(buf, "Limit                     Soft Limit", 36) == 0 &&
				       strstr(buf, "Max open files"));
	check("cpuinfo has processor", slurp("/proc/cpuinfo", buf, sizeof buf) > 0 && strstr(buf, "processor"));
	check("meminfo has MemTotal", slurp("/proc/meminfo", buf, sizeof buf) > 0 && !strncmp(buf, "MemTotal:", 9));
	check("stat has cpu line", slurp("/proc/stat", buf, sizeof buf) > 0 && !strncmp(buf, "cpu ", 4));
	check("mounts has /proc", slurp("/proc/mounts", buf, sizeof buf) > 0 && strstr(buf, " /proc proc "));
	check("ostype is Linux", slurp("/proc/sys/kernel/ostype", buf, sizeof buf) > 0 && !strcmp(buf, "Linux\n"));
	check("pid_max is a number", slurp("/proc/sys/kernel/pid_max", buf, sizeof buf) > 0 && atoi(buf) > 0);
	check("cpu online starts at 0", slurp("/sys/devices/system/cpu/online", buf, sizeof buf) > 0 && buf[0] == '0');
	check("proc/1 exists", stat("/proc/1/stat", &a) == 0);
}

static void dev(void)
{
	char c[8] = {1, 1, 1, 1};
	int fd;

	fd = open("/dev/null", O_RDWR);
	check("null reads eof", read(fd, c, 4) == 0 && write(fd, "x", 1) == 1);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	check("zero reads zeros", read(fd, c, 4) == 4 && !c[0] && !c[3]);
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	check("full is ENOSPC", write(fd, "x", 1) == -1 && errno == ENOSPC);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	check("urandom reads", read(fd, c, 8) == 8);
	close(fd);
	struct stat st;
	check("null is char 1,3", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	char l[64];
	long n = readlink("/dev/fd", l, sizeof l - 1);
	l[n > 0 ? n : 0] = 0;
	check("dev/fd links to proc", strcmp(l, "/proc/self/fd") == 0);
	fd = open("/dev/stdout", O_WRONLY);
	check("dev/stdout opens", fd >= 0);
	close(fd);
	check("dev/shm is a writable directory", stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
							 access("/dev/shm", W_OK) == 0);
	fd = open("/dev/tty", O_RDWR);
	check("tty opens or ENXIO", fd >= 0 || errno == ENXIO);
	if (fd >= 0)
		close(fd);
}

/* pid1 runs under runos only: the guest is the sandbox's first process. */
static void pid1(void)
{
	char exe[4096], one[4096];
	long n;

	check("getpid is 1", getpid() == 1);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	n = readlink("/proc/1/exe", one, sizeof one - 1);
	one[n > 0 ? n : 0] = 0;
	check("proc/1/exe is this program", strcmp(exe, one) == 0);
	check("proc/1/stat is this process", slurp("/proc/1/stat", buf, sizeof buf) > 0 &&
						     strstr(buf, "1 (procfs") == buf);
	DIR *d = opendir("/proc");
	int pids = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			pids++;
	if (d)
		closedir(d);
	check("proc lists only this process", pids == 1);
	check("no host pid visible", access("/proc/2", F_OK) != 0);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "pid1")) {
		pid1();
		return finish("procfs");
	}
	self(argc, argv);
	dev();
	return finish("procfs");
}
