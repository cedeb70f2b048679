/* init: the first process. It makes the console device if there is none,
 * opens it as descriptors 0, 1 and 2, and runs the shell, starting a new
 * one whenever it exits; meanwhile it reaps orphans. */
#include "user.h"

int main(void)
{
	char *argv[] = {"sh", 0};
	if (open("console", O_RDWR) < 0) {
		mknod("console", CONSOLE, 0);
		open("console", O_RDWR);
	}
	dup(0); /* stdout */
	dup(0); /* stderr */
	for (;;) {
		printf("init: starting sh\n");
		int pid = fork();
		if (pid < 0) {
			printf("init: fork failed\n");
			exit(1);
		}
		if (pid == 0) {
			exec("sh", argv);
			exec("/sh", argv);
			printf("init: exec sh failed\n");
			exit(1);
		}
		for (;;) {
			int status;
			int w = wait(&status);
			if (w == pid)
				break; /* the shell exited: start another */
			if (w < 0) {
				printf("init: wait returned an error\n");
				exit(1);
			}
			/* An orphan was reaped; keep waiting for the shell. */
		}
	}
}
