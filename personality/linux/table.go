package linux

import "github.com/runos-project/runos/kernel/core"

// impl is how a syscall is implemented: its handler, support level and
// note. Names not listed here are in the table as NotYet.
type impl struct {
	h       core.Handler
	support core.Support
	note    string
}

func full(h core.Handler) impl                 { return impl{h, core.Full, ""} }
func partial(h core.Handler, note string) impl { return impl{h, core.Partial, note} }
func refused(h core.Handler, note string) impl { return impl{h, core.Refused, note} }
func noEquiv(h core.Handler, note string) impl { return impl{h, core.NoEquivalent, note} }

// callGroups are the maps of implemented calls, one per area of the ABI;
// a file that implements a new area adds its map here.
var callGroups = []map[string]impl{
	implemented,
	fsCalls,
	selectCalls,
	timerCalls, sigqueueCalls, pidfdCalls, // sys_timer.go, sys_sigqueue.go, sys_pidfd.go
	credCalls,    // sys_creds.go
	schedCalls,   // sys_sched.go
	limitCalls,   // sys_rlimit.go
	fdCalls,      // sys_fdcalls.go
	fsExtraCalls, // sys_fsextra.go
	statfsCalls,  // sys_statfs.go
	xattrCalls,   // sys_xattr.go
	inotifyCalls, // sys_inotify.go
	msyncCalls,   // sys_msync.go
	socketCalls,  // sys_socket.go
}

