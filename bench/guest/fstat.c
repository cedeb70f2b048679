/* fstat: fstat(2) of an open file: no path walk, so stat minus fstat is
 * roughly the cost of resolving the path. */
#include <fcntl.h>
#include <sys/stat.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 100000);
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		fd = open("/", O_RDONLY);
	if (fd < 0)
		fail(path);
	for (int i = 0; i < 1000; i++)
		if (fstat(fd, &st) != 0)
			fail("fstat");
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (fstat(fd, &st) != 0)
			fail("fstat");
	report("fstat", n, "calls", "call", now_ns() - t0);
	return 0;
}
