// pty: a pseudo-terminal between a parent (on the master) and a child
// session (on the slave as its controlling terminal). The parent types,
// reads what the terminal shows, and prints it escaped, so that the
// output compares byte for byte with the native run: echo, line editing,
// ONLCR, ^C as SIGINT, TIOCSWINSZ as SIGWINCH, ^D, raw mode with VMIN
// and VTIME, background reads and (with TOSTOP) writes, EIO on the
// master once the slave side is gone, and SIGHUP to a session whose
// master closes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void die(const char *what) {
	perror(what);
	exit(99);
}

// show prints buf with control characters escaped.
static void show(const char *label, const char *buf, size_t n) {
	printf("%s: \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];
		if (c == '\r')
			printf("\\r");
		else if (c == '\n')
			printf("\\n");
		else if (c == '\b')
			printf("\\b");
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
	fflush(stdout);
}

static char acc[4096], rest[4096];
static size_t accn, restn;

// expect reads the master until what was read contains want, leaves in
// acc what came up to the end of it (returning its length), and keeps the
// rest for the next call.
static size_t expect(int m, const char *want) {
	memcpy(acc, rest, restn);
	accn = restn, restn = 0;
	for (;;) {
		acc[accn] = 0;
		char *at = strstr(acc, want);
		if (at) {
			size_t end = at - acc + strlen(want);
			restn = accn - end;
			memcpy(rest, acc + end, restn);
			accn = end;
			acc[accn] = 0;
			return accn;
		}
		ssize_t n = read(m, acc + accn, sizeof acc - 1 - accn);
		if (n <= 0) {
			printf("expect %s: read %zd errno %d, so far:\n", want, n, errno);
			show("partial", acc, accn);
			exit(98);
		}
		accn += n;
	}
}

static void type(int m, const char *s) {
	if (write(m, s, strlen(s)) != (ssize_t)strlen(s))
		die("write master");
}

static volatile sig_atomic_t got_int, got_winch, got_hup;
static void on_int(int s) { got_int = 1; }
static void on_winch(int s) { got_winch = 1; }
static void on_hup(int s) { got_hup = 1; }

static void say(const char *s) {
	if (write(1, s, strlen(s)) < 0)
		_exit(90);
}

// exited_with reports whether wait status st is exit code code.
static int exited_with(int st, int code) { return WIFEXITED(st) && WEXITSTATUS(st) == code; }

// stops_with_sigttou runs what in a new background process group and
// reports whether SIGTTOU stopped it; the process is killed then.
static int stops_with_sigttou(void (*what)(void)) {
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		what();
		_exit(8);
	}
	int st;
	waitpid(g, &st, WUNTRACED);
	int stopped = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU;
	kill(g, SIGKILL);
	waitpid(g, &st, 0);
	return stopped;
}

static void set_same_termios(void) {
	struct termios t;
	tcgetattr(0, &t);
	tcsetattr(0, TCSANOW, &t);
}

static void drain(void) { tcdrain(0); }

