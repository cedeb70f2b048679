/*
 * fdcalls: timerfd, signalfd, memfd and seals, flock and fcntl record
 * locks, preadv/pwritev(2), splice/tee/copy_file_range, and the pipe and
 * file fcntls and ioctls. Each check is one argument:
 *
 *   usage: fdcalls CHECK     (timerfd signalfd memfd flock reclock vecio
 *                             splice ioctl)
 *
 * It prints booleans and counts, never times or pids, so that the output
 * is the same natively and under runos; it exits 1 when a check fails.
 * Files are memfds, so no check depends on a writable directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

static int readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void timerfd_check(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check("create ok", fd >= 0);
	check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	check("nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	uint64_t n = 0;
	check("unarmed read EAGAIN", read(fd, &n, 8) == -1 && errno == EAGAIN);
	check("short read EINVAL", read(fd, &n, 4) == -1 && errno == EINVAL);
	check("bad clock EINVAL", timerfd_create(12345, 0) == -1 && errno == EINVAL);
	check("bad flags EINVAL", timerfd_create(CLOCK_MONOTONIC, 0x40) == -1 && errno == EINVAL);
	struct itimerspec its = {.it_value = {0, 20 * 1000000}, .it_interval = {0, 20 * 1000000}}, old, cur;
	check("settime ok", timerfd_settime(fd, 0, &its, &old) == 0);
	check("old was disarmed", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
	check("gettime interval", timerfd_gettime(fd, &cur) == 0 && cur.it_interval.tv_nsec == 20000000);
	check("gettime running down", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
	check("not readable at once", !readable(fd, 0));
	check("readable after expiry", readable(fd, 2000));
	usleep(50 * 1000);
	check("periodic count >= 2", read(fd, &n, 8) == 8 && n >= 2);
	its = (struct itimerspec){0};
	check("disarm ok", timerfd_settime(fd, 0, &its, &old) == 0);
	check("old interval kept", old.it_interval.tv_nsec == 20000000);
	check("disarmed read EAGAIN", read(fd, &n, 8) == -1 && errno == EAGAIN);
	close(fd);

	/* Blocking read of a one-shot absolute realtime timer. */
	fd = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec += 30 * 1000000;
	if (now.tv_nsec >= 1000000000) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000;
	}
	its = (struct itimerspec){.it_value = now};
	check("abstime settime ok", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0);
	check("blocking read gets 1", read(fd, &n, 8) == 8 && n == 1);
	check("one-shot disarmed after", timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	its.it_value.tv_sec = 1; /* long past */
	check("past abstime expires at once", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0 && readable(fd, 0));
	its.it_value.tv_nsec = 1000000000;
	check("bad nsec EINVAL", timerfd_settime(fd, 0, &its, NULL) == -1 && errno == EINVAL);
	check("settime on a pipe EINVAL", timerfd_settime(0, 0, &its, NULL) == -1 && errno == EINVAL);
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, 0);
	check("boottime ok", fd >= 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	check("epoll_ctl ok", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	its = (struct itimerspec){.it_value = {0, 10 * 1000000}};
	timerfd_settime(fd, 0, &its, NULL);
	check("epoll not ready before", epoll_wait(ep, &ev, 1, 0) == 0);
	check("epoll sees the expiry", epoll_wait(ep, &ev, 1, 2000) == 1 && ev.events == EPOLLIN);
	close(ep);
	close(fd);
}

static void signalfd_check(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	check("create ok", fd >= 0);
	check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	struct signalfd_siginfo si[2];
	check("none pending EAGAIN", read(fd, si, sizeof si) == -1 && errno == EAGAIN);
	check("not readable", !readable(fd, 0));
	check("small buffer EINVAL", read(fd, si, 64) == -1 && errno == EINVAL);
	kill(getpid(), SIGUSR2);
	union sigval v = {.sival_int = 77};
	sigqueue(getpid(), SIGUSR1, v);
	check("readable when pending", readable(fd, 0));
	ssize_t r = read(fd, si, sizeof si);
	check("read two records", r == 2 * (ssize_t)sizeof si[0]);
	check("lowest first: SIGUSR1", si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_QUEUE && si[0].ssi_int == 77);
	check("then SIGUSR2 from kill", si[1].ssi_signo == SIGUSR2 && si[1].ssi_code == SI_USER && si[1].ssi_pid == (uint32_t)getpid());
	sigset_t pend;
	sigpending(&pend);
	check("consumed", !sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
	/* Narrow the mask on the same descriptor. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	check("update returns fd", signalfd(fd, &mask, 0) == fd);
	kill(getpid(), SIGUSR1);
	check("masked out: not readable", !readable(fd, 0));
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	signalfd(fd, &mask, 0);
	check("mask widened: readable", readable(fd, 0));
	check("read one", read(fd, si, sizeof si) == sizeof si[0] && si[0].ssi_signo == SIGUSR1);
	check("update of a non-signalfd EINVAL", signalfd(0, &mask, 0) == -1 && errno == EINVAL);
	check("bad flags EINVAL", syscall(SYS_signalfd4, -1, &mask, 8, 1) == -1 && errno == EINVAL);
	check("bad size EINVAL", syscall(SYS_signalfd4, -1, &mask, 4, 0) == -1 && errno == EINVAL);
	close(fd);

	/* A blocking read waits for a signal sent by a child. */
	fd = signalfd(-1, &mask, 0);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(30 * 1000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	check("blocking read", read(fd, si, sizeof si) == sizeof si[0] && si[0].ssi_signo == SIGUSR1 && si[0].ssi_pid == (uint32_t)pid);
	waitpid(pid, NULL, 0);
	close(fd);
}

static void memfd_check(void)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	check("create ok", fd >= 0);
	check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	struct stat st;
	check("regular 0777", fstat(fd, &st) == 0 && st.st_mode == (S_IFREG | 0777) && st.st_size == 0);
	check("write 5", write(fd, "hello", 5) == 5);
	char b[16] = {0};
	check("pread", pread(fd, b, sizeof b, 0) == 5 && !memcmp(b, "hello", 5));
	check("ftruncate grow", ftruncate(fd, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192);
	char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	check("mmap sees contents", p != MAP_FAILED && !memcmp(p, "hello", 5) && p[4096] == 0);
	munmap(p, 8192);
	check("no seals", fcntl(fd, F_GET_SEALS) == 0);
	check("seal shrink+grow", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	check("get seals", fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW));
	check("shrink EPERM", ftruncate(fd, 10) == -1 && errno == EPERM);
	check("grow EPERM", ftruncate(fd, 9000) == -1 && errno == EPERM);
	check("write past end EPERM", pwrite(fd, "x", 1, 8192) == -1 && errno == EPERM);
	check("write inside ok", pwrite(fd, "J", 1, 0) == 1);
	check("same size ftruncate ok", ftruncate(fd, 8192) == 0);
	check("seal write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0);
	check("write EPERM", pwrite(fd, "x", 1, 0) == -1 && errno == EPERM);
	check("seal seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0);
	check("add after seal EPERM", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == -1 && errno == EPERM);
	check("reads still work", pread(fd, b, 5, 0) == 5 && !memcmp(b, "Jello", 5));
	close(fd);
	fd = memfd_create("plain", 0);
	check("without ALLOW_SEALING: F_SEAL_SEAL", fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL);
	check("add EPERM", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EPERM);
	check("not cloexec", fcntl(fd, F_GETFD) == 0);
	close(fd);
	check("seals of a pipe EINVAL", fcntl(0, F_GET_SEALS) == -1 && errno == EINVAL);
	check("bad flags EINVAL", memfd_create("x", 0x100) == -1 && errno == EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	check("long name EINVAL", memfd_create(longname, 0) == -1 && errno == EINVAL);
}

static void flock_check(void)
{
	int a = memfd_create("lock", 0);
	int b = dup(a);
	check("LOCK_EX", flock(a, LOCK_EX) == 0);
	check("again through a dup: same description", flock(b, LOCK_EX | LOCK_NB) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child shares the description, so it holds the lock too. */
		_exit(flock(a, LOCK_SH | LOCK_NB) == 0 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	check("child shares the lock", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check("LOCK_UN", flock(a, LOCK_UN) == 0);

	/* Two opens of one file are two descriptions: their locks conflict. */
	char path[64];
	snprintf(path, sizeof path, "/tmp/fdcalls-flock-%d", (int)getpid());
	int x = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	int y = open(path, O_RDWR);
	unlink(path);
	check("two opens", x >= 0 && y >= 0);
	check("LOCK_EX on one", flock(x, LOCK_EX) == 0);
	check("LOCK_SH|LOCK_NB on the other EWOULDBLOCK", flock(y, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	pid = fork();
	if (pid == 0) {
		close(x);
		/* Blocks until the parent's last close of x releases it. */
		_exit(flock(y, LOCK_EX) == 0 ? 0 : 1);
	}
	usleep(30 * 1000);
	close(x);
	waitpid(pid, &st, 0);
	check("waiter got it after the last close", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check("still held through y", flock(y, LOCK_SH | LOCK_NB) == 0);
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	check("record locks are per process", fcntl(y, F_SETLK, &q) == 0 && fcntl(y, F_GETLK, &q) == 0 && q.l_type == F_UNLCK);
	close(y);
	check("bad op EINVAL", flock(a, LOCK_NB) == -1 && errno == EINVAL);
	check("bad fd EBADF", flock(999, LOCK_EX) == -1 && errno == EBADF);
	close(a);
	close(b);
}

static void reclock_check(void)
{
	int fd = memfd_create("rec", 0);
	ftruncate(fd, 100);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 20};
	check("F_SETLK write", fcntl(fd, F_SETLK, &fl) == 0);
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	check("F_GETLK own lock: unlocked", fcntl(fd, F_GETLK, &q) == 0 && q.l_type == F_UNLCK);
	int pfd[2];
	pipe(pfd);
	pid_t pid = fork();
	if (pid == 0) {
		struct flock c = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
		int ok = fcntl(fd, F_GETLK, &c) == 0 && c.l_type == F_WRLCK && c.l_start == 10 && c.l_len == 20 && c.l_pid == getppid();
		c = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 25, .l_len = 1};
		ok = ok && fcntl(fd, F_SETLK, &c) == -1 && (errno == EAGAIN || errno == EACCES);
		c.l_start = 30; /* just past the lock */
		ok = ok && fcntl(fd, F_SETLK, &c) == 0;
		write(pfd[1], &ok, sizeof ok);
		/* Wait for the parent's lock, which it drops by closing a dup. */
		c = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 15, .l_len = 1};
		ok = fcntl(fd, F_SETLKW, &c) == 0;
		_exit(ok ? 0 : 1);
	}
	int ok = 0;
	read(pfd[0], &ok, sizeof ok);
	check("child sees the conflict", ok);
	struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 30, .l_len = 1};
	check("parent GETLK sees child's read lock", fcntl(fd, F_GETLK, &o) == 0 && o.l_type == F_RDLCK && o.l_pid == pid);
	usleep(30 * 1000);
	int d = dup(fd);
	close(d); /* POSIX: closing any descriptor drops the process's locks */
	int st;
	waitpid(pid, &st, 0);
	check("child's F_SETLKW got it after close", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Split: unlock the middle of a lock. */
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 30};
	fcntl(fd, F_SETLK, &fl);
	fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10};
	check("unlock middle", fcntl(fd, F_SETLK, &fl) == 0);
	pid = fork();
	if (pid == 0) {
		struct flock c = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10};
		int ok = fcntl(fd, F_SETLK, &c) == 0;
		c.l_start = 20;
		ok = ok && fcntl(fd, F_GETLK, &c) == 0 && c.l_type == F_WRLCK && c.l_start == 20 && c.l_len == 10;
		_exit(ok ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check("split leaves two pieces", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* OFD locks: owned by the description; conflict with classic ones. */
	struct flock of = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
	check("OFD SETLK conflicts with own classic lock", fcntl(fd, F_OFD_SETLK, &of) == -1 && errno == EAGAIN);
	of.l_start = 50;
	check("OFD SETLK elsewhere", fcntl(fd, F_OFD_SETLK, &of) == 0);
	of.l_pid = 1;
	check("OFD l_pid nonzero EINVAL", fcntl(fd, F_OFD_SETLK, &of) == -1 && errno == EINVAL);
	struct flock g = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 1};
	check("classic GETLK sees OFD lock pid -1", fcntl(fd, F_GETLK, &g) == 0 && g.l_type == F_WRLCK && g.l_pid == -1);

	/* Deadlock: each waits for the other's lock. */
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 80, .l_len = 1};
	fcntl(fd, F_SETLK, &fl);
	int go[2];
	pipe(go);
	pid = fork();
	if (pid == 0) {
		struct flock c = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 90, .l_len = 1};
		fcntl(fd, F_SETLK, &c);
		write(go[1], "x", 1);
		c.l_start = 80;
		_exit(fcntl(fd, F_SETLKW, &c) == 0 ? 0 : 1);
	}
	char x;
	read(go[0], &x, 1);
	usleep(50 * 1000); /* let the child block */
	fl.l_start = 90;
	check("F_SETLKW EDEADLK", fcntl(fd, F_SETLKW, &fl) == -1 && errno == EDEADLK);
	fl.l_type = F_UNLCK;
	fl.l_start = 80;
	fcntl(fd, F_SETLK, &fl);
	waitpid(pid, &st, 0);
	check("child got the lock", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	fl = (struct flock){.l_type = F_RDLCK, .l_whence = 7};
	check("bad whence EINVAL", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL);
	fl = (struct flock){.l_type = 9};
	check("bad type EINVAL", fcntl(fd, F_SETLK, &fl) == -1 && errno == EINVAL);
}

static void vecio_check(void)
{
	int fd = memfd_create("v", 0);
	char a[] = "abc", b[] = "defg";
	struct iovec w[2] = {{a, 3}, {b, 4}};
	check("pwritev 7", pwritev(fd, w, 2, 2) == 7);
	check("position unchanged", lseek(fd, 0, SEEK_CUR) == 0);
	char x[4] = {0}, y[8] = {0};
	struct iovec r[2] = {{x, 2}, {y, 8}};
	check("preadv 9", preadv(fd, r, 2, 0) == 9 && x[0] == 0 && !memcmp(y, "abcdefg", 7));
	check("preadv negative EINVAL", preadv(fd, r, 2, -5) == -1 && errno == EINVAL);
	check("pwritev2 at -1 uses position", pwritev2(fd, w, 1, -1, 0) == 3 && lseek(fd, 0, SEEK_CUR) == 3);
	check("preadv2 flags 0", preadv2(fd, r, 2, 2, 0) == 7);
	check("preadv2 RWF_HIPRI ok", preadv2(fd, r, 1, 0, RWF_HIPRI) == 2);
	check("preadv2 bad flag EOPNOTSUPP", preadv2(fd, r, 1, 0, 0x1000) == -1 && errno == EOPNOTSUPP);
	int p[2];
	pipe(p);
	check("preadv of a pipe ESPIPE", preadv(p[0], r, 1, 0) == -1 && errno == ESPIPE);
}

static void splice_check(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	int f = memfd_create("s", 0);
	write(f, "0123456789", 10);
	loff_t off = 2;
	check("splice file->pipe 5", splice(f, &off, p[1], NULL, 5, 0) == 5 && off == 7);
	check("file position unchanged", lseek(f, 0, SEEK_CUR) == 10);
	check("tee 5", tee(p[0], q[1], 100, 0) == 5);
	char b[16] = {0};
	check("tee copy", read(q[0], b, sizeof b) == 5 && !memcmp(b, "23456", 5));
	check("original still there", read(p[0], b, sizeof b) == 5 && !memcmp(b, "23456", 5));
	write(p[1], "xyz", 3);
	off = 0;
	check("splice pipe->file", splice(p[0], NULL, f, &off, 10, 0) == 3 && off == 3);
	check("file got it", pread(f, b, 3, 0) == 3 && !memcmp(b, "xyz", 3));
	check("empty nonblocking EAGAIN", splice(p[0], NULL, f, NULL, 10, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN);
	check("offset on a pipe ESPIPE", splice(p[0], &off, f, NULL, 10, 0) == -1 && errno == ESPIPE);
	int g = memfd_create("g", 0);
	check("no pipe EINVAL", splice(f, NULL, g, NULL, 10, 0) == -1 && errno == EINVAL);
	check("tee from a file EINVAL", tee(f, q[1], 10, 0) == -1 && errno == EINVAL);
	int r[2];
	pipe(r);
	fcntl(r[1], F_SETPIPE_SZ, 4096);
	fcntl(r[1], F_SETFL, O_NONBLOCK);
	char page[4096] = {0};
	write(r[1], page, sizeof page);
	lseek(f, 0, SEEK_SET);
	check("into a full pipe EAGAIN", splice(f, NULL, r[1], NULL, 10, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN);
	check("file position kept", lseek(f, 0, SEEK_CUR) == 0);
	close(r[0]);
	signal(SIGPIPE, SIG_IGN);
	check("no reader EPIPE", splice(f, NULL, r[1], NULL, 10, 0) == -1 && errno == EPIPE);
	close(p[1]);
	check("splice at EOF 0", splice(p[0], NULL, f, NULL, 10, 0) == 0);

	loff_t in = 1, out = 0;
	check("copy_file_range 6", copy_file_range(f, &in, g, &out, 6, 0) == 6 && in == 7 && out == 6);
	check("copied", pread(g, b, 6, 0) == 6 && !memcmp(b, "yz3456", 6));
	lseek(f, 0, SEEK_SET);
	check("position form", copy_file_range(f, NULL, g, NULL, 4, 0) == 4 && lseek(f, 0, SEEK_CUR) == 4 && lseek(g, 0, SEEK_CUR) == 4);
	check("at EOF 0", copy_file_range(f, &(loff_t){100}, g, NULL, 4, 0) == 0);
	check("flags EINVAL", copy_file_range(f, NULL, g, NULL, 4, 1) == -1 && errno == EINVAL);
	check("overlap EINVAL", copy_file_range(f, &(loff_t){0}, f, &(loff_t){2}, 4, 0) == -1 && errno == EINVAL);
	check("pipe EINVAL", copy_file_range(q[0], NULL, g, NULL, 4, 0) == -1 && errno == EINVAL);
}

static void ioctl_check(void)
{
	int p[2];
	pipe(p);
	check("F_GETPIPE_SZ 65536", fcntl(p[0], F_GETPIPE_SZ) == 65536);
	check("F_SETPIPE_SZ rounds up", fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192 && fcntl(p[0], F_GETPIPE_SZ) == 8192);
	check("F_SETPIPE_SZ small: one page", fcntl(p[1], F_SETPIPE_SZ, 1) == 4096);
	char buf[4096] = {0};
	write(p[1], buf, 3000);
	int n = -1;
	check("FIONREAD pipe 3000", ioctl(p[0], FIONREAD, &n) == 0 && n == 3000);
	check("F_SETPIPE_SZ grows", fcntl(p[1], F_SETPIPE_SZ, 65536) == 65536);
	write(p[1], buf, 4096);
	write(p[1], buf, 4096);
	check("F_SETPIPE_SZ below contents EBUSY", fcntl(p[1], F_SETPIPE_SZ, 4096) == -1 && errno == EBUSY);
	check("F_GETPIPE_SZ of a file EBADF", fcntl(memfd_create("f", 0), F_GETPIPE_SZ) == -1 && errno == EBADF);
	int f = memfd_create("i", 0);
	write(f, "0123456789", 10);
	lseek(f, 4, SEEK_SET);
	check("FIONREAD file: size - position", ioctl(f, FIONREAD, &n) == 0 && n == 6);
	int on = 1;
	check("FIONBIO on", ioctl(p[0], FIONBIO, &on) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK));
	on = 0;
	check("FIONBIO off", ioctl(p[0], FIONBIO, &on) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	check("FIOCLEX", ioctl(f, FIOCLEX) == 0 && fcntl(f, F_GETFD) == FD_CLOEXEC);
	check("FIONCLEX", ioctl(f, FIONCLEX) == 0 && fcntl(f, F_GETFD) == 0);
	check("TCGETS on a file ENOTTY", ioctl(f, TCGETS, buf) == -1 && errno == ENOTTY);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fdcalls CHECK\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *c = argv[1];
	if (!strcmp(c, "timerfd"))
		timerfd_check();
	else if (!strcmp(c, "signalfd"))
		signalfd_check();
	else if (!strcmp(c, "memfd"))
		memfd_check();
	else if (!strcmp(c, "flock"))
		flock_check();
	else if (!strcmp(c, "reclock"))
		reclock_check();
	else if (!strcmp(c, "vecio"))
		vecio_check();
	else if (!strcmp(c, "splice"))
		splice_check();
	else if (!strcmp(c, "ioctl"))
		ioctl_check();
	else {
		fprintf(stderr, "fdcalls: unknown check %s\n", c);
		return 2;
	}
	printf("%s: %d failures\n", c, failures);
	return failures != 0;
}
