// unixsock exercises Unix domain sockets (unix(7)): socketpairs of each
// type, bind/listen/connect/accept on a path and an abstract name,
// SCM_RIGHTS and SCM_CREDENTIALS between processes, SO_PEERCRED,
// shutdown, EPIPE and SIGPIPE, MSG_PEEK, message boundaries and
// MSG_TRUNC, non-blocking calls, poll readiness and errno cases. It
// prints only values that are the same natively and under runos (no
// pids, inode numbers or paths).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int e) {
	switch (e) {
	case 0: return "0";
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ENOTCONN: return "ENOTCONN";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EADDRINUSE: return "EADDRINUSE";
	case EISCONN: return "EISCONN";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTSOCK: return "ENOTSOCK";
	case EPROTOTYPE: return "EPROTOTYPE";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EMSGSIZE: return "EMSGSIZE";
	case ECONNRESET: return "ECONNRESET";
	case EBADF: return "EBADF";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	}
	static char b[32];
	snprintf(b, sizeof b, "errno %d", e);
	return b;
}

#define SHOW(expr) do { errno = 0; long r_ = (long)(expr); \
	printf("%s = %ld %s\n", #expr, r_, r_ < 0 ? en(errno) : ""); } while (0)

static socklen_t mkaddr(struct sockaddr_un *a, const char *path, int abstract) {
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (abstract) {
		// Natively the abstract namespace is the host's: a pid keeps
		// concurrent runs apart.
		int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "%s-%d", path, (int)getpid());
		return offsetof(struct sockaddr_un, sun_path) + 1 + n;
	}
	strcpy(a->sun_path, path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void pair(void) {
	int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
	const char *names[] = {"stream", "dgram", "seqpacket"};
	for (int i = 0; i < 3; i++) {
		int sv[2];
		char buf[64] = {0};
		if (socketpair(AF_UNIX, types[i], 0, sv) < 0) { perror("socketpair"); exit(1); }
		printf("%s:\n", names[i]);
		write(sv[0], "one", 3);
		send(sv[0], "two", 3, 0);
		errno = 0;
		long n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
		printf("  peek %ld \"%.*s\"\n", n, (int)n, buf);
		n = read(sv[1], buf, sizeof buf);
		printf("  read %ld \"%.*s\"\n", n, (int)n, buf);
		if (types[i] != SOCK_STREAM) {
			n = recv(sv[1], buf, 2, 0);
			printf("  short recv %ld \"%.*s\"\n", n, (int)n, buf);
			send(sv[0], "three", 5, 0);
			n = recv(sv[1], buf, 2, MSG_TRUNC);
			printf("  MSG_TRUNC recv %ld\n", n);
			send(sv[0], "four", 4, 0);
			struct iovec iov = {buf, 2};
			struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
			n = recvmsg(sv[1], &m, 0);
			printf("  recvmsg %ld flags MSG_TRUNC=%d\n", n, !!(m.msg_flags & MSG_TRUNC));
			send(sv[0], "", 0, 0);
			n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
			printf("  empty message %ld\n", n);
		}
		SHOW(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
		struct iovec v[2] = {{"ab", 2}, {"cd", 2}};
		SHOW(writev(sv[0], v, 2));
		struct iovec r[2] = {{buf, 1}, {buf + 1, 10}};
		SHOW(readv(sv[1], r, 2));
		printf("  readv \"%.4s\"\n", buf);
		struct stat st;
		fstat(sv[0], &st);
		printf("  S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
		int v1; socklen_t l = sizeof v1;
		getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v1, &l);
		printf("  SO_TYPE %d len %d\n", v1, l);
		struct sockaddr_un a; l = sizeof a;
		SHOW(getsockname(sv[0], (struct sockaddr *)&a, &l));
		printf("  getsockname len %d family %d\n", l, a.sun_family);
		l = sizeof a;
		SHOW(getpeername(sv[0], (struct sockaddr *)&a, &l));
		printf("  getpeername len %d\n", l);
		close(sv[1]);
		if (types[i] == SOCK_STREAM) {
			SHOW(send(sv[0], "x", 1, MSG_NOSIGNAL));
		} else if (types[i] == SOCK_SEQPACKET) {
			SHOW(send(sv[0], "x", 1, MSG_NOSIGNAL));
		} else {
			SHOW(send(sv[0], "x", 1, 0));
		}
		close(sv[0]);
	}
}

static void serve(const char *path, int abstract, int type) {
	struct sockaddr_un a;
	socklen_t len = mkaddr(&a, path, abstract);
	int l = socket(AF_UNIX, type, 0);
	SHOW(bind(l, (struct sockaddr *)&a, len));
	int l2 = socket(AF_UNIX, type, 0);
	SHOW(bind(l2, (struct sockaddr *)&a, len));
	close(l2);
	int c = socket(AF_UNIX, type, 0);
	SHOW(connect(c, (struct sockaddr *)&a, len));
	SHOW(listen(l, 5));
	int v; socklen_t vl = sizeof v;
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
	printf("  SO_ACCEPTCONN %d\n", v);
	fcntl(l, F_SETFL, O_NONBLOCK);
	SHOW(accept4(l, NULL, NULL, SOCK_NONBLOCK));
	fcntl(l, F_SETFL, 0);
	SHOW(connect(c, (struct sockaddr *)&a, len));
	SHOW(connect(c, (struct sockaddr *)&a, len));
	struct pollfd p = {l, POLLIN, 0};
	SHOW(poll(&p, 1, 0));
	printf("  listener revents %#x\n", p.revents);
	SHOW(send(c, "early", 5, 0));
	struct sockaddr_un pa; socklen_t pl = sizeof pa;
	int s = accept4(l, (struct sockaddr *)&pa, &pl, SOCK_CLOEXEC);
	printf("  accept ok %d peer len %d cloexec %d\n", s >= 0, pl, fcntl(s, F_GETFD) & FD_CLOEXEC);
	char buf[64];
	long n = recv(s, buf, sizeof buf, 0);
	printf("  server got %ld \"%.*s\"\n", n, (int)n, buf);
	struct sockaddr_un na; socklen_t nl = sizeof na;
	getsockname(s, (struct sockaddr *)&na, &nl);
	printf("  server name matches %d\n", nl == len && memcmp(&na, &a, len) == 0);
	nl = sizeof na;
	getpeername(c, (struct sockaddr *)&na, &nl);
	printf("  client peer name matches %d\n", nl == len && memcmp(&na, &a, len) == 0);
	nl = sizeof na;
	getsockname(l, (struct sockaddr *)&na, &nl);
	printf("  listener name matches %d\n", nl == len && memcmp(&na, &a, len) == 0);
	struct ucred cr; socklen_t cl = sizeof cr;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
	printf("  SO_PEERCRED pid ok %d uid ok %d gid ok %d len %d\n", cr.pid == getpid(), cr.uid == getuid(), cr.gid == getgid(), cl);
	close(c);
	n = recv(s, buf, sizeof buf, 0);
	printf("  after client close %ld\n", n);
	close(s);
	close(l);
	if (!abstract) {
		struct stat st;
		SHOW(stat(path, &st));
		printf("  file stays, S_ISSOCK %d\n", S_ISSOCK(st.st_mode));
		c = socket(AF_UNIX, type, 0);
		SHOW(connect(c, (struct sockaddr *)&a, len));
		close(c);
		unlink(path);
	} else {
		c = socket(AF_UNIX, type, 0);
		SHOW(connect(c, (struct sockaddr *)&a, len));
		close(c);
	}
}

static void bindpart(void) {
	char path[64];
	snprintf(path, sizeof path, "/tmp/unixsock-%d.sock", getpid());
	printf("path stream:\n");
	serve(path, 0, SOCK_STREAM);
	printf("abstract stream:\n");
	serve("unixsock-abstract", 1, SOCK_STREAM);
	printf("path seqpacket:\n");
	serve(path, 0, SOCK_SEQPACKET);

	printf("dgram:\n");
	struct sockaddr_un a, b;
	socklen_t al = mkaddr(&a, "unixsock-dg-a", 1);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
	SHOW(bind(s, (struct sockaddr *)&a, al));
	SHOW(sendto(c, "hi", 2, 0, (struct sockaddr *)&a, al));
	char buf[32];
	socklen_t bl = sizeof b;
	long n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&b, &bl);
	printf("  recvfrom %ld from len %d\n", n, bl);
	SHOW(bind(c, (struct sockaddr *)&a, sizeof(sa_family_t)));
	bl = sizeof b;
	getsockname(c, (struct sockaddr *)&b, &bl);
	printf("  autobind len %d abstract %d\n", bl, b.sun_path[0] == 0);
	SHOW(sendto(c, "again", 5, 0, (struct sockaddr *)&a, al));
	struct sockaddr_un f; socklen_t fl = sizeof f;
	n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&f, &fl);
	printf("  recvfrom %ld sender matches %d\n", n, fl == bl && memcmp(&f, &b, bl) == 0);
	SHOW(send(c, "x", 1, 0));
	SHOW(connect(c, (struct sockaddr *)&a, al));
	SHOW(send(c, "y", 1, 0));
	SHOW(recv(s, buf, sizeof buf, 0));
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	SHOW(connect(c, &unspec, sizeof unspec));
	SHOW(send(c, "x", 1, 0));
	SHOW(listen(s, 1));
	close(s);
	SHOW(sendto(c, "hi", 2, 0, (struct sockaddr *)&a, al));
	close(c);
}

static void sendfd(int s, int fd) {
	char c = 'F';
	struct iovec iov = {&c, 1};
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr h; } u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof fd);
	SHOW(sendmsg(s, &m, 0));
}