// background_writes is job control for writers (termios(3), TOSTOP): with
// TOSTOP set, a background group writing the terminal is stopped by
// SIGTTOU, and its write goes through once it is brought to the
// foreground and continued; with SIGTTOU ignored or blocked it writes at
// once; an orphaned group's write fails with EIO. tcsetattr and tcdrain
// stop a background group whatever TOSTOP says.
static void background_writes(void) {
	struct termios t;
	int st;
	tcgetattr(0, &t);
	t.c_lflag |= TOSTOP;
	tcsetattr(0, TCSANOW, &t);

	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		_exit(write(1, "fg write\n", 9) == 9 ? 8 : 9);
	}
	waitpid(g, &st, WUNTRACED);
	int stopped = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU;
	signal(SIGTTOU, SIG_IGN); // as a shell does around tcsetpgrp
	tcsetpgrp(0, g);
	kill(g, SIGCONT);
	waitpid(g, &st, 0);
	int fg = exited_with(st, 8);
	tcsetpgrp(0, getpgrp());
	signal(SIGTTOU, SIG_DFL);

	g = fork();
	if (g == 0) {
		signal(SIGTTOU, SIG_IGN);
		setpgid(0, 0);
		_exit(write(1, "ignored write\n", 14) == 14 ? 8 : 9);
	}
	waitpid(g, &st, 0);
	int ignored = exited_with(st, 8);

	g = fork();
	if (g == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTTOU);
		sigprocmask(SIG_BLOCK, &set, 0);
		setpgid(0, 0);
		_exit(write(1, "blocked write\n", 14) == 14 ? 8 : 9);
	}
	waitpid(g, &st, 0);
	int blocked = exited_with(st, 8);

	// An orphaned group: the grandchild, alone in its group once its
	// parent has gone, reports through a pipe.
	int pf[2];
	if (pipe(pf) < 0)
		_exit(95);
	g = fork();
	if (g == 0) {
		setpgid(0, 0);
		pid_t me = getpid();
		if (fork() == 0) {
			while (getppid() == me)
				usleep(1000); // until the parent is gone
			char c = write(1, "orphan write\n", 13) < 0 && errno == EIO ? 'E' : 'w';
			write(pf[1], &c, 1);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(g, &st, 0);
	close(pf[1]);
	char c = 0;
	read(pf[0], &c, 1);
	close(pf[0]);

	int setattr = stops_with_sigttou(set_same_termios);
	int drained = stops_with_sigttou(drain);
	t.c_lflag &= ~TOSTOP;
	tcsetattr(0, TCSANOW, &t);
	char line[300];
	snprintf(line, sizeof line, "background write: sigttou-stop=%d fg-write=%d ignored-write=%d "
	         "blocked-write=%d orphan-eio=%d tcsetattr-stop=%d tcdrain-stop=%d\n",
	         stopped, fg, ignored, blocked, c == 'E', setattr, drained);
	say(line);
}

// child runs in a new session with the slave as its terminal on 0, 1, 2.
static void child(const char *name) {
	char buf[256];
	struct sigaction sa = {0};
	sa.sa_handler = on_int; // no SA_RESTART: a blocked read ends with EINTR
	sigaction(SIGINT, &sa, 0);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, 0);
	if (setsid() < 0)
		_exit(91);
	int s = open(name, O_RDWR); // no O_NOCTTY: it becomes the controlling tty
	if (s < 0)
		_exit(92);
	dup2(s, 0), dup2(s, 1), dup2(s, 2);
	if (s > 2)
		close(s);
	int tty = open("/dev/tty", O_RDWR);
	snprintf(buf, sizeof buf, "ready sid=%d pgrp=%d tty=%d isatty=%d\n",
	         tcgetsid(0) == getpid(), tcgetpgrp(0) == getpid(), tty >= 0, isatty(0));
	say(buf);
	if (tty >= 0)
		close(tty);

	// A canonical line, edited.
	ssize_t n = read(0, buf, sizeof buf - 1);
	char line[300];
	snprintf(line, sizeof line, "got %zd [%.*s]\n", n, (int)(n > 0 ? n - 1 : 0), buf);
	say(line);

	// ^C while blocked in read (or about to be: the signal may come
	// first, and the read would then wait for nothing).
	while (!got_int) {
		n = read(0, buf, sizeof buf);
		if (n >= 0 || errno != EINTR)
			break;
	}
	snprintf(line, sizeof line, "after ^C: sigint=%d\n", got_int);
	say(line);

	// A window change while blocked in read.
	while (!got_winch) {
		n = read(0, buf, sizeof buf);
		if (n >= 0 || errno != EINTR)
			break;
	}
	struct winsize ws;
	ioctl(0, TIOCGWINSZ, &ws);
	snprintf(line, sizeof line, "after winch: sigwinch=%d size=%dx%d\n", got_winch, ws.ws_row, ws.ws_col);
	say(line);

	// ^D on an empty line is end of file; after text it ends the line.
	n = read(0, buf, sizeof buf);
	snprintf(line, sizeof line, "eof: n=%zd\n", n);
	say(line);
	n = read(0, buf, sizeof buf);
	snprintf(line, sizeof line, "partial: [%.*s]\n", (int)n, buf);
	say(line);

	// Raw mode: no echo, no output processing, VMIN bytes per read.
	struct termios t;
	tcgetattr(0, &t);
	struct termios saved = t;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSAFLUSH, &t);
	say("raw\n");
	n = read(0, buf, 3);
	// poll(2) waits for VMIN bytes too; the one left over is enough now.
	t.c_cc[VMIN] = 1;
	tcsetattr(0, TCSANOW, &t);
	int avail = -1;
	struct pollfd p = {0, POLLIN, 0};
	poll(&p, 1, -1);
	ioctl(0, FIONREAD, &avail);
	snprintf(line, sizeof line, "raw got %zd [%.*s] then fionread=%d\n", n, (int)n, buf, avail);
	say(line);
	read(0, buf, sizeof buf);
	// VMIN 0, VTIME 1: a read with nothing typed returns 0 after 0.1 s.
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 1;
	tcsetattr(0, TCSANOW, &t);
	n = read(0, buf, sizeof buf);
	snprintf(line, sizeof line, "vtime read=%zd\n", n);
	say(line);
	tcsetattr(0, TCSANOW, &saved);

	// Job control: a background process group reading the terminal is
	// stopped by SIGTTIN; with SIGTTIN ignored its read fails with EIO.
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		read(0, buf, 1);
		_exit(5);
	}
	int st;
	waitpid(g, &st, WUNTRACED);
	int stopped = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN;
	kill(g, SIGKILL);
	waitpid(g, &st, 0);
	g = fork();
	if (g == 0) {
		signal(SIGTTIN, SIG_IGN);
		setpgid(0, 0);
		ssize_t r = read(0, buf, 1);
		_exit(r < 0 && errno == EIO ? 6 : 7);
	}
	waitpid(g, &st, 0);
	snprintf(line, sizeof line, "background read: sigttin-stop=%d ignored-eio=%d\n",
	         stopped, WIFEXITED(st) && WEXITSTATUS(st) == 6);
	say(line);
	background_writes();
	say("bye\n");
	// Exit only once the parent has read everything: Linux may drop
	// what is still on its way to the master when the slave closes.
	read(0, buf, sizeof buf);
	_exit(0);
}

