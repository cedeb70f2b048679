/*
 * timers: interval timers, POSIX timers, queued signals, CPU-time
 * accounting and pidfds. Each check is one argument:
 *
 *   usage: timers CHECK      (CHECK is one of the names in checks[] below)
 *
 * It prints booleans and counts, never times, so that the output is the
 * same on every run, natively and under runos; it exits 1 when a check
 * fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int failures;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "yes" : "no");
	if (!ok)
		failures++;
}

static volatile sig_atomic_t count;
static volatile sig_atomic_t last_code, last_value, last_tid_ok, last_overrun;

static void on_count(int sig)
{
	(void)sig;
	count++;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigaction(sig, &sa, NULL);
}

static void handle_info(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* spin burns user CPU time for about ms milliseconds of CPU time. */
static void spin(long ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (;;) {
		for (volatile int i = 0; i < 100000; i++)
			;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		if ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= ms)
			return;
	}
}

/* ITIMER_REAL with an interval: five SIGALRMs, then disarm. */
static void itimer_real(void)
{
	handle(SIGALRM, on_count);
	struct itimerval it = {{0, 10000}, {0, 10000}};
	check("setitimer ok", setitimer(ITIMER_REAL, &it, NULL) == 0);
	while (count < 5)
		pause();
	struct itimerval old, zero = {{0, 0}, {0, 0}};
	check("disarm ok", setitimer(ITIMER_REAL, &zero, &old) == 0);
	check("old interval is 10ms", old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
	check("old value within interval", old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 10000);
	int n = count;
	usleep(50000);
	/* (A sixth may come in before the disarm on a loaded machine.) */
	printf("at least 5 alarms: %s, more after disarm: %s\n", n >= 5 ? "yes" : "no", count == n ? "no" : "yes");
	getitimer(ITIMER_REAL, &old);
	check("getitimer disarmed", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0 &&
					   old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 0);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	errno = 0;
	check("usec 1000000 EINVAL", setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL);
	bad.it_value.tv_usec = -1;
	errno = 0;
	check("usec -1 EINVAL", setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL);
	errno = 0;
	check("which 3 EINVAL", setitimer(3, &zero, NULL) == -1 && errno == EINVAL);
	errno = 0;
	check("getitimer which 7 EINVAL", getitimer(7, &old) == -1 && errno == EINVAL);
}

/* alarm returns the seconds left, rounded, and never 0 while pending. */
static void alarm_left(void)
{
	handle(SIGALRM, on_count);
	check("first alarm returns 0", alarm(10) == 0);
	printf("alarm(5) after alarm(10): %u\n", alarm(5));
	struct itimerval it;
	getitimer(ITIMER_REAL, &it);
	check("getitimer shows 4-5s", it.it_value.tv_sec == 4 || (it.it_value.tv_sec == 5 && it.it_value.tv_usec == 0));
	/* 0.3s left still reads as 1, and 0.7s as 1. */
	struct itimerval short_it = {{0, 0}, {0, 300000}};
	setitimer(ITIMER_REAL, &short_it, NULL);
	printf("alarm(0) with 0.3s left: %u\n", alarm(0));
	short_it.it_value.tv_usec = 700000;
	setitimer(ITIMER_REAL, &short_it, NULL);
	printf("alarm(0) with 0.7s left: %u\n", alarm(0));
	printf("alarm(0) with none: %u\n", alarm(0));
	alarm(1);
	pause();
	printf("SIGALRMs: %d\n", count);
}

/* ITIMER_VIRTUAL counts user CPU time: a busy loop gets SIGVTALRM. */
static void itimer_virtual(void)
{
	handle(SIGVTALRM, on_count);
	struct itimerval it = {{0, 20000}, {0, 20000}};
	check("setitimer virtual ok", setitimer(ITIMER_VIRTUAL, &it, NULL) == 0);
	while (count < 3)
		for (volatile int i = 0; i < 1000000; i++)
			;
	struct itimerval zero = {{0, 0}, {0, 0}}, old;
	setitimer(ITIMER_VIRTUAL, &zero, &old);
	check("old virtual interval kept", old.it_interval.tv_usec == 20000);
	printf("SIGVTALRMs >= 3: %s\n", count >= 3 ? "yes" : "no");

	/* A sleep uses no CPU: ITIMER_PROF stays armed across it. */
	count = 0;
	handle(SIGPROF, on_count);
	struct itimerval prof = {{0, 0}, {0, 200000}};
	setitimer(ITIMER_PROF, &prof, NULL);
	usleep(300000);
	getitimer(ITIMER_PROF, &old);
	check("sleep leaves ITIMER_PROF armed", count == 0 && old.it_value.tv_usec > 0);
	spin(250);
	check("spin fires ITIMER_PROF", count == 1);
}

static pthread_t worker;
static volatile pid_t worker_tid;
static volatile sig_atomic_t worker_quit;

static void on_thread_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	last_tid_ok = gettid() == worker_tid;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	count++;
}

