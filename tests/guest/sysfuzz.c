/*
 * sysfuzz: issues random system calls with hostile arguments and must live
 * through all of them. Under runos it checks that no argument can crash or
 * wedge the kernel; natively it checks that the fuzzer itself is sane.
 *
 *   usage: sysfuzz [SEED [COUNT]]      (defaults: 1, 100000)
 *
 * Output is one line on the original stdout, "sysfuzz: N calls done"
 * (written to a copy of stdout kept at REPORT_FD, because fds 0-2 are pointed
 * at /dev/null so that fuzzed writes and reads go nowhere). Exit status 0.
 * What the calls return is not printed: it differs between Linux and runos
 * wherever runos does not implement a call.
 *
 * The fuzzer must not end, block or corrupt itself, so (the why is next to
 * each rule in the tables below):
 *   - calls that end, replace or duplicate the process, send signals, or
 *     wait for other processes are never made (excluded[]);
 *   - calls that change host-wide state are never made, in case a broken
 *     runos forwarded one (also excluded[]);
 *   - calls that can block are made non-blocking (timeouts forced to zero,
 *     IPC_NOWAIT, LOCK_NB, every new fd set O_NONBLOCK) -- see fixup();
 *   - calls that change the address space only ever see a private scratch
 *     region, so the fuzzer's code, stack and buffers stay mapped;
 *   - every catchable signal is ignored and rt_sigaction may only query;
 *   - resource limits cap what it can consume: RLIMIT_FSIZE 1 MiB (files
 *     it creates in its working directory), RLIMIT_AS 1 GiB, RLIMIT_NOFILE 64.
 * There are no timers: nothing here depends on time.
 *
 * Path arguments point into the fuzz buffer, whose bytes never contain '/'
 * when it is refilled, so the names it creates stay in its working
 * directory. Run it in an empty scratch directory, as an unprivileged user
 * when running natively (the Go test does both, in fresh network, IPC and
 * UTS namespaces).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SYSCALL 450
#define REPORT_FD 900
#define PAGE 4096UL
#define BUF_SIZE (64UL << 10)
#define SCRATCH_SIZE (1UL << 20)
#define MAX_FD 64
#define MAX_COPY (1UL << 20)

/* Flag values spelled out here to keep the include list short (see shmat(2),
 * inode(7), recv(2), msgop(2), flock(2)). */
#define SHM_REMAP_FLAG 040000
#define S_IFREG_BITS 0100000
#define MSG_DONTWAIT_FLAG 0x40
#define IPC_NOWAIT_FLAG 04000
#define LOCK_NB_FLAG 4

static uint64_t rng_state;

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static char *buf;          /* BUF_SIZE read-write bytes between guard pages */
static char *rdonly;       /* one PROT_READ page between guard pages */
static char *unmapped;     /* a page that was mapped and then unmapped */
static char *scratch;      /* SCRATCH_SIZE read-write, the only memory mm calls touch */
static char *region;       /* 3 * SCRATCH_SIZE reservation around scratch */
static uintptr_t brk_start;
static const struct timespec zero_ts;
static const struct timeval zero_tv;

/*
 * excluded lists the calls never made, by number, each with the reason.
 */
