/*
 * vfsid: file operations as the calling process, from the places it holds
 * (credentials(7), path_resolution(7), chroot(2), getcwd(2)).
 *
 *   vfsid user   run as 1000:1000 with no supplementary groups, in a
 *                root-owned 0755 directory holding "secret" (root, 0600)
 *                and "sticky" (root, 1777) with "rootfile" (root, 0666):
 *                what an unprivileged user may not do.
 *   vfsid fd     run as root in an empty writable directory: descriptors,
 *                the working directory and directory descriptors follow
 *                renames and removals; chroot(2) confines a child.
 *
 * Lines are "what: value" (see proccheck.h), so native and runos runs
 * compare byte for byte.
 */
#include "proccheck.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static void user(void)
{
	struct stat st;
	int fd;

	errno = 0;
	expect_err("open secret", open("secret", O_RDONLY), EACCES);
	expect_err("access secret R_OK", access("secret", R_OK), EACCES);
	expect_err("stat secret", stat("secret", &st), 0);
	expect_err("mkdir in root dir", mkdir("sub", 0755), EACCES);
	expect_err("create in root dir", open("new", O_CREAT | O_WRONLY, 0644), EACCES);
	expect_err("chmod secret", chmod("secret", 0644), EPERM);
	expect_err("chown secret", chown("secret", 1000, 1000), EPERM);
	expect_err("chroot", chroot("sticky"), EPERM);
	expect_err("chroot missing", chroot("missing"), ENOENT);

	fd = open("sticky/mine", O_CREAT | O_WRONLY | O_EXCL, 0644);
	expect_err("create in sticky", fd, 0);
	if (fd >= 0) {
		fstat(fd, &st);
		expect_int("mine uid", st.st_uid, 1000);
		expect_int("mine gid", st.st_gid, 1000);
		expect_err("fchown mine to root", fchown(fd, 0, 0), EPERM);
		expect_err("fchown mine to self", fchown(fd, 1000, 1000), 0);
		close(fd);
	}
	expect_err("mkdir in sticky", mkdir("sticky/mydir", 0700), 0);
	expect_err("stat mydir", stat("sticky/mydir", &st), 0);
	expect_int("mydir uid", st.st_uid, 1000);
	expect_err("unlink rootfile in sticky", unlink("sticky/rootfile"), EPERM);
	expect_err("rename rootfile in sticky", rename("sticky/rootfile", "sticky/x"), EPERM);
	fd = open("sticky/rootfile", O_WRONLY);
	expect_err("write-open rootfile 0666", fd, 0);
	if (fd >= 0)
		close(fd);
	expect_err("unlink mine", unlink("sticky/mine"), 0);
	expect_err("rmdir mydir", rmdir("sticky/mydir"), 0);
}

/* cwdname prints the working directory relative to base. */
static void cwdname(const char *what, const char *base)
{
	char buf[PATH_MAX];
	long n = syscall(SYS_getcwd, buf, sizeof buf);

	if (n < 0) {
		expect_err(what, n, 0);
		return;
	}
	if (strncmp(buf, base, strlen(base)) == 0)
		expect_str(what, buf + strlen(base), NULL);
	else if (strncmp(buf, "(unreachable)", 13) == 0)
		expect_str(what, "(unreachable)...", NULL);
	else
		expect_str(what, buf, NULL);
}

