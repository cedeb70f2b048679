// inotify.c: inotify(7) as a program sees it. It watches a fresh
// directory under /tmp (and some files in it), changes things there, and
// prints each event decoded: the watch it came from (by role, not by
// number), the mask as names, the name, and whether MOVED_FROM/MOVED_TO
// cookies pair up. Then the error cases of inotify_init1,
// inotify_add_watch and inotify_rm_watch, by errno name.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *ename(int e) {
	switch (e) {
	case 0: return "OK";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case ENOTDIR: return "ENOTDIR";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EACCES: return "EACCES";
	}
	static char b[32];
	snprintf(b, sizeof b, "errno %d", e);
	return b;
}

static const struct { unsigned bit; const char *name; } bits[] = {
	{IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"},
	{IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
	{IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
	{IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"},
	{IN_MOVE_SELF, "MOVE_SELF"}, {IN_UNMOUNT, "UNMOUNT"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"},
	{IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"},
};

// roles names watch descriptors so the output does not depend on their
// numbers.
static int role_wd[8];
static const char *role_name[8];
static int nroles;

static void role(int wd, const char *name) {
	role_wd[nroles] = wd;
	role_name[nroles++] = name;
}

static const char *wdname(int wd) {
	for (int i = nroles - 1; i >= 0; i--)
		if (role_wd[i] == wd)
			return role_name[i];
	return wd == -1 ? "-1" : "?";
}

static uint32_t last_cookie;

static void print_event(const struct inotify_event *e) {
	char m[256] = "";
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (e->mask & bits[i].bit) {
			if (m[0])
				strcat(m, "|");
			strcat(m, bits[i].name);
		}
	printf("  %s %s", wdname(e->wd), m);
	if (e->len)
		printf(" \"%s\" len%%16=%u", e->name, e->len % 16);
	if (e->mask & IN_MOVED_FROM) {
		last_cookie = e->cookie;
		printf(" cookie %s", e->cookie ? "set" : "zero");
	} else if (e->mask & IN_MOVED_TO) {
		printf(" cookie %s", e->cookie == last_cookie ? "matches" : "differs");
	} else if (e->cookie) {
		printf(" cookie set");
	}
	printf("\n");
}

// drain reads and prints every queued event, without blocking.
static void drain(int fd, const char *step) {
	char buf[8192] __attribute__((aligned(8)));
	printf("%s:\n", step);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno != EAGAIN)
				printf("  read: %s\n", ename(errno));
			return;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			print_event(e);
			p += sizeof *e + e->len;
		}
	}
}

static char dir[PATH_MAX - 64];

static char *at(const char *name) {
	static char b[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	snprintf(b[i], PATH_MAX, "%s/%s", dir, name);
	return b[i];
}

static void check(int ok, const char *what) {
	if (!ok)
		printf("FAILED: %s: %s\n", what, ename(errno));
}

static void events(void) {
	int fd = inotify_init1(IN_NONBLOCK);
	check(fd >= 0, "inotify_init1");
	int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	role(wd, "dir");

	int f = open(at("a"), O_CREAT | O_WRONLY, 0644);
	check(f >= 0, "create a");
	drain(fd, "create a");
	check(write(f, "x", 1) == 1, "write");
	check(write(f, "y", 1) == 1, "write");
	drain(fd, "two writes (coalesced)");
	close(f);
	drain(fd, "close a");

	f = open(at("a"), O_RDONLY);
	char c[4];
	check(read(f, c, sizeof c) == 2, "read");
	close(f);
	drain(fd, "open, read, close a");

	int fwd = inotify_add_watch(fd, at("a"), IN_ALL_EVENTS);
	role(fwd, "a");
	check(chmod(at("a"), 0600) == 0, "chmod");
	drain(fd, "chmod a (watched twice)");
	check(truncate(at("a"), 0) == 0, "truncate");
	drain(fd, "truncate a");
	f = open(at("a"), O_WRONLY | O_TRUNC);
	close(f);
	drain(fd, "open a O_TRUNC");
	check(rename(at("a"), at("b")) == 0, "rename");
	drain(fd, "rename a b");
	check(link(at("b"), at("c")) == 0, "link");
	drain(fd, "link b c");
	check(unlink(at("c")) == 0, "unlink c");
	drain(fd, "unlink c (b remains)");
	check(unlink(at("b")) == 0, "unlink b");
	drain(fd, "unlink b (last link)");

	check(mkdir(at("sub"), 0755) == 0, "mkdir");
	int swd = inotify_add_watch(fd, at("sub"), IN_ALL_EVENTS);
	role(swd, "sub");
	drain(fd, "mkdir sub");
	check(symlink("target", at("ln")) == 0, "symlink");
	check(mknod(at("fifo"), S_IFIFO | 0600, 0) == 0, "mknod");
	drain(fd, "symlink, mknod");
	check(rename(at("sub"), at("sub2")) == 0, "rename dir");
	drain(fd, "rename sub sub2");
	f = open(at("x"), O_CREAT | O_WRONLY, 0644);
	close(f);
	check(rename(at("x"), at("sub2/x")) == 0, "rename across");
	drain(fd, "rename x into sub2");
	check(rename(at("sub2/x"), at("ln")) == 0, "rename over");
	drain(fd, "rename sub2/x over ln");
	check(unlink(at("sub2/../ln")) == 0, "unlink ln");
	check(unlink(at("fifo")) == 0, "unlink fifo");
	drain(fd, "unlink ln, fifo");
	check(rmdir(at("sub2")) == 0, "rmdir");
	drain(fd, "rmdir sub2");
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	check(utimensat(AT_FDCWD, dir, ts, 0) == 0, "utimensat");
	drain(fd, "utimensat dir");
	check(inotify_rm_watch(fd, wd) == 0, "rm_watch");
	drain(fd, "rm_watch dir");
	close(fd);
}

static void flags(void) {
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	printf("cloexec: %s\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
	printf("nonblock: %s\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) ? "yes" : "no");
	int f = open(at("o"), O_CREAT | O_WRONLY, 0644);
	close(f);

	int w1 = inotify_add_watch(fd, at("o"), IN_MODIFY);
	int w2 = inotify_add_watch(fd, at("o"), IN_ATTRIB);
	printf("same file same wd: %s\n", w1 == w2 ? "yes" : "no");
	role(w1, "o");
	f = open(at("o"), O_WRONLY);
	check(write(f, "1", 1) == 1, "write");
	check(fchmod(f, 0640) == 0, "fchmod");
	drain(fd, "mask replaced: write, fchmod");
	check(inotify_add_watch(fd, at("o"), IN_MODIFY | IN_MASK_ADD) == w1, "mask add");
	check(write(f, "1", 1) == 1, "write");
	check(fchmod(f, 0600) == 0, "fchmod");
	drain(fd, "mask added: write, fchmod");
	close(f);
	errno = 0;
	int r = inotify_add_watch(fd, at("o"), IN_MODIFY | IN_MASK_CREATE);
	printf("IN_MASK_CREATE on a watched file: %d %s\n", r, ename(r < 0 ? errno : 0));

	check(inotify_add_watch(fd, at("o"), IN_ATTRIB | IN_ONESHOT) == w1, "oneshot");
	chmod(at("o"), 0644);
	chmod(at("o"), 0600);
	drain(fd, "oneshot: two chmods");
	errno = 0;
	r = inotify_rm_watch(fd, w1);
	printf("rm_watch after oneshot: %d %s\n", r, ename(r < 0 ? errno : 0));

	check(symlink("o", at("lnk")) == 0, "symlink");
	int w3 = inotify_add_watch(fd, at("lnk"), IN_ATTRIB | IN_DONT_FOLLOW);
	role(w3, "lnk");
	int w4 = inotify_add_watch(fd, at("lnk"), IN_ATTRIB);
	role(w4, "o-via-lnk");
	printf("DONT_FOLLOW watches the link: %s\n", w3 != w4 ? "yes" : "no");
	chmod(at("o"), 0644);
	drain(fd, "chmod o");
	unlink(at("lnk"));
	unlink(at("o"));
	drain(fd, "unlink lnk, o");
	close(fd);
}

// early: a file opened before any inotify instance existed still reports
// its writes, to its old directory after an unlink unless the watch has
// IN_EXCL_UNLINK.
static void early(void) {
	for (int k = 0; k < 2; k++) {
		int f = open(at("early"), O_CREAT | O_WRONLY, 0644);
		int fd = inotify_init1(IN_NONBLOCK);
		role(inotify_add_watch(fd, dir, IN_DELETE | IN_MODIFY | (k ? IN_EXCL_UNLINK : 0)), "dir");
		check(write(f, "x", 1) == 1, "write");
		unlink(at("early"));
		check(write(f, "y", 1) == 1, "write");
		drain(fd, k ? "write, unlink, write (IN_EXCL_UNLINK)" : "write, unlink, write");
		close(f);
		close(fd);
	}
}

// deleteopen: a file (or directory) whose last name goes while it is
// still open is deleted only when the last reference goes:
// IN_DELETE_SELF and IN_IGNORED come then, not at the unlink (Linux
// reports them from dentry_unlink_inode, at the last dput).
static void deleteopen(void) {
	int fd = inotify_init1(IN_NONBLOCK);
	role(inotify_add_watch(fd, dir, IN_ALL_EVENTS), "dir");

	int f = open(at("o"), O_CREAT | O_RDWR, 0644);
	int f2 = dup(f);
	role(inotify_add_watch(fd, at("o"), IN_ALL_EVENTS), "o");
	drain(fd, "create o, watch it");
	check(unlink(at("o")) == 0, "unlink o");
	drain(fd, "unlink o while open");
	check(write(f, "x", 1) == 1, "write");
	drain(fd, "write the unlinked o");
	close(f);
	drain(fd, "close one of two descriptors");
	close(f2);
	drain(fd, "close the last descriptor");

	check(mkdir(at("d"), 0755) == 0, "mkdir");
	int df = open(at("d"), O_RDONLY | O_DIRECTORY);
	role(inotify_add_watch(fd, at("d"), IN_ALL_EVENTS), "d");
	drain(fd, "mkdir d, open it");
	check(rmdir(at("d")) == 0, "rmdir d");
	drain(fd, "rmdir d while open");
	close(df);
	drain(fd, "close d");

	f = open(at("t"), O_CREAT | O_RDONLY, 0644);
	role(inotify_add_watch(fd, at("t"), IN_DELETE_SELF | IN_ATTRIB), "t");
	int g = open(at("n"), O_CREAT | O_WRONLY, 0644);
	close(g);
	drain(fd, "create t and n, open t");
	check(rename(at("n"), at("t")) == 0, "rename n t");
	drain(fd, "rename n over the open t");
	close(f);
	drain(fd, "close t");
	unlink(at("t"));
	close(fd);
}

static void errors(void) {
	int fd = inotify_init1(IN_NONBLOCK);
	int r;
#define TRY(expr) (errno = 0, r = (expr), printf("%s: %s\n", #expr, r < 0 ? ename(errno) : "OK"))
	TRY(inotify_init1(IN_NONBLOCK | 1));
	TRY(inotify_init1(O_RDWR));
	TRY(inotify_add_watch(-1, dir, IN_ALL_EVENTS));
	TRY(inotify_add_watch(99, dir, IN_ALL_EVENTS));
	TRY(inotify_add_watch(1, dir, IN_ALL_EVENTS));
	TRY(inotify_add_watch(fd, dir, 0));
	TRY(inotify_add_watch(fd, dir, 0x10000000));
	TRY(inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	TRY(inotify_add_watch(fd, at("missing"), IN_ALL_EVENTS));
	int f = open(at("file"), O_CREAT | O_WRONLY, 0644);
	close(f);
	TRY(inotify_add_watch(fd, at("file"), IN_ALL_EVENTS | IN_ONLYDIR));
	TRY(inotify_add_watch(fd, at("file/x"), IN_ALL_EVENTS));
	TRY(inotify_add_watch(fd, dir, IN_ALL_EVENTS | IN_ONLYDIR));
	TRY(inotify_add_watch(fd, dir, IN_ALL_EVENTS | IN_MASK_CREATE));
	TRY(inotify_rm_watch(fd, 12345));
	TRY(inotify_rm_watch(fd, -1));
	TRY(inotify_rm_watch(-1, 1));
	TRY(inotify_rm_watch(1, 1));
	unlink(at("file"));
	close(fd);

	// read(2) on an empty, non-blocking instance; a buffer too small for
	// the next event.
	fd = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
	char buf[64];
	TRY((int)read(fd, buf, sizeof buf));
	f = open(at("longer-name"), O_CREAT | O_WRONLY, 0644);
	close(f);
	unlink(at("longer-name"));
	int n = -1;
	ioctl(fd, FIONREAD, &n);
	printf("FIONREAD: %d\n", n);
	TRY((int)read(fd, buf, 16));
	TRY((int)read(fd, buf, 31));
	TRY((int)read(fd, buf, 32));
	printf("read 32 gives one event: %d\n", r);
	ioctl(fd, FIONREAD, &n);
	printf("FIONREAD after: %d\n", n);
	close(fd);
}

static void on_alarm(int sig) { (void)sig; }

static void readiness(void) {
	int fd = inotify_init();
	inotify_add_watch(fd, dir, IN_CREATE);
	struct pollfd p = {fd, POLLIN, 0};
	printf("poll empty: %d\n", poll(&p, 1, 0));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	printf("epoll empty: %d\n", epoll_wait(ep, &ev, 1, 0));
	int f = open(at("p"), O_CREAT | O_WRONLY, 0644);
	close(f);
	int pr = poll(&p, 1, 0);
	printf("poll ready: %d revents POLLIN %s\n", pr, p.revents & POLLIN ? "yes" : "no");
	printf("epoll ready: %d\n", epoll_wait(ep, &ev, 1, 0));
	char buf[256];
	printf("blocking read with an event: %s\n", read(fd, buf, sizeof buf) > 0 ? "yes" : "no");

	// A blocking read with nothing queued is interrupted by a signal whose
	// handler has no SA_RESTART.
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	ssize_t n = read(fd, buf, sizeof buf);
	printf("blocking read interrupted: %zd %s\n", n, ename(n < 0 ? errno : 0));

	// With SA_RESTART the read restarts and returns the event made by a
	// child after the signal.
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(300000);
		int g = open(at("q"), O_CREAT | O_WRONLY, 0644);
		close(g);
		_exit(0);
	}
	n = read(fd, buf, sizeof buf);
	printf("restarted read: %s \"%s\"\n", n > 0 ? "event" : ename(errno),
	       n > 0 ? ((struct inotify_event *)buf)->name : "");
	unlink(at("p"));
	unlink(at("q"));
	close(ep);
	close(fd);
}

static void overflow(void) {
	int fd = inotify_init1(IN_NONBLOCK);
	int wd = inotify_add_watch(fd, dir, IN_ATTRIB);
	role(wd, "dir");
	int max = 16384;
	FILE *mf = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (mf) {
		if (fscanf(mf, "%d", &max) != 1)
			max = 16384;
		fclose(mf);
	}
	const char *names[2] = {at("ov0"), at("ov1")};
	for (int i = 0; i < 2; i++)
		close(open(names[i], O_CREAT | O_WRONLY, 0644));
	// Alternate two files so that no two consecutive events coalesce.
	for (int i = 0; i < max + 10; i++)
		chmod(names[i % 2], 0600);
	int n = 0, ov = 0, last = 0;
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			n++;
			if (e->mask & IN_Q_OVERFLOW) {
				ov++;
				last = n;
			}
			p += sizeof *e + e->len;
		}
	}
	printf("overflow: events %s max+1, overflow events %d, last: %s, wd -1\n",
	       n == max + 1 ? "==" : "!=", ov, last == n ? "yes" : "no");
	unlink(names[0]);
	unlink(names[1]);
	close(fd);
}

int main(int argc, char **argv) {
	// The directory is made under argv[2] (default /tmp: the root
	// overlay; /dev/shm is a tmpfs).
	snprintf(dir, sizeof dir, "%s/runos-inotify-XXXXXX", argc > 2 ? argv[2] : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *what = argc > 1 ? argv[1] : "all";
	if (!strcmp(what, "events") || !strcmp(what, "all"))
		events();
	if (!strcmp(what, "flags") || !strcmp(what, "all"))
		flags();
	if (!strcmp(what, "flags") || !strcmp(what, "all"))
		early();
	if (!strcmp(what, "deleteopen") || !strcmp(what, "all"))
		deleteopen();
	if (!strcmp(what, "errors") || !strcmp(what, "all"))
		errors();
	if (!strcmp(what, "readiness") || !strcmp(what, "all"))
		readiness();
	if (!strcmp(what, "overflow") || !strcmp(what, "all"))
		overflow();
	rmdir(dir);
	return 0;
}
