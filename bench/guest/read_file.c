/* read_file: pread(2) of 4 KiB at offset 0 from a regular file in /tmp: a
 * descriptor lookup, a read of file data (under runos, from its
 * filesystem) and a 4 KiB copy out to the guest. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 100000);
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/tmp/runos-bench-read-%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail(path);
	unlink(path);
	memset(buf, 'r', sizeof buf);
	if (write(fd, buf, sizeof buf) != sizeof buf)
		fail("write");
	double t0 = 0;
	for (long i = -1000; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		if (pread(fd, buf, sizeof buf, 0) != sizeof buf)
			fail("pread");
	}
	report("read_file", n, "reads", "read", now_ns() - t0);
	return 0;
}
