/*
 * exitcode: exits with the status given as argv[1], so the tests can check
 * that the low 8 bits of exit_group(2)'s argument reach the parent's wait
 * status unchanged (see wait(2), WEXITSTATUS).
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: exitcode STATUS\n");
		return 2;
	}
	int status = atoi(argv[1]);
	printf("exiting with %d\n", status);
	fflush(stdout);
	exit(status);
}
