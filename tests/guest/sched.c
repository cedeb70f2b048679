/*
 * sched: the scheduling calls a program makes (sched(7)): policies and
 * priorities, nice values (getpriority(2) and the raw syscall's 20 - nice),
 * SCHED_RESET_ON_FORK, the round-robin interval and CPU affinity. Run as
 * root, natively and under runos; output follows proccheck.h.
 */
#include "proccheck.h"

#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static void limits(void)
{
	static const struct { const char *name; int policy; } p[] = {
		{ "OTHER", SCHED_OTHER }, { "FIFO", SCHED_FIFO }, { "RR", SCHED_RR },
		{ "BATCH", SCHED_BATCH }, { "IDLE", SCHED_IDLE }, { "DEADLINE", 6 }, { "42", 42 },
	};
	char what[64];

	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		int max = sched_get_priority_max(p[i].policy);
		int min = sched_get_priority_min(p[i].policy);
		snprintf(what, sizeof what, "priority range %s", p[i].name);
		if (max < 0 || min < 0)
			expect_str(what, errname(-1, errno), NULL);
		else
			printf("%s: %d..%d\n", what, min, max);
	}
}

static void interval(const char *what)
{
	struct timespec ts;
	char b[64];

	if (sched_rr_get_interval(0, &ts) != 0) {
		expect_str(what, errname(-1, errno), NULL);
		return;
	}
	snprintf(b, sizeof b, "%ld.%09ld", (long)ts.tv_sec, ts.tv_nsec);
	expect_str(what, b, NULL);
}

static void policies(void)
{
	struct sched_param sp = { 0 };
	pid_t c;

	expect_int("sched_getscheduler", sched_getscheduler(0), SCHED_OTHER);
	expect_err("sched_getparam", sched_getparam(0, &sp), 0);
	expect_int("priority", sp.sched_priority, 0);
	expect_err("interval OTHER", sched_rr_get_interval(0, &(struct timespec){ 0 }), 0);

	sp.sched_priority = 10;
	expect_err("FIFO 10", sched_setscheduler(0, SCHED_FIFO, &sp), 0);
	expect_int("sched_getscheduler", sched_getscheduler(0), SCHED_FIFO);
	sp.sched_priority = 0;
	sched_getparam(0, &sp);
	expect_int("priority", sp.sched_priority, 10);
	interval("interval FIFO");
	sp.sched_priority = 30;
	expect_err("sched_setparam 30", sched_setparam(0, &sp), 0);
	sched_getparam(0, &sp);
	expect_int("priority", sp.sched_priority, 30);
	sp.sched_priority = 20;
	expect_err("RR 20", sched_setscheduler(0, SCHED_RR, &sp), 0);
	interval("interval RR");

	sp.sched_priority = 5;
	expect_err("OTHER 5", sched_setscheduler(0, SCHED_OTHER, &sp), EINVAL);
	sp.sched_priority = 0;
	expect_err("FIFO 0", sched_setscheduler(0, SCHED_FIFO, &sp), EINVAL);
	sp.sched_priority = 100;
	expect_err("FIFO 100", sched_setscheduler(0, SCHED_FIFO, &sp), EINVAL);
	sp.sched_priority = -1;
	expect_err("FIFO -1", sched_setscheduler(0, SCHED_FIFO, &sp), EINVAL);
	sp.sched_priority = 0;
	expect_err("DEADLINE", sched_setscheduler(0, 6, &sp), EINVAL);
	expect_err("policy 42", sched_setscheduler(0, 42, &sp), EINVAL);
	expect_err("policy -1", sched_setscheduler(0, -1, &sp), EINVAL);
	expect_err("pid -1", sched_setscheduler(-1, SCHED_OTHER, &sp), EINVAL);
	expect_err("no such pid", sched_setscheduler(999999, SCHED_OTHER, &sp), ESRCH);
	expect_err("NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL);
	expect_err("getparam NULL", syscall(SYS_sched_getparam, 0, NULL), EINVAL);
	expect_err("getscheduler -1", sched_getscheduler(-1), EINVAL);
	expect_err("getscheduler no such pid", sched_getscheduler(999999), ESRCH);
	expect_err("setparam 0 while RR", sched_setparam(0, &(struct sched_param){ 0 }), EINVAL);

	/* SCHED_RESET_ON_FORK: the child gets SCHED_OTHER and nice >= 0. */
	sp.sched_priority = 5;
	expect_err("FIFO 5 | RESET_ON_FORK", sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp), 0);
	expect_int("sched_getscheduler", sched_getscheduler(0), SCHED_FIFO | SCHED_RESET_ON_FORK);
	c = xfork();
	if (c == 0) {
		failures = 0;
		struct sched_param csp;
		expect_int("child: sched_getscheduler", sched_getscheduler(0), SCHED_OTHER);
		sched_getparam(0, &csp);
		expect_int("child: priority", csp.sched_priority, 0);
		_exit(failures);
	}
	reap("reset-on-fork child", c, "exited 0");
	sp.sched_priority = 0;
	expect_err("back to OTHER", sched_setscheduler(0, SCHED_OTHER, &sp), 0);

	expect_err("BATCH", sched_setscheduler(0, SCHED_BATCH, &sp), 0);
	c = xfork();
	if (c == 0) {
		failures = 0;
		expect_int("child inherits BATCH", sched_getscheduler(0), SCHED_BATCH);
		_exit(failures);
	}
	reap("batch child", c, "exited 0");
	expect_err("IDLE", sched_setscheduler(0, SCHED_IDLE, &sp), 0);
	expect_int("sched_getscheduler", sched_getscheduler(0), SCHED_IDLE);
	expect_err("OTHER", sched_setscheduler(0, SCHED_OTHER, &sp), 0);
}

