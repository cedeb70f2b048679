/* ls: list a directory (or describe a file), one line per entry:
 * name (padded to DIRSIZ), type, inode number, size. */
#include "user.h"

/* padded returns the last component of path, padded with blanks to
 * DIRSIZ so that the columns line up. */
static const char *padded(const char *path)
{
	static char name[DIRSIZ + 1];
	const char *p = path + strlen(path);
	while (p > path && p[-1] != '/')
		p--;
	int n = strlen(p);
	if (n >= DIRSIZ)
		return p;
	memmove(name, p, n);
	memset(name + n, ' ', DIRSIZ - n);
	name[DIRSIZ] = 0;
	return name;
}

static void show(const char *path, struct stat *st)
{
	printf("%s %d %d %d\n", padded(path), st->type, st->ino, (int)st->size);
}

static void ls(const char *path)
{
	char buf[512];
	struct stat st;
	struct dirent de;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(2, "ls: cannot open %s\n", path);
		return;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(2, "ls: cannot stat %s\n", path);
		close(fd);
		return;
	}
	if (st.type != T_DIR) {
		show(path, &st);
		close(fd);
		return;
	}
	int n = strlen(path);
	if (n + 1 + DIRSIZ + 1 > (int)sizeof buf) {
		printf("ls: path too long\n");
		close(fd);
		return;
	}
	strcpy(buf, path);
	buf[n++] = '/';
	while (read(fd, &de, sizeof de) == sizeof de) {
		if (de.inum == 0)
			continue;
		memmove(buf + n, de.name, DIRSIZ);
		buf[n + DIRSIZ] = 0;
		struct stat est;
		if (stat(buf, &est) < 0) {
			printf("ls: cannot stat %s\n", buf);
			continue;
		}
		show(buf, &est);
	}
	close(fd);
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		ls(".");
	for (int i = 1; i < argc; i++)
		ls(argv[i]);
	exit(0);
}
