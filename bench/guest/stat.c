/* stat: stat(2) of a path with two components: a path walk through the
 * filesystem and a struct stat copied out. The path is argv[2], by default
 * /etc/passwd (or / where that is missing). */
#include <sys/stat.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 50000);
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	struct stat st;
	if (stat(path, &st) != 0)
		path = "/";
	for (int i = 0; i < 1000; i++)
		if (stat(path, &st) != 0)
			fail(path);
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (stat(path, &st) != 0)
			fail(path);
	report("stat", n, "calls", "call", now_ns() - t0);
	return 0;
}
