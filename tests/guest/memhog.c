/*
 * memhog: allocates and touches 1 MiB blocks until malloc fails or the
 * process is killed, as a program that leaks memory would. With a memory
 * limit it ends in one of the two ways Linux allows: malloc returns NULL
 * (exit 0, "malloc failed") or the out-of-memory killer ends it (SIGKILL,
 * status 137). At most MAX MiB are taken, so a run without a limit ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX 65536

int main(void)
{
	int n;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (n = 0; n < MAX; n++) {
		char *p = malloc(1 << 20);
		if (p == NULL) {
			printf("malloc failed after %d MiB\n", n);
			return 0;
		}
		memset(p, 1, 1 << 20);
	}
	printf("allocated %d MiB without failing\n", n);
	return 1;
}
