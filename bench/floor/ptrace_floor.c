//go:build ignore

// The constraint above keeps the go command from treating this directory as
// a cgo package: floor_test.go compiles this file with gcc itself.

/*
 * ptrace_floor: the cheapest possible ptrace system-call round trip, to
 * compare runos's ptrace platform against.
 *
 * A child stops itself under PTRACE_TRACEME and then calls getpid(2) N
 * times. The parent answers every call with PTRACE_SYSEMU (run to the next
 * syscall entry, do not execute it), waitpid, PTRACE_GETREGS and
 * PTRACE_SETREGS (write the answer into rax): the same four requests a
 * platform needs per guest system call. It prints the time per round trip.
 *
 * Usage: ptrace_floor [iterations] [pin|nopin]
 * With "pin" (the default) parent and child share CPU 0 of the allowed set.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* first_cpu returns the lowest CPU this process may run on. */
static int first_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		die("sched_getaffinity");
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

static void pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set) != 0)
		die("sched_setaffinity");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int pinned = !(argc > 2 && strcmp(argv[2], "nopin") == 0);
	int cpu = first_cpu();

	if (pinned)
		pin(0, cpu);
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			die("PTRACE_TRACEME");
		raise(SIGSTOP);
		/* One more than the parent answers, so it is never left
		 * running free; the parent kills us there. */
		for (long i = 0; i <= n; i++)
			syscall(SYS_getpid);
		_exit(0);
	}

	int status;
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status))
		die("waitpid for the initial stop");
	if (ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) != 0)
		die("PTRACE_SETOPTIONS");
	if (pinned)
		pin(child, cpu);

	struct user_regs_struct regs;
	struct timespec t0, t1;
	long answered = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (answered < n) {
		if (ptrace(PTRACE_SYSEMU, child, 0, 0) != 0)
			die("PTRACE_SYSEMU");
		if (waitpid(child, &status, __WALL) != child)
			die("waitpid");
		if (!WIFSTOPPED(status)) {
			fprintf(stderr, "child did not stop: status %#x\n", status);
			return 1;
		}
		if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0)
			die("PTRACE_GETREGS");
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue; /* not a syscall stop: resume */
		if (regs.orig_rax != SYS_getpid) {
			fprintf(stderr, "unexpected syscall %llu\n", regs.orig_rax);
			return 1;
		}
		regs.rax = 4242;
		if (ptrace(PTRACE_SETREGS, child, 0, &regs) != 0)
			die("PTRACE_SETREGS");
		answered++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(child, SIGKILL);
	waitpid(child, &status, __WALL);

	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("ptrace_floor: %ld round trips, %s, %.0f ns per round trip\n",
	       n, pinned ? "pinned" : "unpinned", ns / (double)n);
	return 0;
}