static const struct {
	int nr;
	const char *why;
} excluded[] = {
	{SYS_rt_sigreturn, "restores registers from a garbage frame"},
	{SYS_clone, "creates a process or thread"},
	{SYS_clone3, "creates a process or thread"},
	{SYS_fork, "creates a process"},
	{SYS_vfork, "creates a process and suspends this one"},
	{SYS_execve, "replaces the process"},
	{SYS_execveat, "replaces the process"},
	{SYS_exit, "ends the thread"},
	{SYS_exit_group, "ends the process"},
	{SYS_wait4, "waits for children"},
	{SYS_waitid, "waits for children"},
	{SYS_kill, "sends signals"},
	{SYS_tkill, "sends signals"},
	{SYS_tgkill, "sends signals"},
	{SYS_rt_sigqueueinfo, "sends signals (SIGSTOP cannot be ignored)"},
	{SYS_rt_tgsigqueueinfo, "sends signals"},
	{SYS_pidfd_send_signal, "sends signals"},
	{SYS_pause, "blocks until a signal"},
	{SYS_rt_sigsuspend, "blocks until a signal"},
	{SYS_alarm, "timer signal (the design has no timers)"},
	{SYS_setitimer, "timer signal"},
	{SYS_timer_create, "timer signal with a chosen signal number"},
	{SYS_timer_settime, "arms timers"},
	{SYS_mq_notify, "signal with a chosen signal number"},
	{SYS_futex, "FUTEX_WAIT without timeout blocks forever"},
	{SYS_futex_waitv, "blocks"},
	{SYS_semop, "blocks on a semaphore (semtimedop is fuzzed with a zero timeout)"},
	{SYS_ptrace, "traces or stops processes"},
	{SYS_process_vm_writev, "writes another process's memory"},
	{SYS_userfaultfd, "faults on registered ranges block forever"},
	{SYS_io_uring_setup, "io_uring_enter waits for completions"},
	{SYS_io_uring_enter, "waits for completions"},
	{SYS_io_uring_register, "io_uring"},
	{SYS_seccomp, "a filter or strict mode kills the fuzzer"},
	{SYS_prctl, "PR_SET_SECCOMP kills; PR_SET_MM rewrites the memory map"},
	{SYS_arch_prctl, "ARCH_SET_FS breaks thread-local storage"},
	{SYS_rseq, "a bad rseq area makes the kernel raise SIGSEGV"},
	{335, "uretprobe (Linux 6.11): SIGILL unless called from a uprobe trampoline"},
	{336, "uprobe (Linux 6.18): SIGILL unless called from a uprobe trampoline"},
	{SYS_setrlimit, "would lift the limits that bound the fuzzer"},
	{SYS_get_robust_list, "stores a TLS pointer into the buffer"},
	{SYS_mlock, "locks memory (populates huge ranges)"},
	{SYS_mlock2, "locks memory"},
	{SYS_mlockall, "MCL_FUTURE populates every later mapping"},
	{SYS_chdir, "would leave the scratch directory"},
	{SYS_fchdir, "would leave the scratch directory"},
	{SYS_chroot, "host-wide state if forwarded"},
	{SYS_pivot_root, "host-wide state"},
	{SYS_mount, "host-wide state"},
	{SYS_umount2, "host-wide state"},
	{SYS_open_tree, "mount API"},
	{SYS_move_mount, "mount API"},
	{SYS_fsopen, "mount API"},
	{SYS_fsconfig, "mount API"},
	{SYS_fsmount, "mount API"},
	{SYS_fspick, "mount API"},
	{SYS_mount_setattr, "mount API"},
	{SYS_swapon, "host-wide state"},
	{SYS_swapoff, "host-wide state"},
	{SYS_reboot, "host-wide state"},
	{SYS_kexec_load, "host-wide state"},
	{SYS_kexec_file_load, "host-wide state"},
	{SYS_init_module, "host-wide state"},
	{SYS_finit_module, "host-wide state"},
	{SYS_delete_module, "host-wide state"},
	{SYS_settimeofday, "host-wide state"},
	{SYS_clock_settime, "host-wide state"},
	{SYS_adjtimex, "host-wide state"},
	{SYS_clock_adjtime, "host-wide state"},
	{SYS_sethostname, "host-wide state"},
	{SYS_setdomainname, "host-wide state"},
	{SYS_syslog, "clears the host's kernel log"},
	{SYS_acct, "host-wide state"},
	{SYS_quotactl, "host-wide state"},
	{SYS_quotactl_fd, "host-wide state"},
	{SYS_iopl, "I/O port access"},
	{SYS_ioperm, "I/O port access"},
	{SYS_vhangup, "hangs up the terminal"},
	{SYS_bpf, "host-wide state"},
	{SYS_perf_event_open, "host-wide state"},
	{SYS_add_key, "keyrings outlive the process"},
	{SYS_request_key, "may start a host helper program"},
	{SYS_keyctl, "keyrings outlive the process"},
};

static unsigned char is_excluded[MAX_SYSCALL + 1];

/* refill puts fresh random bytes in the buffer, with no '/' (see above), and
 * plants pointers back into the buffer so that structs full of pointers
 * (iovecs, msghdrs) sometimes point somewhere valid. */
