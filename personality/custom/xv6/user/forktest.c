/* forktest: fork until fork fails (or N children), then wait for them
 * all; wait must then report that none are left. */
#include "user.h"

#define N 100

int main(void)
{
	int n;
	for (n = 0; n < N; n++) {
		int pid = fork();
		if (pid < 0)
			break;
		if (pid == 0)
			exit(0);
	}
	for (int i = 0; i < n; i++) {
		if (wait(0) < 0) {
			printf("forktest: wait stopped early\n");
			exit(1);
		}
	}
	if (wait(0) != -1) {
		printf("forktest: wait got too many\n");
		exit(1);
	}
	printf("fork test OK\n");
	exit(0);
}
