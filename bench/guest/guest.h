/* guest.h: what every benchmark guest shares. A guest runs its operation
 * N times (N is argv[1]), timing only the loop with CLOCK_MONOTONIC so that
 * program start-up (and, under runos, the loading of the program) is not
 * counted, and prints one line the harness parses:
 *
 *	NAME: N UNITS, X ns per UNIT
 *
 * A guest exits non-zero, with a message, when an operation fails, so that
 * a broken system call is never reported as a fast one. */
#ifndef GUEST_H
#define GUEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* iterations is argv[1], or def without it. */
static long iterations(int argc, char **argv, long def)
{
	long n = argc > 1 ? atol(argv[1]) : def;
	return n > 0 ? n : def;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* report prints the result line: ns is the time of ops operations. */
static void report(const char *name, long ops, const char *units, const char *unit, double ns)
{
	printf("%s: %ld %s, %.1f ns per %s\n", name, ops, units, ns / (double)ops, unit);
	fflush(stdout);
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

#endif