static int recvfd(int s, int flags, int *ctrunc) {
	char c;
	struct iovec iov = {&c, 1};
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr h; } u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	long n = recvmsg(s, &m, flags);
	if (n < 0) { printf("  recvmsg: %s\n", en(errno)); return -1; }
	*ctrunc = !!(m.msg_flags & MSG_CTRUNC);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS) { printf("  no rights, controllen %zu\n", m.msg_controllen); return -1; }
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof fd);
	printf("  got %ld byte, cmsg_len %zu controllen %zu\n", n, (size_t)h->cmsg_len, m.msg_controllen);
	return fd;
}

static void rights(void) {
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	// Sent before the fork so that the two processes' output keeps its
	// order; the child, not the sender, receives it.
	sendfd(sv[0], p[1]);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		int ct;
		int fd = recvfd(sv[1], MSG_CMSG_CLOEXEC, &ct);
		printf("  child: fd is new %d, cloexec %d\n", fd != p[1] && fd >= 0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(p[1]);
		write(fd, "through the passed pipe", 23);
		close(fd);
		_exit(0);
	}
	close(sv[1]);
	close(p[1]);
	char buf[64];
	long n, t = 0;
	while ((n = read(p[0], buf + t, sizeof buf - t)) > 0)
		t += n;
	printf("  parent read %ld \"%.*s\"\n", t, (int)t, buf);
	waitpid(pid, NULL, 0);
	// Too little room: MSG_CTRUNC and the descriptor is closed.
	char c;
	struct iovec iov = {&c, 1};
	char small[8];
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof small};
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	sendfd(p[0], 1);
	long r = recvmsg(p[1], &m, 0);
	printf("  small control: %ld, MSG_CTRUNC %d, controllen %zu\n", r, !!(m.msg_flags & MSG_CTRUNC), m.msg_controllen);
	// A peek duplicates; the real receive gets it again.
	sendfd(p[0], 1);
	int ct;
	int a = recvfd(p[1], MSG_PEEK, &ct), b = recvfd(p[1], 0, &ct);
	printf("  peek and receive give two fds: %d\n", a >= 0 && b >= 0 && a != b);
	// Bad descriptor in SCM_RIGHTS.
	sendfd(p[0], 999);
	close(sv[0]);
}

