/*
 * procexec: execve(2) of scripts, its errors, and close-on-exec. argv[1]
 * picks the check:
 *
 *   shebang  runs ./script1 .. ./script4 from the cwd, which the Go test
 *            fills: "#!" lines naming this program with one argument, with an
 *            argument holding spaces, with none, and a script whose
 *            interpreter is another script (see execve(2), "Interpreter
 *            scripts")
 *   errors   ENOENT, EACCES, ENOEXEC, ENOTDIR, ELOOP, EFAULT from execve of
 *            the files the Go test put in the cwd
 *   cloexec  which descriptors survive execve: O_CLOEXEC, FD_CLOEXEC,
 *            F_DUPFD_CLOEXEC, dup, dup2, dup3 (see fcntl(2))
 *
 * When this program is a script's interpreter (argv[1] starts with
 * "interp" or names a script) it prints the argv it was given (argv[0] by its last path element, which is stable); "fdcheck" is
 * what the cloexec check executes.
 */
#include "proccheck.h"

#include <fcntl.h>
#include <sys/stat.h>

extern char **environ;

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int print_argv(int argc, char **argv)
{
	printf("interpreter argc: %d\n", argc);
	printf("interpreter argv[0]: %s\n", base(argv[0]));
	for (int i = 1; i < argc; i++)
		printf("interpreter argv[%d]: %s\n", i, argv[i]);
	return 0;
}

static void run_script(const char *path)
{
	char *args[] = {(char *)path, "first", "second arg", NULL};
	char what[64];

	printf("-- %s first 'second arg'\n", path);
	pid_t p = xfork();
	if (p == 0) {
		execve(path, args, environ);
		printf("FAIL: execve(%s): %s\n", path, errname(-1, errno));
		fflush(stdout);
		_exit(127);
	}
	snprintf(what, sizeof what, "%s", path);
	reap(what, p, "exited 0");
}

static void shebang(void)
{
	run_script("./script1");
	run_script("./script2");
	run_script("./script3");
	run_script("./script4");
}

static void exec_fails(const char *path, int want)
{
	char *args[] = {(char *)path, NULL};
	char what[96];

	snprintf(what, sizeof what, "execve(\"%s\")", path);
	expect_err(what, execve(path, args, environ), want);
}

static void errors(void)
{
	exec_fails("./nonexistent", ENOENT);
	exec_fails("", ENOENT);
	exec_fails("./noexec", EACCES);       /* mode 0644 */
	exec_fails("./dir", EACCES);          /* a directory */
	exec_fails("./garbage", ENOEXEC);     /* 0755, neither ELF nor #! */
	exec_fails("./empty", ENOEXEC);       /* 0755, zero bytes */
	exec_fails("./badinterp", ENOENT);    /* #!/nonexistent/interpreter */
	exec_fails("./garbage/x", ENOTDIR);   /* a file used as a directory */
	exec_fails("./loop1", ELOOP);         /* #!./loop2, which says #!./loop1 */
	/* volatile, so that the compiler does not see the bad pointers */
	char *volatile bad = (char *)8;
	char *args[] = {"x", NULL};
	expect_err("execve(bad pointer)", execve(bad, args, environ), EFAULT);
	expect_err("execve(argv bad pointer)", execve("./garbage", (char **)bad, environ), EFAULT);
}

static const char *fd_state(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return errname(fl, errno);
	return fl & FD_CLOEXEC ? "open, FD_CLOEXEC" : "open";
}

static void cloexec(const char *self)
{
	int p[2], q[2];
	char what[64];

	/* Natively the guest inherits whatever descriptors the test process
	 * inherited without FD_CLOEXEC; runos gives it 0-2 only. Start clean. */
	for (int fd = 3; fd < 12; fd++)
		close(fd);
	expect_err("pipe2(O_CLOEXEC)", pipe2(p, O_CLOEXEC), 0);   /* 3, 4 */
	expect_err("pipe", pipe(q), 0);                           /* 5, 6 */
	expect_int("fds", p[0] * 1000 + p[1] * 100 + q[0] * 10 + q[1], 3456);
	expect_err("fcntl(6, F_SETFD, FD_CLOEXEC)", fcntl(6, F_SETFD, FD_CLOEXEC), 0);
	expect_int("dup(5)", dup(5), 7);                          /* dup: no FD_CLOEXEC */
	expect_int("dup3(3, 8, 0)", dup3(3, 8, 0), 8);            /* no FD_CLOEXEC */
	expect_int("dup2(4, 9)", dup2(4, 9), 9);                  /* no FD_CLOEXEC */
	expect_int("fcntl(5, F_DUPFD_CLOEXEC, 10)", fcntl(5, F_DUPFD_CLOEXEC, 10), 10);
	expect_int("dup3(5, 11, O_CLOEXEC)", dup3(5, 11, O_CLOEXEC), 11);
	expect_err("dup3(5, 5, 0)", dup3(5, 5, 0), EINVAL);
	for (int fd = 3; fd < 12; fd++) {
		snprintf(what, sizeof what, "fd %d before execve", fd);
		expect_str(what, fd_state(fd), NULL);
	}
	pid_t c = xfork();
	if (c == 0) {
		char *args[] = {(char *)self, "fdcheck", NULL};
		execve(self, args, environ);
		_exit(127);
	}
	reap("fdcheck after execve (exit 0)", c, "exited 0");
}

/* fdcheck is what the cloexec check executes. */
static int fdcheck(void)
{
	static const char *want[] = {
		[3] = "EBADF", [4] = "EBADF", [5] = "open", [6] = "EBADF", [7] = "open",
		[8] = "open", [9] = "open", [10] = "EBADF", [11] = "EBADF",
	};
	char what[64];
	struct stat st;

	for (int fd = 3; fd < 12; fd++) {
		snprintf(what, sizeof what, "fd %d after execve", fd);
		expect_str(what, fd_state(fd), want[fd]);
	}
	expect_int("fd 5 is still the pipe", fstat(5, &st) == 0 && S_ISFIFO(st.st_mode), 1);
	return finish("procexec fdcheck");
}

int main(int argc, char **argv)
{
	setup();
	if (argc >= 2 && (strncmp(argv[1], "interp", 6) == 0 || strstr(argv[1], "script") != NULL))
		return print_argv(argc, argv);
	if (argc == 2 && strcmp(argv[1], "fdcheck") == 0)
		return fdcheck();
	if (argc != 2) {
		fprintf(stderr, "usage: procexec shebang|errors|cloexec\n");
		return 2;
	}
	if (strcmp(argv[1], "shebang") == 0)
		shebang();
	else if (strcmp(argv[1], "errors") == 0)
		errors();
	else if (strcmp(argv[1], "cloexec") == 0)
		cloexec(argv[0]);
	else {
		fprintf(stderr, "procexec: unknown check %s\n", argv[1]);
		return 2;
	}
	return finish("procexec");
}
