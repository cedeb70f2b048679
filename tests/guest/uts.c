/*
 * uts.c: the sandbox's host and domain names (uts_namespaces(7)).
 *
 * Usage: uts show       prints uname's nodename and domainname,
 *                       gethostname(2) and /proc/sys/kernel/{hostname,domainname}
 *        uts set NAME   sets the host name to NAME and the domain name to
 *                       "dom.example", printing each call's errno name (or
 *                       "ok"), with the error cases of sethostname(2)
 *                       (EINVAL for 65 bytes and for a negative length,
 *                       EFAULT for a bad pointer), then shows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *res(long r) {
	if (r == 0)
		return "ok";
	switch (errno) {
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	}
	return strerror(errno);
}

static void cat(const char *path) {
	char buf[128] = "";
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	if (!fgets(buf, sizeof buf, f))
		buf[0] = 0;
	fclose(f);
	printf("%s: %s", path, buf);
}

static void show(void) {
	struct utsname u;
	char h[128];
	uname(&u);
	printf("uname nodename: %s\nuname domainname: %s\n", u.nodename, u.domainname);
	if (gethostname(h, sizeof h) == 0)
		printf("gethostname: %s\n", h);
	cat("/proc/sys/kernel/hostname");
	cat("/proc/sys/kernel/domainname");
}

int main(int argc, char **argv) {
	if (argc == 3 && strcmp(argv[1], "set") == 0) {
		char long_name[66];
		memset(long_name, 'x', 65);
		long_name[65] = 0;
		printf("sethostname 65 bytes: %s\n", res(syscall(SYS_sethostname, long_name, 65)));
		printf("sethostname len -1: %s\n", res(syscall(SYS_sethostname, "a", -1)));
		printf("sethostname bad pointer: %s\n", res(syscall(SYS_sethostname, (char *)8, 4)));
		printf("sethostname: %s\n", res(sethostname(argv[2], strlen(argv[2]))));
		printf("setdomainname: %s\n", res(setdomainname("dom.example", 11)));
	}
	show();
	return 0;
}