// implemented lists the syscalls of the first areas, by name.
var implemented = map[string]impl{
	// Files (sys_file.go).
	"read":       full(sysRead),
	"write":      full(sysWrite),
	"readv":      full(sysReadv),
	"writev":     full(sysWritev),
	"pread64":    full(sysPread64),
	"pwrite64":   full(sysPwrite64),
	"open":       partial(sysOpen, "O_TMPFILE only on tmpfs and the root overlay (a --mount host directory: EOPNOTSUPP)"),
	"openat":     partial(sysOpenat, "O_TMPFILE only on tmpfs and the root overlay (a --mount host directory: EOPNOTSUPP)"),
	"close":      full(sysClose),
	"fstat":      full(sysFstat),
	"stat":       full(sysStat),
	"lstat":      full(sysLstat),
	"newfstatat": full(sysNewfstatat),
	"lseek":      full(sysLseek),
	"ioctl":      partial(sysIoctl, "pseudo-terminals (sys_tty.go): TCGETS/TCSETS[WF] and termios2, TCFLSH, TIOCGWINSZ/TIOCSWINSZ, TIOCSCTTY, TIOCNOTTY, TIOCGPGRP/TIOCSPGRP, TIOCGSID, TIOCGPTN, TIOCSPTLCK/TIOCGPTLCK, TIOCGPTPEER, TCSBRK, TCXONC, with SIGTTOU for a background group as tty_check_change; TCGETS and TIOCGWINSZ on the host terminal; FIONREAD, FIONBIO, FIOCLEX, FIONCLEX; everything else ENOTTY (no TIOCPKT, TIOCSTI, line disciplines other than N_TTY)"),
	"fcntl":      partial(sysFcntl, "F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, record and OFD locks, F_GETPIPE_SZ, F_SETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS"),
	"dup":        full(sysDup),
	"dup2":       full(sysDup2),
	"dup3":       full(sysDup3),
	"readlink":   full(sysReadlink),
	"readlinkat": full(sysReadlinkat),
	"getcwd":     full(sysGetcwd),
	"chdir":      full(sysChdir),
	"fchdir":     full(sysFchdir),
	"chroot":     full(sysChroot),
	"access":     full(sysAccess),
	"faccessat":  full(sysFaccessat),
	"faccessat2": full(sysFaccessat2),
	"statx":      partial(sysStatx, "basic stats; the birth time of tmpfs files; attributes as Linux's VFS and tmpfs report them; no STATX_MNT_ID or DIOALIGN, and no birth time or filesystem attributes of host files or memfds"),
	"sendfile":   full(sysSendfile),
	"pipe":       full(sysPipe),
	"pipe2":      partial(sysPipe2, "O_DIRECT (packet mode) is accepted but pipes stay byte streams"),
	"getdents":   full(sysGetdents),
	"getdents64": full(sysGetdents64),

	// Memory (sys_mm.go).
	"brk":      full(sysBrk),
	"mmap":     partial(sysMmap, "every file's mappings share one page cache, coherent with read/write through runos but not with programs changing host files outside it"),
	"munmap":   full(sysMunmap),
	"mprotect": full(sysMprotect),
	"mremap":   partial(sysMremap, "no MREMAP_DONTUNMAP"),
	"madvise":  partial(sysMadvise, "DONTNEED, DONTFORK, DOFORK, WIPEONFORK, KEEPONFORK; other advice is accepted and ignored"),

	// Threads and exit (sys_thread.go).
	"clone":           partial(sysClone, "no namespaces (CLONE_NEW*: EPERM), no pidfds; a thread must share files and fs (CLONE_FILES, CLONE_FS: EINVAL otherwise)"),
	"unshare":         partial(sysUnshare, "CLONE_FS and CLONE_FILES; CLONE_THREAD, CLONE_SIGHAND and CLONE_VM only when nothing is shared, as Linux; namespaces EPERM; CLONE_FS in a process with several threads EINVAL (its threads share one fs_struct)"),
	"clone3":          partial(sysClone3, "no CLONE_PIDFD, set_tid or cgroup"),
	"fork":            full(sysFork),
	"vfork":           full(sysVfork),
	"execve":          full(sysExecve),
	"execveat":        full(sysExecveat),
	"wait4":           partial(sysWait4, "rusage has CPU times and ru_maxrss only"),
	"waitid":          partial(sysWaitid, "rusage has CPU times and ru_maxrss only"),
	"getrusage":       partial(sysGetrusage, "CPU times and ru_maxrss; the other fields are zero"),
	"times":           full(sysTimes),
	"setpgid":         full(sysSetpgid),
	"getpgid":         full(sysGetpgid),
	"getpgrp":         full(sysGetpgrp),
	"setsid":          full(sysSetsid),
	"getsid":          full(sysGetsid),
	"exit":            full(sysExit),
	"exit_group":      full(sysExitGroup),
	"set_tid_address": full(sysSetTidAddress),
	"set_robust_list": full(sysSetRobustList),
	"get_robust_list": full(sysGetRobustList),
	"rseq":            noEquiv(sysMissing, "ENOSYS, as on a kernel without rseq; glibc falls back"),
	"futex":           partial(sysFutex, "all but WAIT_REQUEUE_PI and CMP_REQUEUE_PI (ENOSYS); PI futexes without priority boosting"),
	"arch_prctl":      full(sysArchPrctl),

	// Identity, time and system information (sys_info.go).
	"getpid":          full(sysGetpid),
	"gettid":          full(sysGettid),
	"getppid":         full(sysGetppid),
	"uname":           full(sysUname),
	"sethostname":     full(sysSethostname),
	"setdomainname":   full(sysSetdomainname),
	"getrandom":       full(sysGetrandom),
	"clock_gettime":   full(sysClockGettime),
	"clock_getres":    full(sysClockGetres),
	"gettimeofday":    full(sysGettimeofday),
	"time":            full(sysTime),
	"nanosleep":       partial(sysNanosleep, "a restart after a stop sleeps the whole time again"),
	"clock_nanosleep": partial(sysClockNanosleep, "a restart after a stop sleeps the whole time again"),
	"sched_yield":     full(sysSchedYield),
	"getcpu":          partial(sysGetcpu, "always CPU 0, node 0"),
	"sysinfo":         full(sysSysinfo),

	// Signals (sys_signal.go).
	"rt_sigaction":   full(sysRtSigaction),
	"rt_sigprocmask": full(sysRtSigprocmask),
	"rt_sigreturn":   full(sysRtSigreturn),
	"rt_sigpending":  full(sysRtSigpending),
	"rt_sigsuspend":  full(sysRtSigsuspend),
	"pause":          full(sysPause),
	"sigaltstack":    full(sysSigaltstack),
	"tgkill":         full(sysTgkill),
	"tkill":          full(sysTkill),
	"kill":           full(sysKill),

	// Readiness (sys_poll.go).
	"eventfd":       full(sysEventfd),
	"eventfd2":      full(sysEventfd2),
	"epoll_create":  full(sysEpollCreate),
	"epoll_create1": full(sysEpollCreate1),
	"epoll_ctl":     full(sysEpollCtl),
	"epoll_wait":    full(sysEpollWait),
	"epoll_pwait":   full(sysEpollPwait),
	"prctl":         partial(sysPrctl, "PR_SET_NAME, PR_GET_NAME, dumpable, no_new_privs, pdeathsig and subreaper are recorded"),

	// Refused: these would reach the host or the machine.
	"reboot":        refused(sysEPERM, "EPERM: a sandbox cannot reboot the host"),
	"kexec_load":    refused(sysEPERM, "EPERM: a sandbox cannot load a kernel"),
	"init_module":   refused(sysEPERM, "EPERM: no kernel modules in a sandbox"),
	"finit_module":  refused(sysEPERM, "EPERM: no kernel modules in a sandbox"),
	"delete_module": refused(sysEPERM, "EPERM: no kernel modules in a sandbox"),
	"ptrace":        refused(sysEPERM, "EPERM: tracing inside the sandbox is not supported"),
}

func buildTable() core.SyscallTable {
	maxNr := 0
	for nr := range syscallNames {
		maxNr = max(maxNr, nr)
	}
	tb := core.SyscallTable{
		Entries: make([]core.SyscallEntry, maxNr+1),
		Missing: sysMissing,
	}
	for nr, name := range syscallNames {
		e := core.SyscallEntry{Name: name, Support: core.NotYet, Note: "ENOSYS: not implemented yet"}
		for _, g := range callGroups {
			if im, ok := g[name]; ok {
				e.Handler, e.Support, e.Note = im.h, im.support, im.note
			}
		}
		tb.Entries[nr] = e
	}
	return tb
}