static void creds(void) {
	int sv[2], on = 1;
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	SHOW(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
	int v; socklen_t l = sizeof v;
	getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l);
	printf("  SO_PASSCRED %d\n", v);
	send(sv[0], "c", 1, 0);
	char c;
	struct iovec iov = {&c, 1};
	union { char b[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr h; } u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	long n = recvmsg(sv[1], &m, 0);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	struct ucred cr;
	memcpy(&cr, CMSG_DATA(h), sizeof cr);
	printf("  recvmsg %ld type %d len %zu pid ok %d uid ok %d gid ok %d\n", n, h->cmsg_type, (size_t)h->cmsg_len,
	       cr.pid == getpid(), cr.uid == getuid(), cr.gid == getgid());
	// Claiming another pid is refused.
	m.msg_controllen = sizeof u.b;
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof cr);
	cr.pid = getpid();
	memcpy(CMSG_DATA(h), &cr, sizeof cr);
	SHOW(sendmsg(sv[0], &m, 0));
	if (getuid() != 0) {
		cr.pid = getpid() + 1;
		memcpy(CMSG_DATA(h), &cr, sizeof cr);
		SHOW(sendmsg(sv[0], &m, 0));
	}
	struct ucred pc; l = sizeof pc;
	getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &l);
	printf("  pair SO_PEERCRED pid ok %d len %d\n", pc.pid == getpid(), l);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = sizeof pc;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &pc, &l);
	printf("  unconnected SO_PEERCRED pid %d uid %d gid %d\n", pc.pid, (int)pc.uid, (int)pc.gid);
	int bufs[] = {0, 1000, 5000, 100000};
	for (int i = 0; i < 4; i++) {
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &bufs[i], sizeof(int));
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &bufs[i], sizeof(int));
		int a, b; socklen_t la = sizeof a, lb = sizeof b;
		getsockopt(s, SOL_SOCKET, SO_SNDBUF, &a, &la);
		getsockopt(s, SOL_SOCKET, SO_RCVBUF, &b, &lb);
		printf("  SO_SNDBUF/SO_RCVBUF %d -> %d %d\n", bufs[i], a, b);
	}
	int opts[] = {SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_ACCEPTCONN, SO_REUSEADDR};
	for (int i = 0; i < 5; i++) {
		l = sizeof v;
		errno = 0;
		int r = getsockopt(s, SOL_SOCKET, opts[i], &v, &l);
		printf("  getsockopt %d: %d value %d len %d\n", opts[i], r, v, l);
	}
	SHOW(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
	SHOW(getsockopt(s, SOL_SOCKET, 9999, &v, &l));
	SHOW(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &on, 2));
	SHOW(getsockopt(s, 6 /* IPPROTO_TCP */, 1, &v, &l));
	close(s);
}