static void *worker_main(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	while (!worker_quit)
		usleep(1000);
	return NULL;
}

/* SIGEV_THREAD_ID: the signal goes to the chosen thread. */
static void timer_thread(void)
{
	handle_info(SIGRTMIN, on_thread_timer);
	pthread_create(&worker, NULL, worker_main, NULL);
	while (!worker_tid)
		usleep(1000);
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 4242;
	ev._sigev_un._tid = worker_tid;
	timer_t id;
	check("timer_create ok", timer_create(CLOCK_MONOTONIC, &ev, &id) == 0);
	struct itimerspec its = {{0, 0}, {0, 20000000}};
	check("timer_settime ok", timer_settime(id, 0, &its, NULL) == 0);
	while (!count)
		usleep(1000);
	check("handler ran on the target thread", last_tid_ok);
	check("si_code is SI_TIMER", last_code == SI_TIMER);
	check("si_value is 4242", last_value == 4242);
	check("timer_delete ok", timer_delete(id) == 0);
	errno = 0;
	check("deleted timer EINVAL", timer_delete(id) == -1 && errno == EINVAL);
	ev._sigev_un._tid = 999999;
	errno = 0;
	check("foreign tid EINVAL", timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 && errno == EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 65;
	errno = 0;
	check("signal 65 EINVAL", timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 && errno == EINVAL);
	errno = 0;
	check("bad clock EINVAL", timer_create(99, NULL, &id) == -1 && errno == EINVAL);
	worker_quit = 1;
	pthread_join(worker, NULL);
}

/* SIGEV_NONE: no signal; timer_gettime shows the timer run down. */
static void sigev_none(void)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_NONE;
	timer_t id;
	check("timer_create ok", timer_create(CLOCK_MONOTONIC, &ev, &id) == 0);
	struct itimerspec cur;
	timer_gettime(id, &cur);
	check("new timer disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	struct itimerspec its = {{0, 0}, {1, 0}};
	timer_settime(id, 0, &its, NULL);
	usleep(20000);
	timer_gettime(id, &cur);
	check("running down", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec < 990000000);
	struct itimerspec old;
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 10000000;
	timer_settime(id, 0, &its, &old);
	check("old value below 1s", old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0);
	usleep(30000);
	timer_gettime(id, &cur);
	check("one-shot expired reads 0", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	/* Periodic: never reads 0, always within the interval. */
	struct itimerspec per = {{0, 10000000}, {0, 10000000}};
	timer_settime(id, 0, &per, NULL);
	usleep(35000);
	timer_gettime(id, &cur);
	check("periodic within interval", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
						 cur.it_value.tv_nsec <= 10000000 && cur.it_interval.tv_nsec == 10000000);
	/* An absolute time already past: expired at once. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct itimerspec abs = {{0, 0}, {now.tv_sec - 1, 0}};
	check("abstime ok", timer_settime(id, TIMER_ABSTIME, &abs, NULL) == 0);
	timer_gettime(id, &cur);
	check("past abstime expired", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	abs.it_value.tv_sec = now.tv_sec + 100;
	timer_settime(id, TIMER_ABSTIME, &abs, NULL);
	timer_gettime(id, &cur);
	check("future abstime ~100s", cur.it_value.tv_sec >= 98 && cur.it_value.tv_sec <= 100);
	struct itimerspec bad = {{0, 0}, {0, 1000000000}};
	errno = 0;
	check("nsec 1e9 EINVAL", timer_settime(id, 0, &bad, NULL) == -1 && errno == EINVAL);
	errno = 0;
	check("NULL new value EINVAL", syscall(SYS_timer_settime, id, 0, NULL, NULL) == -1 && errno == EINVAL);
	printf("overrun: %d\n", timer_getoverrun(id));
	timer_delete(id);
	errno = 0;
	check("gettime after delete EINVAL", timer_gettime(id, &cur) == -1 && errno == EINVAL);
}

static void on_value(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	(void)sig;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	last_overrun = si->si_overrun;
	count++;
}

/* A NULL sevp is SIGALRM with the timer ID as value; overruns count the
 * expirations while the signal was pending. The signal stays blocked and
 * is taken with sigtimedwait, so no expiry can race with the checks. */
static void overrun(void)
{
	handle(SIGALRM, on_count);
	timer_t id;
	check("timer_create(NULL) ok", timer_create(CLOCK_REALTIME, NULL, &id) == 0);
	block(SIGALRM, SIG_BLOCK);
	struct itimerspec its = {{0, 5000000}, {0, 5000000}};
	timer_settime(id, 0, &its, NULL);
	usleep(100000);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	struct timespec ts = {5, 0};
	check("SIGALRM taken", sigtimedwait(&s, &si, &ts) == SIGALRM);
	check("si_code SI_TIMER", si.si_code == SI_TIMER);
	check("si_value is the timer id", si.si_value.sival_int == (int)(long)id);
	check("si_overrun counted", si.si_overrun >= 5);
	check("timer_getoverrun agrees", timer_getoverrun(id) == si.si_overrun);
	struct itimerspec off = {{0, 0}, {0, 0}};
	timer_settime(id, 0, &off, NULL);
	check("timer_getoverrun reset by settime", timer_getoverrun(id) == 0);
	timer_delete(id);
	errno = 0;
	check("deleted: getoverrun EINVAL", timer_getoverrun(id) == -1 && errno == EINVAL);
}

/* sigqueue's value reaches an SA_SIGINFO handler. */
static void sigqueue_value(void)
{
	handle_info(SIGUSR1, on_value);
	union sigval v = {.sival_int = 12345};
	check("sigqueue ok", sigqueue(getpid(), SIGUSR1, v) == 0);
	check("handler ran", count == 1);
	check("si_code SI_QUEUE", last_code == SI_QUEUE);
	check("si_value 12345", last_value == 12345);

	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_USER;
	errno = 0;
	check("forged SI_USER to parent EPERM",
	      syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &si) == -1 && errno == EPERM);
	check("forged SI_USER to self ok", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si) == 0);
	si.si_code = SI_QUEUE;
	errno = 0;
	check("pid 0 ESRCH", syscall(SYS_rt_sigqueueinfo, 0, SIGUSR1, &si) == -1 && errno == ESRCH);
	errno = 0;
	check("signal 99 EINVAL", syscall(SYS_rt_sigqueueinfo, getpid(), 99, &si) == -1 && errno == EINVAL);
	errno = 0;
	check("tgsigqueueinfo tid 0 EINVAL",
	      syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR1, &si) == -1 && errno == EINVAL);
	si.si_value.sival_int = 777;
	check("tgsigqueueinfo ok", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si) == 0);
	check("value 777", last_value == 777);
	printf("handler runs: %d\n", count);
}

