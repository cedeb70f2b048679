/* init: the first process. It makes the console device if there is none,
 * opens it as descriptors 0, 1 and 2, and runs the shell, starting a new
 * one whenever it dies; meanwhile it reaps orphans. Unlike xv6's
 * console, runos's can reach the end of its input (a script, or Ctrl-D),
 * after which a new shell could read nothing: when the shell exits with
 * status 0, which it does at end of input, init ends too. */
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
			if (w == pid && status == 0)
				exit(0); /* end of input */
			if (w == pid)
				break; /* the shell died: start another */
			if (w < 0) {
				printf("init: wait returned an error\n");
				exit(1);
			}
			/* An orphan was reaped; keep waiting for the shell. */
		}
	}
}
