/*
 * segv: writes through a NULL pointer. With SIGSEGV at its default action the
 * process dies of signal 11 (see signal(7)); a shell shows that as status 139,
 * and runos must exit with 139.
 */
#include <stdio.h>

int main(void)
{
	printf("about to write to NULL\n");
	fflush(stdout);
	*(volatile int *)0 = 42;
	printf("FAIL: the write to NULL did not fault\n");
	return 1;
}