static volatile int sigpipes;
static void onpipe(int sig) { (void)sig; sigpipes++; }

static void shutdownpart(void) {
	signal(SIGPIPE, onpipe);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	SHOW(shutdown(sv[0], SHUT_WR));
	char buf[8];
	SHOW(read(sv[1], buf, sizeof buf));
	SHOW(write(sv[0], "x", 1));
	printf("  SIGPIPEs %d\n", sigpipes);
	SHOW(send(sv[0], "x", 1, MSG_NOSIGNAL));
	printf("  SIGPIPEs %d\n", sigpipes);
	SHOW(write(sv[1], "back", 4));
	SHOW(read(sv[0], buf, sizeof buf));
	SHOW(shutdown(sv[1], SHUT_RD));
	SHOW(shutdown(sv[1], 7));
	struct pollfd p[2] = {{sv[0], POLLIN | POLLOUT | POLLRDHUP, 0}, {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0}};
	poll(p, 2, 0);
	printf("  revents %#x %#x\n", p[0].revents, p[1].revents);
	close(sv[0]);
	close(sv[1]);
	// Closing with unread data resets the peer.
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	SHOW(read(sv[0], buf, sizeof buf));
	SHOW(read(sv[0], buf, sizeof buf));
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	SHOW(shutdown(sv[0], SHUT_RDWR));
	p[0] = (struct pollfd){sv[0], POLLIN | POLLOUT, 0};
	poll(p, 1, 0);
	printf("  after SHUT_RDWR revents %#x\n", p[0].revents);
	close(sv[0]);
	close(sv[1]);
	// A seqpacket socket fails with EPIPE but raises no SIGPIPE.
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	close(sv[1]);
	SHOW(write(sv[0], "x", 1));
	printf("  SIGPIPEs %d\n", sigpipes);
	close(sv[0]);
}

static void onalarm(int sig) { (void)sig; }