static void nice_values(void)
{
	pid_t c;

	expect_int("getpriority raw", syscall(SYS_getpriority, PRIO_PROCESS, 0), 20);
	expect_err("setpriority -5", setpriority(PRIO_PROCESS, 0, -5), 0);
	expect_int("getpriority", getpriority(PRIO_PROCESS, 0), -5);
	expect_int("getpriority raw", syscall(SYS_getpriority, PRIO_PROCESS, 0), 25);
	expect_err("setpriority 100 (clamped)", setpriority(PRIO_PROCESS, 0, 100), 0);
	expect_int("getpriority", getpriority(PRIO_PROCESS, 0), 19);
	expect_err("setpriority -100 (clamped)", setpriority(PRIO_PROCESS, 0, -100), 0);
	expect_int("getpriority", getpriority(PRIO_PROCESS, 0), -20);
	expect_err("setpriority which 3", setpriority(3, 0, 0), EINVAL);
	expect_err("getpriority which -1", syscall(SYS_getpriority, -1, 0), EINVAL);
	expect_err("setpriority no such pid", setpriority(PRIO_PROCESS, 999999, 0), ESRCH);
	expect_err("getpriority no such pid", syscall(SYS_getpriority, PRIO_PROCESS, 999999), ESRCH);
	expect_err("getpriority user with no process", syscall(SYS_getpriority, PRIO_USER, 54322), ESRCH);
	expect_err("setpriority own group 3", setpriority(PRIO_PGRP, 0, 3), 0);
	expect_int("getpriority own group (raw)", syscall(SYS_getpriority, PRIO_PGRP, 0), 17);

	/* Children inherit nice; SCHED_RESET_ON_FORK resets a negative one. */
	setpriority(PRIO_PROCESS, 0, -4);
	c = xfork();
	if (c == 0) {
		failures = 0;
		expect_int("child: nice", getpriority(PRIO_PROCESS, 0), -4);
		_exit(failures);
	}
	reap("nice child", c, "exited 0");
	sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &(struct sched_param){ 0 });
	c = xfork();
	if (c == 0) {
		failures = 0;
		expect_int("reset child: nice", getpriority(PRIO_PROCESS, 0), 0);
		_exit(failures);
	}
	reap("reset child", c, "exited 0");
	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	setpriority(PRIO_PROCESS, 0, 0);
}

static void affinity(void)
{
	cpu_set_t all, one, got;
	int first = -1;

	expect_err("sched_getaffinity", sched_getaffinity(0, sizeof all, &all), 0);
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &all))
			first = i;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	expect_err("sched_setaffinity one CPU", sched_setaffinity(0, sizeof one, &one), 0);
	sched_getaffinity(0, sizeof got, &got);
	expect_int("CPUs now", CPU_COUNT(&got), 1);
	expect_int("the one asked for", CPU_ISSET(first, &got), 1);
	CPU_ZERO(&one);
	expect_err("empty mask", sched_setaffinity(0, sizeof one, &one), EINVAL);
	CPU_SET(1000, &one);
	expect_err("only a CPU that does not exist", sched_setaffinity(0, sizeof one, &one), EINVAL);
	expect_err("no such pid", sched_setaffinity(999999, sizeof all, &all), ESRCH);
	expect_err("getaffinity size 4", syscall(SYS_sched_getaffinity, 0, 4, &got), EINVAL);
	expect_err("restore", sched_setaffinity(0, sizeof all, &all), 0);
	sched_getaffinity(0, sizeof got, &got);
	expect_int("CPUs restored", CPU_EQUAL(&got, &all), 1);
}

int main(void)
{
	setup();
	limits();
	policies();
	nice_values();
	affinity();
	return finish("sched");
}
