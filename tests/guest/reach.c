// reach.c: what a program can reach through the host kernel's own entry
// points, which runos must intercept or which must stay harmless.
//
//   reach int80     int $0x80 with the registers of x86-64 write(1, msg)
//                   and of i386 exit(42); neither may be served as a
//                   64-bit call (runos raises SIGSEGV, as Linux does
//                   without ia32 emulation; Linux with it exits 42)
//   reach vsyscall  gettimeofday through the legacy vsyscall page
//                   (vsyscall(7)? see the kernel's vsyscall= option); the
//                   host emulates it, so it may only read the time
//   reach tty       on a host terminal given as stdin: TIOCSTI (input
//                   injection), TIOCSPGRP and TCSETS must not reach it
//   reach fiforead DIR   a read of an empty FIFO made in DIR (a --mount
//   reach fifowrite DIR  :rw), and writes to a full one, must wait where
//                   SIGALRM interrupts them: the program dies of it
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char msg[] = "int80 served as x86-64 write\n";

static int int80(void) {
	long ret;
	// eax=1: write on x86-64, exit on i386. ebx=42: i386 exit status.
	// rdi, rsi, rdx: the x86-64 write's arguments.
	__asm__ volatile("int $0x80"
	                 : "=a"(ret)
	                 : "a"(1L), "b"(42L), "D"(1L), "S"(msg), "d"(sizeof msg - 1)
	                 : "rcx", "r11", "memory");
	printf("int80 returned %ld\n", ret);
	return 0;
}

static int vsyscall(void) {
	typedef long (*gtod_fn)(struct timeval *, struct timezone *);
	gtod_fn gtod = (gtod_fn)0xffffffffff600000UL;
	struct timeval tv = {0};
	long r = gtod(&tv, NULL);
	time_t now = time(NULL);
	long skew = (long)(tv.tv_sec - now);
	printf("vsyscall gettimeofday: %ld, within a minute of time(): %s\n", r,
	       skew > -60 && skew < 60 ? "yes" : "no");
	return 0;
}

// fifo makes a FIFO in dir, opens it for reading and writing (which
// never waits, see fifo(7)), and reads from it empty or writes to it
// until full; SIGALRM must end the wait.
static int fifo(const char *dir, int write_it) {
	char path[4096];
	snprintf(path, sizeof path, "%s/fifo", dir);
	unlink(path);
	if (mkfifo(path, 0600) != 0) {
		perror("mkfifo");
		return 1;
	}
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	alarm(1);
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = write_it ? write(fd, buf, sizeof buf) : read(fd, buf, sizeof buf);
		if (n < 0) {
			perror(write_it ? "write" : "read");
			return 1;
		}
		if (!write_it)
			printf("read %zd\n", n);
	}
}

// tty tries to change the terminal on stdin; the test checks the host
// terminal afterwards.
static int tty(void) {
	char c = 'X';
	int sti = ioctl(0, TIOCSTI, &c);
	pid_t pg = getpid();
	int spgrp = ioctl(0, TIOCSPGRP, &pg);
	struct termios t;
	int sets = -1;
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag |= ECHO | ICANON;
		t.c_cc[VMIN] = 7;
		sets = tcsetattr(0, TCSANOW, &t);
	}
	printf("TIOCSTI %d TIOCSPGRP %d TCSETS %d\n", sti, spgrp, sets);
	return 0;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && strcmp(argv[1], "int80") == 0)
		return int80();
	if (argc == 2 && strcmp(argv[1], "vsyscall") == 0)
		return vsyscall();
	if (argc == 2 && strcmp(argv[1], "tty") == 0)
		return tty();
	if (argc == 3 && strcmp(argv[1], "fiforead") == 0)
		return fifo(argv[2], 0);
	if (argc == 3 && strcmp(argv[1], "fifowrite") == 0)
		return fifo(argv[2], 1);
	fprintf(stderr, "usage: reach int80|vsyscall|tty|fiforead DIR|fifowrite DIR\n");
	return 2;
}
