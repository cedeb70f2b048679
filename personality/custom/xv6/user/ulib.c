/* String and memory helpers for xv6 programs, and stat() built on open
 * and fstat. gcc may call memset, memcpy, memmove and memcmp on its own
 * (for struct copies and initialisers), so they are defined here with
 * the standard signatures. */
#include "user.h"

char *strcpy(char *dst, const char *src)
{
	char *d = dst;
	while ((*d++ = *src++) != 0)
		;
	return dst;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return (uchar)*a - (uchar)*b;
}

uint strlen(const char *s)
{
	uint n = 0;
	while (s[n])
		n++;
	return n;
}

void *memset(void *dst, int c, uint64 n)
{
	uchar *d = dst;
	for (uint64 i = 0; i < n; i++)
		d[i] = (uchar)c;
	return dst;
}

void *memmove(void *dst, const void *src, int n)
{
	uchar *d = dst;
	const uchar *s = src;
	if (n <= 0 || d == s)
		return dst;
	if (d < s) {
		for (int i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		/* Overlap with the destination above: copy from the end. */
		for (int i = n - 1; i >= 0; i--)
			d[i] = s[i];
	}
	return dst;
}

void *memcpy(void *dst, const void *src, uint64 n)
{
	return memmove(dst, src, (int)n);
}

int memcmp(const void *a, const void *b, uint64 n)
{
	const uchar *x = a, *y = b;
	for (uint64 i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

char *strchr(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return (char *)s;
	return 0;
}

/* gets reads one line (with its newline, if it fits) from fd 0, or what
 * is left before end of file. The result is always NUL-terminated. */
char *gets(char *buf, int max)
{
	int n = 0;
	while (n + 1 < max) {
		char c;
		if (read(0, &c, 1) < 1)
			break;
		buf[n++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	buf[n] = 0;
	return buf;
}

int stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int r = fstat(fd, st);
	close(fd);
	return r;
}

int atoi(const char *s)
{
	int v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}
