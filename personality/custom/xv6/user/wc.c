/* wc: count lines, words and bytes of each file (or the input) and
 * print "lines words bytes name". */
#include "user.h"

static char buf[512];

static void count(int fd, const char *name)
{
	int lines = 0, words = 0, bytes = 0, inword = 0, n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (int i = 0; i < n; i++) {
			char c = buf[i];
			bytes++;
			if (c == '\n')
				lines++;
			if (strchr(" \r\t\n\v", c)) {
				inword = 0;
			} else if (!inword) {
				inword = 1;
				words++;
			}
		}
	}
	if (n < 0) {
		printf("wc: read error\n");
		exit(1);
	}
	printf("%d %d %d %s\n", lines, words, bytes, name);
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		count(0, "");
		exit(0);
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			printf("wc: cannot open %s\n", argv[i]);
			exit(1);
		}
		count(fd, argv[i]);
		close(fd);
	}
	exit(0);
}