static int order[8], norder;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	order[norder++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
}

static void on_usr1_order(int sig)
{
	(void)sig;
	order[norder++] = -1;
}

/* Real-time signals queue, and are delivered lowest number first, in
 * the order sent within one number; a standard signal sent twice while
 * blocked is delivered once. The handlers block every signal, so each
 * runs to completion before the next is delivered. */
static void rt_order(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sa.sa_handler = on_usr1_order;
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigaddset(&s, SIGRTMIN + 2);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = 1});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 2});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 3});
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("order:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");
	/* Nested delivery: without a full sa_mask, each handler's frame
	 * is built on the previous one before any of them runs. */
	norder = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = 1});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 2});
	sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 3});
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("nested order:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");
}

/* send_later sends a process-directed signal from a thread that blocks
 * everything, so the waiting main thread is the one to take it. */
static void *send_later(void *arg)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	usleep(20000);
	kill(getpid(), (int)(long)arg);
	return NULL;
}

/* sigtimedwait: a timeout is EAGAIN; a pending signal is taken with its
 * info; another signal arriving is EINTR. */
static void sigtimedwait_check(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	struct timespec ts = {0, 20000000};
	siginfo_t si;
	errno = 0;
	check("timeout EAGAIN", sigtimedwait(&s, &si, &ts) == -1 && errno == EAGAIN);
	struct timespec zero = {0, 0};
	errno = 0;
	check("poll EAGAIN", sigtimedwait(&s, &si, &zero) == -1 && errno == EAGAIN);
	sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 99});
	memset(&si, 0, sizeof si);
	check("pending taken", sigtimedwait(&s, &si, &ts) == SIGUSR2);
	check("si_code SI_QUEUE", si.si_code == SI_QUEUE && si.si_value.sival_int == 99);
	check("si_pid is ours", si.si_pid == getpid());
	sigset_t pend;
	sigpending(&pend);
	check("no longer pending", !sigismember(&pend, SIGUSR2));

	pthread_t th;
	pthread_create(&th, NULL, send_later, (void *)(long)SIGUSR2);
	struct timespec longer = {5, 0};
	check("arrival while waiting", sigtimedwait(&s, &si, &longer) == SIGUSR2);
	pthread_join(th, NULL);

	handle(SIGUSR1, on_count);
	pthread_create(&th, NULL, send_later, (void *)(long)SIGUSR1);
	errno = 0;
	check("other signal EINTR", sigtimedwait(&s, &si, &longer) == -1 && errno == EINTR);
	check("other signal's handler ran", count == 1);
	pthread_join(th, NULL);
	struct timespec bad = {0, 1000000000};
	errno = 0;
	check("bad timeout EINVAL", sigtimedwait(&s, &si, &bad) == -1 && errno == EINVAL);
	errno = 0;
	check("sigsetsize 4 EINVAL", syscall(SYS_rt_sigtimedwait, &s, &si, &ts, 4) == -1 && errno == EINVAL);
	/* sigwaitinfo with the signal already pending. */
	raise(SIGUSR2);
	/* (glibc reports the kernel's SI_TKILL as SI_USER.) */
	check("sigwaitinfo", sigwaitinfo(&s, &si) == SIGUSR2 && si.si_code == SI_USER);
}