static void nonblock(void) {
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	char buf[4096] = {0};
	long total = 0, n;
	while ((n = write(sv[0], buf, sizeof buf)) > 0)
		total += n;
	printf("  filled: %s, some bytes %d\n", en(errno), total > 0);
	struct pollfd p = {sv[0], POLLOUT, 0};
	SHOW(poll(&p, 1, 0));
	p.fd = sv[1]; p.events = POLLIN;
	SHOW(poll(&p, 1, 0));
	long got = 0;
	while ((n = read(sv[1], buf, sizeof buf)) > 0)
		got += n;
	printf("  drained all %d: %s\n", got == total, en(errno));
	p.fd = sv[0]; p.events = POLLOUT;
	SHOW(poll(&p, 1, 0));
	close(sv[0]);
	close(sv[1]);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	SHOW(recv(sv[0], buf, 1, MSG_DONTWAIT));
	int big = 1 << 20;
	char *huge = calloc(1, big);
	SHOW(send(sv[0], huge, big, 0));
	free(huge);
	// A blocked reader wakes when a child writes.
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		send(sv[1], "wake", 4, 0);
		_exit(0);
	}
	n = recv(sv[0], buf, sizeof buf, 0);
	printf("  blocking recv %ld \"%.*s\"\n", n, (int)n, buf);
	waitpid(pid, NULL, 0);
	// A signal without SA_RESTART interrupts a blocked receive.
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onalarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	SHOW(recv(sv[0], buf, sizeof buf, 0));
	close(sv[0]);
	close(sv[1]);
}

// families shows the families runos does not serve yet; its output
// differs from Linux's on purpose (see docs/sockets.md).
static void families(void) {
	SHOW(socket(AF_INET, SOCK_STREAM, 0));
	SHOW(socket(AF_INET6, SOCK_DGRAM, 0));
	SHOW(socket(AF_NETLINK, SOCK_RAW, 0));
	int sv[2];
	SHOW(socketpair(AF_INET, SOCK_STREAM, 0, sv));
}

static void errorspart(void) {
	struct sockaddr_un a;
	socklen_t len = mkaddr(&a, "/tmp/unixsock-does-not-exist", 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	SHOW(connect(s, (struct sockaddr *)&a, len));
	len = mkaddr(&a, "/etc/passwd", 0);
	SHOW(connect(s, (struct sockaddr *)&a, len));
	len = mkaddr(&a, "unixsock-nobody", 1);
	SHOW(connect(s, (struct sockaddr *)&a, len));
	SHOW(connect(s, (struct sockaddr *)&a, 1));
	SHOW(send(s, "x", 1, MSG_NOSIGNAL));
	char buf[4];
	SHOW(recv(s, buf, 1, MSG_DONTWAIT));
	SHOW(listen(s, 1));
	SHOW(accept(s, NULL, NULL));
	struct sockaddr_un pa; socklen_t pl = sizeof pa;
	SHOW(getpeername(s, (struct sockaddr *)&pa, &pl));
	len = mkaddr(&a, "/etc/passwd", 0);
	SHOW(bind(s, (struct sockaddr *)&a, len));
	len = mkaddr(&a, "/nonexistent-dir/x.sock", 0);
	SHOW(bind(s, (struct sockaddr *)&a, len));
	a.sun_family = AF_INET;
	SHOW(bind(s, (struct sockaddr *)&a, len));
	SHOW(bind(s, (struct sockaddr *)&a, sizeof a + 1));
	SHOW(shutdown(s, SHUT_RDWR));
	close(s);
	SHOW(socket(12345, SOCK_STREAM, 0));
	SHOW(socket(AF_UNIX, 99, 0));
	SHOW(socket(AF_UNIX, SOCK_RDM, 0));
	SHOW(socket(AF_UNIX, SOCK_STREAM, 7));
	SHOW(socket(AF_UNIX, SOCK_STREAM | 0x1000000, 0));
	SHOW(listen(0, 1));
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	SHOW(listen(fd, 1));
	SHOW(send(fd, "x", 1, 0));
	SHOW(accept(fd, NULL, NULL));
	close(fd);
	int d = socket(AF_UNIX, SOCK_STREAM, 0);
	len = mkaddr(&a, "unixsock-dgram-srv", 1);
	int ds = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(ds, (struct sockaddr *)&a, len);
	SHOW(connect(d, (struct sockaddr *)&a, len));
	close(ds);
	close(d);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *part = argc > 1 ? argv[1] : "pair";
	if (!strcmp(part, "pair")) pair();
	else if (!strcmp(part, "bind")) bindpart();
	else if (!strcmp(part, "rights")) rights();
	else if (!strcmp(part, "creds")) creds();
	else if (!strcmp(part, "shutdown")) shutdownpart();
	else if (!strcmp(part, "nonblock")) nonblock();
	else if (!strcmp(part, "errors")) errorspart();
	else if (!strcmp(part, "families")) families();
	else { fprintf(stderr, "unknown part %s\n", part); return 2; }
	return 0;
}
