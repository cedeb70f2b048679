/* read_zero: read(2) of 1 byte from /dev/zero, the cheapest read that
 * reaches a file: descriptor lookup, a character device, and a 1-byte copy
 * out to the guest. */
#include <fcntl.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 100000);
	char c;
	int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0)
		fail("/dev/zero");
	for (int i = 0; i < 1000; i++)
		if (read(fd, &c, 1) != 1)
			fail("read");
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (read(fd, &c, 1) != 1)
			fail("read");
	report("read_zero", n, "calls", "call", now_ns() - t0);
	return 0;
}