// hup_child makes the slave its controlling terminal with TIOCSCTTY and
// waits for the hang-up that closing the master sends.
static void hup_child(int m, const char *name) {
	struct sigaction sa = {0};
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, 0);
	close(m);
	setsid();
	int s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
		_exit(93);
	if (write(s, "x\n", 2) != 2)
		_exit(94);
	char c;
	ssize_t n = read(s, &c, 1); // hangs until the hang-up
	if (n < 0 && errno == EINTR)
		n = read(s, &c, 1); // the signal may come first
	// Linux fails a read that was waiting with EIO, and gives end of
	// file to later ones.
	int ended = n == 0 || (n < 0 && errno == EIO);
	ssize_t w = write(s, "y", 1);
	int eio = w < 0 && errno == EIO;
	int tty = open("/dev/tty", O_RDWR);
	int enxio = tty < 0 && errno == ENXIO;
	_exit((got_hup ? 1 : 0) + (ended ? 2 : 0) + (eio ? 4 : 0) + (enxio ? 8 : 0));
}

int main(void) {
	setvbuf(stdout, 0, _IONBF, 0);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		die("posix_openpt");
	char name[64];
	strcpy(name, ptsname(m));
	printf("ptsname under /dev/pts: %d\n", strncmp(name, "/dev/pts/", 9) == 0);
	int s = open(name, O_RDWR | O_NOCTTY);
	printf("open while locked: %d errno=%s\n", s, s < 0 ? strerror(errno) : "-");
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		die("grantpt/unlockpt");
	struct stat st;
	if (stat(name, &st) < 0)
		die("stat slave");
	printf("slave is a char device: %d major 136: %d\n", S_ISCHR(st.st_mode), major(st.st_rdev) == 136);
	printf("isatty(master)=%d\n", isatty(m));
	struct termios t;
	tcgetattr(m, &t);
	printf("termios iflag=%o oflag=%o cflag=%o lflag=%o intr=%d erase=%d kill=%d eof=%d vmin=%d\n",
	       t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_cc[VINTR], t.c_cc[VERASE],
	       t.c_cc[VKILL], t.c_cc[VEOF], t.c_cc[VMIN]);
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	ioctl(m, TIOCSWINSZ, &ws);

	pid_t pid = fork();
	if (pid == 0) {
		close(m);
		child(name);
	}
	show("hello", acc, expect(m, "\n"));
	int pg = -1;
	ioctl(m, TIOCGPGRP, &pg);
	printf("foreground group is the child: %d\n", pg == pid);

	// Typos fixed with ERASE (DEL) and KILL (^U), CR for the end.
	type(m, "helo\x7flo wrold\x15world\r");
	show("edit", acc, expect(m, "]\r\n"));

	// ^C: SIGINT to the child, both queues flushed (the echo of
	// "partial" too), then ^C echoed.
	type(m, "partial\x03");
	expect(m, "sigint=1\r\n");
	show("^C", acc, accn);

	struct pollfd p = {m, POLLIN | POLLOUT, 0};
	poll(&p, 1, 0);
	printf("master poll idle: in=%d out=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));

	ws.ws_row = 50, ws.ws_col = 132;
	ioctl(m, TIOCSWINSZ, &ws);
	show("winch", acc, expect(m, "132\r\n"));

	type(m, "\x04");
	show("eof", acc, expect(m, "n=0\r\n"));
	type(m, "abc\x04");
	show("partial", acc, expect(m, "]\r\n"));

	show("raw mode", acc, expect(m, "raw\n"));
	type(m, "xy");
	usleep(50000);
	type(m, "zW");
	show("raw", acc, expect(m, "\n"));
	show("vtime", acc, expect(m, "bye\r\n"));
	type(m, "\x04");

	int status;
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	char c;
	ssize_t n = read(m, &c, 1);
	printf("master read after the slave closed: %zd %s\n", n, n < 0 ? strerror(errno) : "-");
	p.revents = 0;
	poll(&p, 1, 0);
	printf("master poll: in=%d out=%d hup=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT), !!(p.revents & POLLHUP));
	close(m);

	// Closing the master hangs up the session of the slave.
	m = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(m), unlockpt(m);
	strcpy(name, ptsname(m));
	pid = fork();
	if (pid == 0)
		hup_child(m, name);
	show("hup child", acc, expect(m, "\n"));
	close(m);
	waitpid(pid, &status, 0);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("hangup: sighup=%d read-ended=%d write-eio=%d no-tty=%d\n", code & 1, code >> 1 & 1, code >> 2 & 1, code >> 3 & 1);
	return 0;
}
