/* grep: print the lines that match a pattern. The patterns are a small
 * regular-expression language: c matches itself, . any character, c*
 * zero or more of c, ^ the start and $ the end of the line. */
#include "user.h"

static int match_here(const char *re, const char *s);

/* match_star: zero or more c, then the rest of the pattern; the
 * shortest run of c is tried first. */
static int match_star(char c, const char *re, const char *s)
{
	for (;;) {
		if (match_here(re, s))
			return 1;
		if (*s == 0 || (c != '.' && *s != c))
			return 0;
		s++;
	}
}

/* match_here: does re match at the start of s? */
static int match_here(const char *re, const char *s)
{
	while (re[0]) {
		if (re[1] == '*')
			return match_star(re[0], re + 2, s);
		if (re[0] == '$' && re[1] == 0)
			return *s == 0;
		if (*s == 0 || (re[0] != '.' && re[0] != *s))
			return 0;
		re++;
		s++;
	}
	return 1;
}

/* match: does re match anywhere in s? */
static int match(const char *re, const char *s)
{
	if (re[0] == '^')
		return match_here(re + 1, s);
	do {
		if (match_here(re, s))
			return 1;
	} while (*s++);
	return 0;
}

static char buf[1024];

/* scan reads fd in blocks and prints each whole line that matches; a
 * partial line at the end of the buffer waits for the next block. */
static void scan(const char *re, int fd)
{
	int have = 0, n;
	while ((n = read(fd, buf + have, sizeof buf - have - 1)) > 0) {
		have += n;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n')) != 0) {
			*nl = 0;
			if (match(re, line)) {
				*nl = '\n';
				write(1, line, nl + 1 - line);
			}
			line = nl + 1;
		}
		have -= line - buf;
		if (have == sizeof buf - 1)
			have = 0; /* a line too long for the buffer is dropped */
		memmove(buf, line, have);
	}
	if (have > 0) {
		buf[have] = 0;
		if (match(re, buf))
			printf("%s\n", buf);
	}
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(2, "usage: grep pattern [file ...]\n");
		exit(1);
	}
	if (argc == 2) {
		scan(argv[1], 0);
		exit(0);
	}
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			printf("grep: cannot open %s\n", argv[i]);
			exit(1);
		}
		scan(argv[1], fd);
		close(fd);
	}
	exit(0);
}
