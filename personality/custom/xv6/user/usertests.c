/* usertests: checks of the xv6 personality's semantics, in the spirit of
 * xv6's own usertests (written fresh, and much shorter). Each test prints
 * "name: OK" or "name: FAILED ..." and the program exits 1 if any
 * failed, after printing "ALL TESTS PASSED" otherwise. */
#include "user.h"

static int failures;

static void fail(const char *test, const char *why)
{
	printf("%s: FAILED %s\n", test, why);
	failures++;
}

static void exitwait(void)
{
	for (int i = 0; i < 10; i++) {
		int pid = fork();
		if (pid < 0)
			return fail("exitwait", "fork");
		if (pid == 0)
			exit(i);
		int st = -5;
		if (wait(&st) != pid || st != i)
			return fail("exitwait", "wrong pid or status");
	}
	if (wait(0) != -1)
		return fail("exitwait", "wait without children");
	printf("exitwait: OK\n");
}

static void pipes(void)
{
	int p[2];
	char buf[100];
	if (pipe(p) < 0)
		return fail("pipes", "pipe");
	int pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 50; i++)
			write(p[1], "0123456789", 10);
		exit(0);
	}
	close(p[1]);
	int total = 0, n;
	while ((n = read(p[0], buf, sizeof buf)) > 0) {
		for (int i = 0; i < n; i++)
			if (buf[i] != '0' + (total + i) % 10)
				return fail("pipes", "bad byte");
		total += n;
	}
	close(p[0]);
	wait(0);
	if (total != 500)
		return fail("pipes", "wrong count");
	/* Writing with no reader fails instead of killing. */
	pipe(p);
	close(p[0]);
	if (write(p[1], "x", 1) != -1)
		return fail("pipes", "write without reader");
	close(p[1]);
	printf("pipes: OK\n");
}

static void sbrktest(void)
{
	char *a = sbrk(0);
	char *b = sbrk(100000);
	if (b != a)
		return fail("sbrk", "old break");
	for (int i = 0; i < 100000; i += 4096)
		b[i] = 1;
	if (sbrk(0) != a + 100000)
		return fail("sbrk", "new break");
	if (sbrk(-100000) != a + 100000 || sbrk(0) != a)
		return fail("sbrk", "shrink");
	/* Touching memory past the break kills the process. */
	int pid = fork();
	if (pid == 0) {
		a[200000] = 1;
		exit(0);
	}
	int st = 0;
	wait(&st);
	if (st != -1)
		return fail("sbrk", "fault past the break did not kill");
	char *m = malloc(5000);
	memset(m, 7, 5000);
	free(m);
	printf("sbrk: OK\n");
}

static void exectest(void)
{
	char *argv[] = {"nosuchprogram", 0};
	if (exec("/nosuchprogram", argv) != -1)
		return fail("exec", "missing program");
	if (exec("/", argv) != -1)
		return fail("exec", "directory");
	if (exec("/README", argv) != -1)
		return fail("exec", "not a program");
	int pid = fork();
	if (pid == 0) {
		char *eargv[] = {"echo", "exec", "works", 0};
		exec("/echo", eargv);
		exit(1);
	}
	int st = 1;
	wait(&st);
	if (st != 0)
		return fail("exec", "echo");
	printf("exec: OK\n");
}

static void files(void)
{
	struct stat st;
	char buf[10];
	if (open("nonexistent", O_RDONLY) != -1)
		return fail("files", "open missing");
	int fd = open("ftest", O_CREATE | O_RDWR);
	if (fd < 0 || write(fd, "hello", 5) != 5)
		return fail("files", "create");
	if (fstat(fd, &st) < 0 || st.type != T_FILE || st.size != 5 || st.nlink != 1)
		return fail("files", "fstat");
	close(fd);
	if (link("ftest", "ftest2") < 0 || link("ftest", "ftest2") != -1)
		return fail("files", "link");
	if (stat("ftest", &st) < 0 || st.nlink != 2)
		return fail("files", "nlink after link");
	if (unlink("ftest") < 0 || unlink("ftest") != -1)
		return fail("files", "unlink");
	fd = open("ftest2", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof buf) != 5 || memcmp(buf, "hello", 5) != 0)
		return fail("files", "read through the second name");
	if (write(fd, "x", 1) != -1)
		return fail("files", "write to a read-only descriptor");
	close(fd);
	fd = open("ftest2", O_WRONLY | O_TRUNC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.size != 0)
		return fail("files", "O_TRUNC");
	close(fd);
	unlink("ftest2");
	if (mkdir("dtest") < 0 || mkdir("dtest") != -1)
		return fail("files", "mkdir");
	if (open("dtest", O_RDWR) != -1 || open("dtest", O_CREATE | O_RDWR) != -1)
		return fail("files", "opening a directory for writing");
	fd = open("dtest/inner", O_CREATE | O_WRONLY);
	close(fd);
	if (unlink("dtest") != -1)
		return fail("files", "unlink of a non-empty directory");
	if (chdir("dtest") < 0 || open("inner", O_RDONLY) < 0 || chdir("..") < 0)
		return fail("files", "chdir");
	if (unlink("dtest/.") != -1 || unlink("dtest/..") != -1)
		return fail("files", "unlink of . or ..");
	fd = open("dtest", O_RDONLY);
	struct dirent de;
	int found = 0;
	while (read(fd, &de, sizeof de) == sizeof de)
		if (de.inum && strcmp(de.name, "inner") == 0)
			found = 1;
	close(fd);
	if (!found)
		return fail("files", "dirent for the new file");
	if (unlink("dtest/inner") < 0 || unlink("dtest") < 0)
		return fail("files", "unlink of an emptied directory");
	printf("files: OK\n");
}

static void manyfiles(void)
{
	char name[8] = "mf00";
	for (int i = 0; i < 50; i++) {
		name[2] = '0' + i / 10;
		name[3] = '0' + i % 10;
		int fd = open(name, O_CREATE | O_WRONLY);
		if (fd < 0)
			return fail("manyfiles", "create");
		write(fd, name, 4);
		close(fd);
	}
	for (int i = 0; i < 50; i++) {
		name[2] = '0' + i / 10;
		name[3] = '0' + i % 10;
		if (unlink(name) < 0)
			return fail("manyfiles", "unlink");
	}
	printf("manyfiles: OK\n");
}

static void killtest(void)
{
	int pid = fork();
	if (pid == 0) {
		for (;;)
			sleep(1000);
	}
	sleep(1);
	if (kill(pid) < 0)
		return fail("kill", "kill");
	int st = 0;
	if (wait(&st) != pid || st != -1)
		return fail("kill", "status of a killed process");
	if (kill(99999) != -1)
		return fail("kill", "kill of a missing process");
	printf("kill: OK\n");
}

static void timetest(void)
{
	int t0 = uptime();
	sleep(2);
	if (uptime() - t0 < 2)
		return fail("sleep", "woke early");
	if (getpid() <= 0)
		return fail("sleep", "getpid");
	printf("sleep: OK\n");
}

int main(void)
{
	exitwait();
	pipes();
	sbrktest();
	exectest();
	files();
	manyfiles();
	killtest();
	timetest();
	if (failures) {
		printf("SOME TESTS FAILED\n");
		exit(1);
	}
	printf("ALL TESTS PASSED\n");
	exit(0);
}
