// hostmmap: MAP_SHARED mappings of a file in a writable directory (under
// runos, a --mount SRC:DST:rw bind mount) are coherent with read(2) and
// write(2), with other mmaps of the file and with forked children, and
// reach the file by msync and exit; two mappings of libc share its pages.
//
// Usage: hostmmap DIR. The file DIR/data is made afresh; the caller checks
// what it holds after the program exited.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define SIZE (2 * PAGE + 100)

static void die(const char *what) {
	perror(what);
	exit(1);
}

// show prints n bytes of the file at off as read(2) sees them.
static void show(const char *label, int fd, off_t off, size_t n) {
	char buf[64] = {0};
	if (pread(fd, buf, n, off) != (ssize_t)n)
		die("pread");
	printf("%s: %.*s\n", label, (int)n, buf);
}

static void libc_shared(void) {
	const char *lib = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	int fd = open(lib, O_RDONLY);
	if (fd < 0) {
		printf("libc: absent\n");
		return;
	}
	char *a = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	char *b = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		die("mmap libc");
	volatile char c = a[0]; // the first mapping brings the page in
	(void)c;
	unsigned char vec[1];
	if (mincore(b, PAGE, vec) < 0)
		die("mincore");
	printf("libc: magic %.3s, page resident in the second mapping: %d, same bytes: %d\n",
	       a + 1, vec[0] & 1, memcmp(a, b, 4 * PAGE) == 0);
	// A private store is private.
	if (mprotect(a, PAGE, PROT_READ | PROT_WRITE) < 0)
		die("mprotect");
	a[0] = 'X';
	printf("libc: private store seen by the shared mapping: %d\n", b[0] == 'X');
	munmap(a, 4 * PAGE);
	munmap(b, 4 * PAGE);
	close(fd);
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: hostmmap DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/data", argv[1]);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open");
	char buf[SIZE];
	for (int i = 0; i < SIZE; i++)
		buf[i] = 'a' + i / PAGE;
	if (write(fd, buf, SIZE) != SIZE)
		die("write");

	char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	memcpy(m + 10, "hello", 5);
	memcpy(m + PAGE + 20, "world", 5);
	show("read after store", fd, 10, 5);

	// write(2) reaches the mapping, and a second mmap shares the pages.
	if (pwrite(fd, "PW", 2, 30) != 2)
		die("pwrite");
	printf("mapping after pwrite: %.2s\n", m + 30);
	char *m2 = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m2 == MAP_FAILED)
		die("mmap 2");
	printf("second mmap: %.5s %.2s\n", m2 + 10, m2 + 30);

	if (msync(m, 3 * PAGE, MS_SYNC) < 0)
		die("msync");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int cfd = open(path, O_RDONLY);
		if (cfd < 0)
			die("child open");
		show("child reads", cfd, 10, 5);
		show("child reads", cfd, PAGE + 20, 5);
		memcpy(m + 50, "child", 5); // through the inherited mapping
		fflush(stdout);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("child");
	printf("parent sees the child's store: %.5s\n", m + 50);

	// A page beyond end of file is SIGBUS-land; the tail of the last
	// page is not part of the file.
	memcpy(m + 2 * PAGE + 5, "tail", 4);
	m[2 * PAGE + 200] = 'Z';
	show("read of an unsynced store", fd, 2 * PAGE + 5, 4);
	struct stat st;
	fstat(fd, &st);
	printf("size: %lld\n", (long long)st.st_size);

	// fsync writes back too; the last stores are left to exit.
	memcpy(m + 60, "fsync", 5);
	if (fsync(fd) < 0)
		die("fsync");
	memcpy(m + 70, "exit", 4);
	libc_shared();
	return 0;
}
