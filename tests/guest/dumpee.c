/*
 * dumpee: a multi-threaded program that waits to be looked at, for the
 * state-dump test (trace_test.go). It starts two threads that block in
 * read(2) on a pipe nobody writes, prints "ready", and then blocks in
 * read(2) on stdin; when stdin ends it exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int block[2];

static void *sleeper(void *arg)
{
	char c;
	(void)arg;
	read(block[0], &c, 1);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	char buf[16];

	if (pipe(block) != 0)
		return 1;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	write(1, "ready\n", 6);
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