static int tv_nonzero(struct timeval tv) { return tv.tv_sec > 0 || tv.tv_usec > 0; }

/* getrusage, times and the CPU clocks see a busy loop's user time; a
 * reaped child's time lands in RUSAGE_CHILDREN. */
static void rusage(void)
{
	struct rusage ru;
	spin(100);
	check("getrusage self ok", getrusage(RUSAGE_SELF, &ru) == 0);
	check("self user time > 0", tv_nonzero(ru.ru_utime));
	check("self maxrss > 0", ru.ru_maxrss > 0);
	getrusage(RUSAGE_THREAD, &ru);
	check("thread user time > 0", tv_nonzero(ru.ru_utime));
	getrusage(RUSAGE_CHILDREN, &ru);
	check("no children time yet", !tv_nonzero(ru.ru_utime) && !tv_nonzero(ru.ru_stime));
	errno = 0;
	check("who 5 EINVAL", getrusage(5, &ru) == -1 && errno == EINVAL);
	struct tms t;
	times(&t);
	check("tms_utime > 0", t.tms_utime > 0);
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	check("process clock >= 100ms", a.tv_sec > 0 || a.tv_nsec >= 100000000);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	check("thread clock >= 100ms", b.tv_sec > 0 || b.tv_nsec >= 100000000);
	clockid_t cid;
	check("clock_getcpuclockid ok", clock_getcpuclockid(0, &cid) == 0);
	check("cpuclock readable", clock_gettime(cid, &b) == 0 && (b.tv_sec > 0 || b.tv_nsec >= 100000000));
	check("pthread cpuclock", pthread_getcpuclockid(pthread_self(), &cid) == 0 && clock_gettime(cid, &b) == 0 &&
					  (b.tv_sec > 0 || b.tv_nsec >= 100000000));
	/* VIRT of ourselves: ~pid<<3 | 1. */
	check("VIRT clock", clock_gettime((~getpid() << 3) | 1, &b) == 0 && (b.tv_sec > 0 || b.tv_nsec >= 50000000));
	errno = 0;
	check("kind 3 EINVAL", clock_gettime((~getpid() << 3) | 3, &b) == -1 && errno == EINVAL);
	errno = 0;
	check("no such pid EINVAL", clock_gettime((~999999 << 3) | 2, &b) == -1 && errno == EINVAL);
	struct timespec res;
	check("SCHED resolution 1ns", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_nsec == 1);

	pid_t pid = fork();
	if (pid == 0) {
		spin(100);
		_exit(0);
	}
	clockid_t child;
	check("child cpuclock", clock_getcpuclockid(pid, &child) == 0);
	int st;
	struct rusage cru;
	check("wait4 ok", wait4(pid, &st, 0, &cru) == pid);
	check("wait4 rusage user > 0", tv_nonzero(cru.ru_utime));
	getrusage(RUSAGE_CHILDREN, &ru);
	check("children user time > 0", tv_nonzero(ru.ru_utime));
	times(&t);
	check("tms_cutime > 0", t.tms_cutime > 0);
}

