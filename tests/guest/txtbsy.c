/* txtbsy: execve of a program that a process still has open for writing
 * fails with ETXTBSY (execve(2)); once the writer closes it, it runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static int try_exec(const char *path)
{
	pid_t p = fork();
	if (p == 0) {
		char *argv[] = {(char *)path, NULL};
		execv(path, argv);
		_exit(errno == ETXTBSY ? 42 : 43);
	}
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: txtbsy DIR\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/copy-of-true-%d", argv[1], (int)getpid());
	int in = open("/bin/true", O_RDONLY);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0) {
		perror("open");
		return 1;
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n) {
			perror("write");
			return 1;
		}
	close(in);
	int r = try_exec(path);
	printf("exec while open for writing: %s\n", r == 42 ? "ETXTBSY" : r == 0 ? "ran" : "other");
	close(out);
	r = try_exec(path);
	printf("exec after close: %s\n", r == 0 ? "ran" : r == 42 ? "ETXTBSY" : "other");
	unlink(path);
	return 0;
}
