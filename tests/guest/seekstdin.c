/*
 * seekstdin: seeks around its standard input and reads from it. When stdin is
 * a regular file, lseek(2) works and the offset is shared with the file
 * description the parent opened; when it is a pipe, lseek fails with ESPIPE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, ssize_t n, const char *buf)
{
	printf("%s: %zd bytes \"", what, n);
	for (ssize_t i = 0; i < n; i++)
		putchar(buf[i] == '\n' ? '|' : buf[i]);
	printf("\"\n");
}

int main(void)
{
	char buf[256];
	struct stat st;
	if (fstat(0, &st) != 0) {
		printf("FAIL: fstat: %s\n", strerror(errno));
		return 1;
	}
	printf("stdin is a regular file: %d\n", S_ISREG(st.st_mode));
	off_t end = lseek(0, 0, SEEK_END);
	if (end < 0) {
		printf("lseek SEEK_END: %s\n", errno == ESPIPE ? "ESPIPE" : "other error");
		ssize_t n = read(0, buf, sizeof buf);
		show("read", n, buf);
		return 0;
	}
	printf("size by lseek: %lld, by fstat: %lld\n", (long long)end, (long long)st.st_size);
	printf("seek to 10: %lld\n", (long long)lseek(0, 10, SEEK_SET));
	ssize_t n = read(0, buf, 6);
	show("read 6", n, buf);
	printf("offset now: %lld\n", (long long)lseek(0, 0, SEEK_CUR));
	printf("seek back 3: %lld\n", (long long)lseek(0, -3, SEEK_CUR));
	n = read(0, buf, sizeof buf);
	show("read rest", n, buf);
	n = read(0, buf, sizeof buf);
	printf("read at end: %zd\n", n);
	printf("seek past end: %lld\n", (long long)lseek(0, end + 100, SEEK_SET));
	n = read(0, buf, sizeof buf);
	printf("read past end: %zd\n", n);
	errno = 0;
	off_t bad = lseek(0, -1, SEEK_SET);
	printf("seek to -1: %lld %s\n", (long long)bad, errno == EINVAL ? "EINVAL" : "no EINVAL");
	return 0;
}
