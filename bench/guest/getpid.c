/* getpid: the null system call, N times, timed by the guest itself so that
 * program start-up is not counted. Prints "getpid: N calls, X ns per call". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec a, b;
	/* Warm up: first touches of stack and code pages fault under runos. */
	for (int i = 0; i < 1000; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("getpid: %ld calls, %.0f ns per call\n", n, ns / n);
	return 0;
}
