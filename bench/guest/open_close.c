/* open_close: open(2) and close(2) of a file: a path walk, a new open file
 * description and a descriptor slot, then their release. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 50000);
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	struct stat st;
	if (stat(path, &st) != 0)
		path = "/";
	double t0 = 0;
	for (long i = -1000; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		int fd = open(path, O_RDONLY);
		if (fd < 0 || close(fd) != 0)
			fail(path);
	}
	report("open_close", n, "pairs", "pair", now_ns() - t0);
	return 0;
}