/* pidfd_open: the fd polls readable when the child exits; waitid P_PIDFD
 * reaps it; pidfd_send_signal signals it. */
static void pidfd(void)
{
	int go[2];
	pipe(go);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1); /* exit only once the parent says so */
		_exit(7);
	}
	int fd = syscall(SYS_pidfd_open, pid, 0);
	check("pidfd_open ok", fd >= 0);
	check("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, out;
	check("epoll_ctl ok", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	check("not ready while running", epoll_wait(ep, &out, 1, 0) == 0);
	write(go[1], "x", 1);
	check("ready on exit", epoll_wait(ep, &out, 1, 5000) == 1 && (out.events & EPOLLIN));
	siginfo_t si;
	memset(&si, 0, sizeof si);
	check("waitid P_PIDFD ok", waitid(P_PIDFD, fd, &si, WEXITED) == 0);
	check("status 7", si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 7);
	errno = 0;
	check("signal after reap ESRCH", syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) == -1 && errno == ESRCH);
	close(fd);
	close(ep);

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	fd = syscall(SYS_pidfd_open, pid, O_NONBLOCK); /* PIDFD_NONBLOCK */
	errno = 0;
	check("nonblocking waitid EAGAIN", waitid(P_PIDFD, fd, &si, WEXITED) == -1 && errno == EAGAIN);
	check("pidfd_send_signal ok", syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) == 0);
	int st;
	check("killed by SIGTERM", waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	errno = 0;
	check("flags EINVAL", syscall(SYS_pidfd_send_signal, fd, 0, NULL, 99) == -1 && errno == EINVAL);
	errno = 0;
	check("not a pidfd EBADF", syscall(SYS_pidfd_send_signal, 1, 0, NULL, 0) == -1 && errno == EBADF);
	errno = 0;
	check("pidfd_open bad flags EINVAL", syscall(SYS_pidfd_open, getpid(), 1) == -1 && errno == EINVAL);
	errno = 0;
	check("pidfd_open no such pid ESRCH", syscall(SYS_pidfd_open, 999999, 0) == -1 && errno == ESRCH);
	int self = syscall(SYS_pidfd_open, getpid(), 0);
	handle(SIGUSR1, on_count);
	check("signal self via pidfd", syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 0) == 0 && count == 1);
}

/* exec deletes POSIX timers and keeps the alarm (execve(2)). */
static void exec_check(char *self)
{
	timer_t id;
	timer_create(CLOCK_MONOTONIC, NULL, &id);
	alarm(100);
	printf("timer id before exec: %d\n", (int)(long)id);
	execl(self, self, "after-exec", (char *)NULL);
	perror("execl");
	exit(1);
}

static void after_exec(void)
{
	struct itimerspec cur;
	errno = 0;
	check("timer gone after exec", timer_gettime((timer_t)0, &cur) == -1 && errno == EINVAL);
	unsigned left = alarm(0);
	check("alarm survives exec", left >= 99 && left <= 100);
	/* fork: the child has no timers either. */
	timer_t id;
	timer_create(CLOCK_MONOTONIC, NULL, &id);
	alarm(100);
	pid_t pid = fork();
	if (pid == 0) {
		int gone = timer_gettime(id, &cur) == -1 && errno == EINVAL;
		_exit(gone && alarm(0) == 0 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	check("fork child has no timers", WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: timers CHECK\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *c = argv[1];
	if (!strcmp(c, "itimer-real"))
		itimer_real();
	else if (!strcmp(c, "alarm"))
		alarm_left();
	else if (!strcmp(c, "itimer-virtual"))
		itimer_virtual();
	else if (!strcmp(c, "timer-thread"))
		timer_thread();
	else if (!strcmp(c, "sigev-none"))
		sigev_none();
	else if (!strcmp(c, "overrun"))
		overrun();
	else if (!strcmp(c, "sigqueue"))
		sigqueue_value();
	else if (!strcmp(c, "rt-order"))
		rt_order();
	else if (!strcmp(c, "sigtimedwait"))
		sigtimedwait_check();
	else if (!strcmp(c, "rusage"))
		rusage();
	else if (!strcmp(c, "pidfd"))
		pidfd();
	else if (!strcmp(c, "exec"))
		exec_check(argv[0]);
	else if (!strcmp(c, "after-exec")) {
		after_exec();
		c = "exec"; /* the second half of the exec check */
	}
	else {
		fprintf(stderr, "timers: unknown check %s\n", c);
		return 2;
	}
	printf("%s: %d failures\n", c, failures);
	return failures != 0;
}
