/* write_null: write(2) of 1 byte to /dev/null: a copy in from the guest
 * and a file that discards it. */
#include <fcntl.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 100000);
	char c = 'x';
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		fail("/dev/null");
	for (int i = 0; i < 1000; i++)
		if (write(fd, &c, 1) != 1)
			fail("write");
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(fd, &c, 1) != 1)
			fail("write");
	report("write_null", n, "calls", "call", now_ns() - t0);
	return 0;
}