static void refill(void)
{
	uint64_t *w = (uint64_t *)buf;
	for (size_t i = 0; i < BUF_SIZE / 8; i++) {
		switch (rnd() % 8) {
		case 0:
			w[i] = (uint64_t)(uintptr_t)(buf + rnd() % BUF_SIZE);
			break;
		case 1:
			w[i] = rnd() % 64;
			break;
		case 2:
			w[i] = 0;
			break;
		default:
			w[i] = rnd();
		}
	}
	for (size_t i = 0; i < BUF_SIZE; i++)
		if (buf[i] == '/')
			buf[i] = 'x';
}

/* arg returns one hostile or plausible argument value. */
static uint64_t arg(void)
{
	switch (rnd() % 16) {
	case 0: return 0;
	case 1: return rnd() % 8;
	case 2: return rnd() % 64;
	case 3: return 3 + rnd() % 16; /* an fd it may have opened */
	case 4: return (uint64_t)-1;
	case 5: return (uint64_t)-(int64_t)(rnd() % 4096); /* negative, or -errno-like */
	case 6: return (uint64_t)(uintptr_t)(buf + rnd() % BUF_SIZE);
	case 7: return (uint64_t)(uintptr_t)buf;
	case 8: return (uint64_t)(uintptr_t)(buf + BUF_SIZE - rnd() % 64); /* runs off the end */
	case 9: return (uint64_t)(uintptr_t)(unmapped + rnd() % PAGE);
	case 10: return (uint64_t)(uintptr_t)(rdonly + rnd() % PAGE);
	case 11: return 1ULL << (rnd() % 64); /* huge lengths and odd flags */
	case 12: return 0xffff800000000000ULL + rnd() % (1ULL << 40); /* kernel half */
	case 13: return 0x0000800000000000ULL + rnd() % (1ULL << 40); /* non-canonical-ish */
	case 14: return rnd() & 0xffffffff;
	default: return rnd();
	}
}

/* in_region returns an address inside the reservation around scratch, and
 * clamp_len a length that does not run past it. */
static uint64_t in_region(void)
{
	uint64_t off = (rnd() % (3 * SCRATCH_SIZE / PAGE)) * PAGE;
	if (rnd() % 16 == 0)
		off += 1 + rnd() % (PAGE - 1); /* unaligned */
	return (uint64_t)(uintptr_t)region + off;
}

static uint64_t clamp_len(uint64_t addr, uint64_t len)
{
	uint64_t room = (uint64_t)(uintptr_t)region + 3 * SCRATCH_SIZE - addr;
	return room == 0 ? 0 : len % (room + 1);
}

static void nonblock(long fd)
{
	/* 0-2 too: a dup2 may have put a pipe there. */
	if (fd >= 0 && fd < MAX_FD)
		fcntl((int)fd, F_SETFL, O_NONBLOCK);
}

/* nonblock_all covers calls that store new fds in memory (pipe, socketpair):
 * where they stored them is not always the buffer, since a fuzzed mmap may
 * have mapped memory at an address that a later argument names. */
static void nonblock_all(void)
{
	for (int fd = 0; fd < MAX_FD; fd++)
		nonblock(fd);
}

/* fixup rewrites the arguments of calls that could block, kill the fuzzer or
 * touch memory outside the scratch region. */
