/* zombie: leave a child that exits before its parent, which never
 * waits; init (or runos, at the end) reaps it. */
#include "user.h"

int main(void)
{
	if (fork() > 0)
		sleep(5); /* let the child exit first */
	exit(0);
}