static void fdcalls(void)
{
	char base[PATH_MAX], buf[64];
	struct stat st;
	int fd, dfd;
	long n;

	if (getcwd(base, sizeof base) == NULL) {
		perror("getcwd");
		exit(2);
	}

	/* A descriptor acts on its file wherever it has gone. */
	fd = open("a", O_CREAT | O_RDWR, 0600);
	expect_err("rename a b", rename("a", "b"), 0);
	expect_err("fchmod after rename", fchmod(fd, 0640), 0);
	expect_err("fchown after rename", fchown(fd, 12, 34), 0);
	expect_err("ftruncate after rename", ftruncate(fd, 3), 0);
	stat("b", &st);
	expect_int("b mode", st.st_mode & 07777, 0640);
	expect_int("b uid", st.st_uid, 12);
	expect_int("b size", st.st_size, 3);
	expect_err("unlink b", unlink("b"), 0);
	expect_err("fchmod after unlink", fchmod(fd, 0604), 0);
	fstat(fd, &st);
	expect_int("unlinked mode", st.st_mode & 07777, 0604);
	expect_int("unlinked nlink", st.st_nlink, 0);
	close(fd);

	/* The working directory follows a rename of its parent. */
	mkdir("p", 0755);
	mkdir("p/q", 0755);
	chdir("p/q");
	snprintf(buf, sizeof buf, "%s/p", base);
	char to[PATH_MAX];
	snprintf(to, sizeof to, "%s/p2", base);
	expect_err("rename parent of cwd", rename(buf, to), 0);
	cwdname("cwd after parent rename", base);
	fd = open("here", O_CREAT | O_WRONLY, 0644);
	expect_err("create in moved cwd", fd, 0);
	close(fd);
	expect_err("stat p2/q/here", access(strcat(to, "/q/here"), F_OK), 0);

	/* A removed working directory. */
	mkdir("r", 0755);
	chdir("r");
	expect_err("rmdir cwd", rmdir("../r"), 0);
	n = syscall(SYS_getcwd, buf, sizeof buf);
	expect_err("getcwd in removed dir", n, ENOENT);
	expect_err("create in removed cwd", open("x", O_CREAT | O_WRONLY, 0644), ENOENT);
	expect_err("chdir back", chdir(base), 0);

	/* *at calls from a directory descriptor whose directory moved. */
	mkdir("d", 0755);
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	expect_err("rename d d2", rename("d", "d2"), 0);
	fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0644);
	expect_err("openat moved dirfd", fd, 0);
	close(fd);
	expect_err("stat d2/f", stat("d2/f", &st), 0);
	expect_err("mkdirat moved dirfd", mkdirat(dfd, "sub", 0755), 0);
	expect_err("fstatat moved dirfd", fstatat(dfd, "sub", &st, 0), 0);
	expect_err("renameat moved dirfd", renameat(dfd, "f", dfd, "g"), 0);
	expect_err("unlinkat moved dirfd", unlinkat(dfd, "g", 0), 0);
	expect_err("unlinkat dir moved dirfd", unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
	expect_err("fchdir moved dir", fchdir(dfd), 0);
	cwdname("cwd after fchdir", base);
	close(dfd);
	chdir(base);

	/* chroot(2) confines a child: "/", "..", getcwd and fork. */
	mkdir("jail", 0755);
	mkdir("jail/in", 0755);
	close(open("jail/x", O_CREAT | O_WRONLY, 0644));
	close(open("outside", O_CREAT | O_WRONLY, 0644));
	pid_t pid = xfork();
	if (pid == 0) {
		failures = 0;
		expect_err("chroot jail", chroot("jail"), 0);
		cwdname("cwd outside the new root", base);
		expect_err("chdir /", chdir("/"), 0);
		cwdname("cwd at new root", base);
		expect_err("open /x", open("/x", O_RDONLY) >= 0 ? 0 : -1, 0);
		expect_err("open /../x", open("/../x", O_RDONLY) >= 0 ? 0 : -1, 0);
		expect_err("open ../../outside", open("../../outside", O_RDONLY), ENOENT);
		expect_err("chdir in/../..", chdir("in/../.."), 0);
		cwdname("cwd after climbing", base);
		pid_t g = xfork();
		if (g == 0) {
			failures = 0;
			expect_err("child open /x", open("/x", O_RDONLY) >= 0 ? 0 : -1, 0);
			exit(failures);
		}
		reap("grandchild", g, "exited 0");
		exit(failures);
	}
	reap("chroot child", pid, "exited 0");
	expect_err("parent still outside", access("outside", F_OK), 0);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && strcmp(argv[1], "user") == 0)
		user();
	else if (argc > 1 && strcmp(argv[1], "fd") == 0)
		fdcalls();
	else {
		fprintf(stderr, "usage: vfsid user|fd\n");
		return 2;
	}
	return finish("vfsid");
}