static void fixup(long nr, uint64_t a[6])
{
	switch (nr) {
	case SYS_mmap:
		/* Never replace an existing mapping; never populate or lock. */
		a[3] &= ~(uint64_t)(MAP_FIXED | MAP_POPULATE | MAP_LOCKED);
		/* A hint or MAP_FIXED_NOREPLACE would map the page that must stay unmapped. */
		if (a[0] >= (uint64_t)(uintptr_t)unmapped - PAGE && a[0] < (uint64_t)(uintptr_t)unmapped + PAGE)
			a[0] = 0;
		break;
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_pkey_mprotect:
	case SYS_madvise:
	case SYS_msync:
	case SYS_mbind:
	case SYS_remap_file_pages:
	case SYS_munlock:
		a[0] = in_region();
		a[1] = clamp_len(a[0], a[1]);
		break;
	case SYS_mremap:
		a[0] = in_region();
		a[1] = clamp_len(a[0], a[1]);
		a[2] %= 4 * SCRATCH_SIZE;
		a[3] &= MREMAP_MAYMOVE; /* no MREMAP_FIXED, no MREMAP_DONTUNMAP */
		break;
	case SYS_brk:
		/* Growing is fine; shrinking below the start would free the C library's TLS. */
		a[0] = rnd() % 2 ? 0 : brk_start + rnd() % (16UL << 20);
		break;
	case SYS_shmat:
		a[1] = 0;
		a[2] &= ~(uint64_t)SHM_REMAP_FLAG;
		break;
	case SYS_close_range:
		a[0] = 3 + a[0] % (MAX_FD - 3);
		a[1] = a[0] + a[1] % (MAX_FD - a[0]);
		break;
	case SYS_rt_sigaction:
		a[1] = 0; /* query only: every signal stays ignored */
		break;
	case SYS_prlimit64:
		a[2] = 0; /* query only */
		break;
	case SYS_mknod:
		a[1] = S_IFREG_BITS | (a[1] & 0777); /* a FIFO would block open(2) */
		a[2] = 0;
		break;
	case SYS_mknodat:
		a[2] = S_IFREG_BITS | (a[2] & 0777);
		a[3] = 0;
		break;
	case SYS_poll:
		a[2] = 0;
		break;
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
		a[3] = 0;
		break;
	case SYS_ppoll:
	case SYS_rt_sigtimedwait:
		a[2] = (uint64_t)(uintptr_t)&zero_ts;
		break;
	case SYS_epoll_pwait2:
	case SYS_semtimedop:
		a[3] = (uint64_t)(uintptr_t)&zero_ts;
		break;
	case SYS_select:
		a[4] = (uint64_t)(uintptr_t)&zero_tv;
		break;
	case SYS_pselect6:
	case SYS_io_getevents:
	case SYS_io_pgetevents:
	case SYS_mq_timedsend:
	case SYS_mq_timedreceive:
		a[4] = (uint64_t)(uintptr_t)&zero_ts;
		break;
	case SYS_recvmmsg:
		a[4] = (uint64_t)(uintptr_t)&zero_ts;
		a[3] |= MSG_DONTWAIT_FLAG;
		break;
	case SYS_nanosleep:
		a[0] = (uint64_t)(uintptr_t)&zero_ts;
		break;
	case SYS_clock_nanosleep:
		a[1] = 0;
		a[2] = (uint64_t)(uintptr_t)&zero_ts;
		break;
	case SYS_msgsnd:
		a[3] |= IPC_NOWAIT_FLAG;
		break;
	case SYS_msgrcv:
		a[4] |= IPC_NOWAIT_FLAG;
		break;
	case SYS_flock:
		a[1] |= LOCK_NB_FLAG;
		break;
	case SYS_fcntl:
		/* Lock waits become tries; no signal number of its choosing. */
		if (a[1] == F_SETLKW)
			a[1] = F_SETLK;
		else if (a[1] == F_OFD_SETLKW)
			a[1] = F_OFD_SETLK;
		else if (a[1] == F_SETSIG)
			a[1] = F_GETFL;
		break;
	case SYS_mq_open:
		a[1] |= O_NONBLOCK;
		break;
	case SYS_copy_file_range:
		/* Bounded copies: runos may not enforce RLIMIT_FSIZE yet, and a
		 * sparse file of 2^62 bytes must not be copied into memory. */
		a[4] %= MAX_COPY;
		break;
	case SYS_sendfile:
		a[3] %= MAX_COPY;
		break;
	case SYS_splice:
		a[4] %= MAX_COPY;
		break;
	case SYS_tee:
		a[2] %= MAX_COPY;
		break;
	case SYS_truncate:
	case SYS_ftruncate:
		a[1] %= 16 * MAX_COPY;
		break;
	case SYS_fallocate:
		a[2] %= 16 * MAX_COPY;
		a[3] %= MAX_COPY;
		break;
	}
	/* The report fd is never an argument (close, dup2 onto it, ...). */
	for (int i = 0; i < 6; i++)
		if ((uint32_t)a[i] == REPORT_FD)
			a[i] = 1;
}

