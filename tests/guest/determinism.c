/* determinism: prints what differs between two runs of a program on
 * Linux -- random bytes from getrandom(2) and /dev/urandom, the clocks,
 * the pid -- then execs itself once, so that a test sees whether an
 * exec'd program keeps linux-deterministic. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void hex(const char *what, const unsigned char *b, int n)
{
	printf("%s ", what);
	for (int i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned char b[16];
	struct timespec ts;
	struct timeval tv;

	if (getrandom(b, sizeof b, 0) != sizeof b)
		return 1;
	hex("getrandom", b, sizeof b);
	if (argc > 1) { /* the exec'd child */
		printf("child pid %d\n", getpid());
		return 0;
	}
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof b) != sizeof b)
		return 2;
	close(fd);
	hex("urandom", b, sizeof b);
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("realtime %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("monotonic %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	gettimeofday(&tv, NULL);
	printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	printf("time %lld\n", (long long)time(NULL));
	printf("pid %d\n", getpid());
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl(argv[0], argv[0], "child", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}
