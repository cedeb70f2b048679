/* mmap_touch: mmap(2) an anonymous region of P pages (argv[2], default
 * 64), write one byte to each page, munmap(2) it: the cost of a page fault
 * that allocates a zero page, per page. */
#include <sys/mman.h>
#include <unistd.h>
#include "guest.h"

int main(int argc, char **argv)
{
	long n = iterations(argc, argv, 500);
	long pages = argc > 2 ? atol(argv[2]) : 64;
	long psz = sysconf(_SC_PAGESIZE);
	if (pages < 1)
		pages = 64;
	double t0 = 0;
	for (long i = -5; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		volatile char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			fail("mmap");
		for (long j = 0; j < pages; j++)
			p[j * psz] = 1;
		if (munmap((void *)p, pages * psz) != 0)
			fail("munmap");
	}
	report("mmap_touch", n * pages, "pages", "page", now_ns() - t0);
	return 0;
}