/* after makes every fd a call may have created non-blocking. */
static void after(long nr, long ret, const uint64_t *a)
{
	switch (nr) {
	case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat:
	case SYS_socket: case SYS_accept: case SYS_accept4:
	case SYS_dup: case SYS_dup2: case SYS_dup3:
	case SYS_eventfd: case SYS_eventfd2: case SYS_timerfd_create:
	case SYS_signalfd: case SYS_signalfd4: case SYS_inotify_init: case SYS_inotify_init1:
	case SYS_fanotify_init: case SYS_memfd_create: case SYS_memfd_secret:
	case SYS_epoll_create: case SYS_epoll_create1: case SYS_pidfd_open: case SYS_pidfd_getfd:
	case SYS_open_by_handle_at: case SYS_mq_open: case SYS_landlock_create_ruleset:
		nonblock(ret);
		break;
	case SYS_fcntl:
		if (ret >= 0)
			nonblock(ret); /* F_DUPFD returns a new fd */
		/* F_SETFL may have cleared O_NONBLOCK. The kernel reads an fd
		 * argument as a 32-bit int, so must we. */
		nonblock((int)a[0]);
		break;
	case SYS_ioctl:
		nonblock((int)a[0]); /* FIONBIO may have cleared it */
		break;
	case SYS_pipe:
	case SYS_pipe2:
	case SYS_socketpair:
		if (ret == 0)
			nonblock_all();
		break;
	}
}

static void die(const char *what)
{
	dprintf(2, "sysfuzz: setup: %s failed\n", what);
	exit(1);
}

static char *guarded(size_t len, int prot)
{
	char *p = mmap(NULL, len + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (mprotect(p + PAGE, len, PROT_READ | PROT_WRITE) != 0)
		die("mprotect");
	memset(p + PAGE, 'r', len);
	if (mprotect(p + PAGE, len, prot) != 0)
		die("mprotect");
	return p + PAGE;
}

static void setup(void)
{
	for (size_t i = 0; i < sizeof excluded / sizeof excluded[0]; i++)
		is_excluded[excluded[i].nr] = 1;

	if (dup2(1, REPORT_FD) != REPORT_FD)
		die("dup2 of stdout");
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		for (int fd = 0; fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
	} else {
		/* A young kernel without /dev/null: a non-blocking pipe is a sink
		 * too (writes fail with EAGAIN once it is full, reads with EAGAIN). */
		int p[2];
		if (pipe2(p, O_NONBLOCK) != 0)
			die("open of /dev/null and pipe2");
		dup2(p[0], 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (p[0] > 2)
			close(p[0]);
		if (p[1] > 2)
			close(p[1]);
	}
	/* Inherited fds are not ours to fuzz. */
	syscall(SYS_close_range, 3, REPORT_FD - 1, 0);
	syscall(SYS_close_range, REPORT_FD + 1, ~0U, 0);

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN); /* fails harmlessly for the C library's own */

	buf = guarded(BUF_SIZE, PROT_READ | PROT_WRITE);
	rdonly = guarded(PAGE, PROT_READ);
	unmapped = guarded(PAGE, PROT_READ);
	munmap(unmapped, PAGE);
	region = mmap(NULL, 3 * SCRATCH_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die("mmap of the scratch region");
	scratch = region + SCRATCH_SIZE;
	if (mprotect(scratch, SCRATCH_SIZE, PROT_READ | PROT_WRITE) != 0)
		die("mprotect of the scratch region");
	brk_start = (uintptr_t)syscall(SYS_brk, 0);

	/* Limits are best effort: a kernel that lacks them still gets fuzzed. */
	struct rlimit fsize = {1UL << 20, 1UL << 20};
	struct rlimit as = {1UL << 30, 1UL << 30};
	struct rlimit nofile = {MAX_FD, MAX_FD};
	setrlimit(RLIMIT_FSIZE, &fsize);
	setrlimit(RLIMIT_AS, &as);
	setrlimit(RLIMIT_NOFILE, &nofile);
	refill();
}

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	long count = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	if (rng_state == 0)
		rng_state = 1;

	setup();

	long done = 0;
	while (done < count) {
		long nr = (long)(rnd() % (MAX_SYSCALL + 1));
		if (is_excluded[nr])
			continue;
		uint64_t a[6];
		for (int i = 0; i < 6; i++)
			a[i] = arg();
		fixup(nr, a);
		long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		after(nr, ret, a);
		done++;
		if (done % 256 == 0)
			refill(); /* drops stale pointers a call may have stored in the buffer */
	}

	char line[64];
	int n = snprintf(line, sizeof line, "sysfuzz: %ld calls done\n", done);
	if (write(REPORT_FD, line, (size_t)n) != n)
		return 1;
	return 0;
}
