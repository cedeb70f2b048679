package linux

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/runos-project/runos/kernel/core"
)

// What each syscall's arguments mean, for --strace: the data beside the
// table (table.go) that says, argument by argument, how strace(1) shows
// a call. An area that adds syscalls adds their rows to callArgs too.
// The value tables (xlat.go) name the flag bits and enum values.

// traceClass is a set of strace's syscall classes (-e trace=%file ...).
type traceClass uint8

const (
	clsFile    traceClass = 1 << iota // takes a file name
	clsDesc                           // takes or returns a file descriptor
	clsProcess                        // process lifetime
	clsMemory                         // memory mapping
	clsSignal                         // signal-related
	clsNetwork                        // sockets
	clsIPC                            // System V IPC
)

var classNames = map[string]traceClass{
	"%file": clsFile, "%desc": clsDesc, "%process": clsProcess, "%memory": clsMemory,
	"%signal": clsSignal, "%network": clsNetwork, "%net": clsNetwork, "%ipc": clsIPC,
}

// call is one syscall being rendered.
type call struct {
	t    *core.Task
	o    core.DecodeOptions
	nr   uintptr
	args core.SyscallArgs
	ret  uintptr
	err  error
}

// argFmt renders one argument; "" leaves it out (an argument the call
// ignores, such as open's mode without O_CREAT).
type argFmt func(c *call, v uintptr) string

// argSpec is one argument as shown: which register it comes from, and
// whether the call writes it (shown at exit) or reads it (at entry).
type argSpec struct {
	reg int
	f   argFmt
	out bool
}

// callSpec is one syscall's row: its arguments in the order strace shows
// them, how its result reads, and its classes.
type callSpec struct {
	args []argSpec
	ret  func(c *call) string // nil: a signed decimal
	cls  traceClass
	// noReturn marks exit and exit_group, whose result is always "?".
	noReturn bool
}

// in and out make the arguments of a row, in register order.
func in(f argFmt) argSpec  { return argSpec{reg: -1, f: f} }
func out(f argFmt) argSpec { return argSpec{reg: -1, f: f, out: true} }

// reg takes an argument from another register than its position says.
func reg(r int, a argSpec) argSpec { a.reg = r; return a }

func row(cls traceClass, args ...argSpec) callSpec {
	for i := range args {
		if args[i].reg < 0 {
			args[i].reg = i
		}
	}
	return callSpec{args: args, cls: cls}
}

func (s callSpec) returns(f func(c *call) string) callSpec { s.ret = f; return s }

func (s callSpec) neverReturns() callSpec { s.noReturn = true; return s }

// callArgs describes every implemented syscall and the common ones that
// are not yet. A call missing here is shown with six raw arguments.
var callArgs = map[string]callSpec{
	// Files and descriptors.
	"read":            row(clsDesc, in(fFD), out(fBufRet), in(fSize)),
	"write":           row(clsDesc, in(fFD), in(fBufArg(2)), in(fSize)),
	"pread64":         row(clsDesc, in(fFD), out(fBufRet), in(fSize), in(fLong)),
	"pwrite64":        row(clsDesc, in(fFD), in(fBufArg(2)), in(fSize), in(fLong)),
	"readv":           row(clsDesc, in(fFD), out(fIovec(true)), in(fInt)),
	"writev":          row(clsDesc, in(fFD), in(fIovec(false)), in(fInt)),
	"preadv":          row(clsDesc, in(fFD), out(fIovec(true)), in(fInt), in(fLong)),
	"pwritev":         row(clsDesc, in(fFD), in(fIovec(false)), in(fInt), in(fLong)),
	"open":            row(clsDesc|clsFile, in(fPath), in(fOpenFlags), in(fOpenMode(1))),
	"openat":          row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fOpenFlags), in(fOpenMode(2))),
	"creat":           row(clsDesc|clsFile, in(fPath), in(fMode)),
	"close":           row(clsDesc, in(fFD)),
	"fstat":           row(clsDesc, in(fFD), out(fStat)),
	"stat":            row(clsFile, in(fPath), out(fStat)),
	"lstat":           row(clsFile, in(fPath), out(fStat)),
	"newfstatat":      row(clsDesc|clsFile, in(fDirFD), in(fPath), out(fStat), in(fXlat(xAtFlags, "0"))),
	"statx":           row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fXlat(xAtFlags, "AT_STATX_SYNC_AS_STAT")), in(fXlat(xStatxMask, "0")), out(fStatx)),
	"lseek":           row(clsDesc, in(fFD), in(fLong), in(fEnum(xWhence, "SEEK_"))),
	"ioctl":           row(clsDesc, in(fFD), in(fEnum(xIoctl, "_IOC_")), out(fIoctlArg)),
	"fcntl":           row(clsDesc, in(fFD), in(fEnum(xFcntl, "F_")), in(fFcntlArg)).returns(rFcntl),
	"dup":             row(clsDesc, in(fFD)),
	"dup2":            row(clsDesc, in(fFD), in(fFD)),
	"dup3":            row(clsDesc, in(fFD), in(fFD), in(fXlat(xOpenBits, "0"))),
	"readlink":        row(clsFile, in(fPath), out(fStrRet), in(fSize)),
	"readlinkat":      row(clsDesc|clsFile, in(fDirFD), in(fPath), out(fStrRet), in(fSize)),
	"getcwd":          row(clsFile, out(fCwd), in(fSize)),
	"chdir":           row(clsFile, in(fPath)),
	"fchdir":          row(clsDesc, in(fFD)),
	"access":          row(clsFile, in(fPath), in(fXlat(xAccess, "F_OK"))),
	"faccessat":       row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fXlat(xAccess, "F_OK"))),
	"faccessat2":      row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fXlat(xAccess, "F_OK")), in(fXlat(xAtFlags, "0"))),
	"getxattr":        row(clsFile, in(fPath), in(fStr), out(fBufRet), in(fSize)),
	"lgetxattr":       row(clsFile, in(fPath), in(fStr), out(fBufRet), in(fSize)),
	"fgetxattr":       row(clsDesc, in(fFD), in(fStr), out(fBufRet), in(fSize)),
	"listxattr":       row(clsFile, in(fPath), out(fBufRet), in(fSize)),
	"llistxattr":      row(clsFile, in(fPath), out(fBufRet), in(fSize)),
	"flistxattr":      row(clsDesc, in(fFD), out(fBufRet), in(fSize)),
	"setxattr":        row(clsFile, in(fPath), in(fStr), in(fBufArg(3)), in(fSize), in(fHex)),
	"lsetxattr":       row(clsFile, in(fPath), in(fStr), in(fBufArg(3)), in(fSize), in(fHex)),
	"fsetxattr":       row(clsDesc, in(fFD), in(fStr), in(fBufArg(3)), in(fSize), in(fHex)),
	"removexattr":     row(clsFile, in(fPath), in(fStr)),
	"lremovexattr":    row(clsFile, in(fPath), in(fStr)),
	"fremovexattr":    row(clsDesc, in(fFD), in(fStr)),
	"fadvise64":       row(clsDesc, in(fFD), in(fLong), in(fLong), in(fInt)),
	"readahead":       row(clsDesc, in(fFD), in(fLong), in(fSize)),
	"futimesat":       row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fPtr)),
	"openat2":         row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fPtr), in(fSize)),
	"close_range":     row(clsDesc, in(fUint), in(fUint), in(fHex)),
	"sendfile":        row(clsDesc|clsNetwork, in(fFD), in(fFD), in(fPtr), in(fSize)),
	"pipe":            row(clsDesc, out(fFDPair)),
	"pipe2":           row(clsDesc, out(fFDPair), in(fXlat(xOpenBits, "0"))),
	"getdents":        row(clsDesc, in(fFD), out(fDirents), in(fUint)),
	"getdents64":      row(clsDesc, in(fFD), out(fDirents), in(fUint)),
	"mkdir":           row(clsFile, in(fPath), in(fMode)),
	"mkdirat":         row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fMode)),
	"rmdir":           row(clsFile, in(fPath)),
	"unlink":          row(clsFile, in(fPath)),
	"unlinkat":        row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fXlat(xAtFlags, "0"))),
	"rename":          row(clsFile, in(fPath), in(fPath)),
	"renameat":        row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fDirFD), in(fPath)),
	"renameat2":       row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fDirFD), in(fPath), in(fHex)),
	"link":            row(clsFile, in(fPath), in(fPath)),
	"symlink":         row(clsFile, in(fPath), in(fPath)),
	"chmod":           row(clsFile, in(fPath), in(fMode)),
	"fchmod":          row(clsDesc, in(fFD), in(fMode)),
	"chown":           row(clsFile, in(fPath), in(fInt), in(fInt)),
	"fchown":          row(clsDesc, in(fFD), in(fInt), in(fInt)),
	"truncate":        row(clsFile, in(fPath), in(fLong)),
	"ftruncate":       row(clsDesc, in(fFD), in(fLong)),
	"fsync":           row(clsDesc, in(fFD)),
	"fdatasync":       row(clsDesc, in(fFD)),
	"flock":           row(clsDesc, in(fFD), in(fInt)),
	"umask":           row(0, in(fMode)).returns(rOctal),
	"statfs":          row(clsFile, in(fPath), out(fPtr)),
	"fstatfs":         row(clsDesc, in(fFD), out(fPtr)),
	"chroot":          row(clsFile, in(fPath)),
	"linkat":          row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fDirFD), in(fPath), in(fXlat(xAtFlags, "0"))),
	"symlinkat":       row(clsDesc|clsFile, in(fPath), in(fDirFD), in(fPath)),
	"fchmodat":        row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fMode)),
	"fchmodat2":       row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fMode), in(fXlat(xAtFlags, "0"))),
	"fchownat":        row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fInt), in(fInt), in(fXlat(xAtFlags, "0"))),
	"lchown":          row(clsFile, in(fPath), in(fInt), in(fInt)),
	"mknod":           row(clsFile, in(fPath), in(fModeType), in(fDev(1))),
	"mknodat":         row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fModeType), in(fDev(2))),
	"utimensat":       row(clsDesc|clsFile, in(fDirFD), in(fPath), in(fUtimens), in(fXlat(xAtFlags, "0"))),
	"utimes":          row(clsFile, in(fPath), in(fPtr)),
	"utime":           row(clsFile, in(fPath), in(fPtr)),
	"fallocate":       row(clsDesc, in(fFD), in(fHex), in(fLong), in(fLong)),
	"sync":            row(0),
	"syncfs":          row(clsDesc, in(fFD)),
	"memfd_create":    row(clsDesc, in(fStr), in(fHex)),
	"splice":          row(clsDesc, in(fFD), in(fPtr), in(fFD), in(fPtr), in(fSize), in(fHex)),
	"tee":             row(clsDesc, in(fFD), in(fFD), in(fSize), in(fHex)),
	"preadv2":         row(clsDesc, in(fFD), out(fIovec(true)), in(fInt), in(fLong), in(fLong), in(fHex)),
	"pwritev2":        row(clsDesc, in(fFD), in(fIovec(false)), in(fInt), in(fLong), in(fLong), in(fHex)),
	"timerfd_create":  row(clsDesc, in(fInt), in(fXlat(xOpenBits, "0"))),
	"timerfd_settime": row(clsDesc, in(fFD), in(fHex), in(fItimerspec), out(fItimerspec)),
	"timerfd_gettime": row(clsDesc, in(fFD), out(fItimerspec)),
	"signalfd":        row(clsDesc|clsSignal, in(fFD), in(fSigset), in(fSize)),
	"signalfd4":       row(clsDesc|clsSignal, in(fFD), in(fSigset), in(fSize), in(fXlat(xOpenBits, "0"))),
	"copy_file_range": row(clsDesc, in(fFD), in(fPtr), in(fFD), in(fPtr), in(fSize), in(fHex)),
	"mount":           row(clsFile, in(fStr), in(fPath), in(fStr), in(fHex), in(fPtr)),
	"umount2":         row(clsFile, in(fPath), in(fHex)),

	// Readiness.
	"poll":          row(clsDesc, in(fPollfds), in(fUint), in(fInt)).returns(rPoll),
	"ppoll":         row(clsDesc, in(fPollfds), in(fUint), in(fTimespec), in(fSigset), in(fSize)).returns(rPoll),
	"select":        row(clsDesc, in(fInt), in(fPtr), in(fPtr), in(fPtr), in(fPtr)),
	"pselect6":      row(clsDesc, in(fInt), in(fPtr), in(fPtr), in(fPtr), in(fTimespec), in(fPtr)),
	"eventfd":       row(clsDesc, in(fUint)),
	"eventfd2":      row(clsDesc, in(fUint), in(fXlat(xEventfdFlags, "0"))),
	"epoll_create":  row(clsDesc, in(fInt)),
	"epoll_create1": row(clsDesc, in(fXlat(xOpenBits, "0"))),
	"epoll_ctl":     row(clsDesc, in(fFD), in(fEnum(xEpollCtl, "EPOLL_CTL_")), in(fFD), in(fEpollEvent)),
	"epoll_wait":    row(clsDesc, in(fFD), out(fEpollEvents), in(fInt), in(fInt)),
	"epoll_pwait":   row(clsDesc, in(fFD), out(fEpollEvents), in(fInt), in(fInt), in(fSigset), in(fSize)),
	"epoll_pwait2":  row(clsDesc, in(fFD), out(fEpollEvents), in(fInt), in(fTimespec), in(fSigset), in(fSize)),

	// inotify (sys_inotify.go).
	"inotify_init":      row(clsDesc),
	"inotify_init1":     row(clsDesc, in(fXlat(xOpenBits, "0"))),
	"inotify_add_watch": row(clsDesc|clsFile, in(fFD), in(fPath), in(fXlat(xInotifyMask, "0"))),
	"inotify_rm_watch":  row(clsDesc, in(fFD), in(fInt)),

	// Memory.
	"brk":      row(clsMemory, in(fPtr)).returns(rHex),
	"mmap":     row(clsMemory|clsDesc, in(fPtr), in(fSize), in(fXlat(xProt, "PROT_NONE")), in(fMapFlags), in(fFD), in(fHex)).returns(rHex),
	"munmap":   row(clsMemory, in(fPtr), in(fSize)),
	"mprotect": row(clsMemory, in(fPtr), in(fSize), in(fXlat(xProt, "PROT_NONE"))),
	"mremap":   row(clsMemory, in(fPtr), in(fSize), in(fSize), in(fXlat(xMremap, "0")), in(fMremapNew)).returns(rHex),
	"madvise":  row(clsMemory, in(fPtr), in(fSize), in(fEnum(xMadvise, "MADV_"))),
	"mlock":    row(clsMemory, in(fPtr), in(fSize)),
	"munlock":  row(clsMemory, in(fPtr), in(fSize)),
	"msync":    row(clsMemory, in(fPtr), in(fSize), in(fHex)),
	"mincore":  row(clsMemory, in(fPtr), in(fSize), out(fPtr)),

	// Processes and threads.
	"clone":             row(clsProcess, reg(1, in(fCloneStack)), reg(0, in(fCloneFlags)), reg(2, out(fCloneParentTid)), reg(3, out(fCloneChildTid)), reg(4, out(fCloneTLS))),
	"clone3":            row(clsProcess, out(fCloneArgs), in(fSize)),
	"fork":              row(clsProcess),
	"vfork":             row(clsProcess),
	"execve":            row(clsFile|clsProcess, in(fPath), in(fArgv), in(fEnvp)),
	"execveat":          row(clsDesc|clsFile|clsProcess, in(fDirFD), in(fPath), in(fArgv), in(fEnvp), in(fXlat(xAtFlags, "0"))),
	"exit":              row(clsProcess, in(fInt)).neverReturns(),
	"exit_group":        row(clsProcess, in(fInt)).neverReturns(),
	"wait4":             row(clsProcess, in(fInt), out(fWaitStatus), in(fXlat(xWaitOptions, "0")), out(fRusage)),
	"waitid":            row(clsProcess, in(fEnum(xIdtype, "P_")), in(fInt), out(fSiginfo), in(fXlat(xWaitOptions, "0")), out(fRusage)),
	"getrusage":         row(0, in(fEnum(xRusageWho, "RUSAGE_")), out(fRusage)),
	"times":             row(0, out(fTms)),
	"setpgid":           row(0, in(fInt), in(fInt)),
	"getpgid":           row(0, in(fInt)),
	"getpgrp":           row(0),
	"setsid":            row(0),
	"getsid":            row(0, in(fInt)),
	"set_tid_address":   row(0, in(fPtr)),
	"set_robust_list":   row(0, in(fPtr), in(fSize)),
	"get_robust_list":   row(0, in(fInt), out(fPtrPtr), out(fSizePtr)),
	"rseq":              row(0, in(fPtr), in(fHex), in(fHex), in(fHex)),
	"futex":             row(0, in(fPtr), in(fFutexOp), in(fFutexVal), in(fFutexTimeout), in(fFutexUaddr2), in(fFutexVal3)),
	"arch_prctl":        row(0, in(fEnum(xArchPrctl, "ARCH_")), in(fHex)),
	"prctl":             row(0, in(fEnum(xPrctl, "PR_")), in(fPrctlArg)),
	"unshare":           row(0, in(fXlat(xCloneFlags, "0"))),
	"pidfd_open":        row(clsDesc|clsProcess, in(fInt), in(fXlat(xOpenBits, "0"))),
	"pidfd_send_signal": row(clsDesc|clsSignal|clsProcess, in(fFD), in(fSignal), in(fPtr), in(fHex)),
	"ptrace":            row(0, in(fLong), in(fInt), in(fPtr), in(fPtr)),
	"reboot":            row(0, in(fHex), in(fHex), in(fHex), in(fPtr)),
	"kexec_load":        row(0, in(fPtr), in(fSize), in(fPtr), in(fHex)),
	"init_module":       row(0, in(fPtr), in(fSize), in(fStr)),
	"finit_module":      row(clsDesc, in(fFD), in(fStr), in(fHex)),
	"delete_module":     row(0, in(fStr), in(fHex)),

	// Credentials.
	"setuid":    row(0, in(fInt)),
	"setgid":    row(0, in(fInt)),
	"setreuid":  row(0, in(fInt), in(fInt)),
	"setregid":  row(0, in(fInt), in(fInt)),
	"setresuid": row(0, in(fInt), in(fInt), in(fInt)),
	"setresgid": row(0, in(fInt), in(fInt), in(fInt)),
	"getresuid": row(0, out(fUintPtr), out(fUintPtr), out(fUintPtr)),
	"getresgid": row(0, out(fUintPtr), out(fUintPtr), out(fUintPtr)),
	"setfsuid":  row(0, in(fInt)),
	"setfsgid":  row(0, in(fInt)),
	"getgroups": row(0, in(fInt), out(fGroups)),
	"setgroups": row(0, in(fInt), in(fGroups)),

	// Scheduling.
	"sched_getparam":         row(0, in(fInt), out(fSchedParam)),
	"sched_setparam":         row(0, in(fInt), in(fSchedParam)),
	"sched_getscheduler":     row(0, in(fInt)).returns(rSchedPolicy),
	"sched_setscheduler":     row(0, in(fInt), in(fEnum(xSchedPolicy, "SCHED_")), in(fSchedParam)),
	"sched_get_priority_max": row(0, in(fEnum(xSchedPolicy, "SCHED_"))),
	"sched_get_priority_min": row(0, in(fEnum(xSchedPolicy, "SCHED_"))),
	"sched_rr_get_interval":  row(0, in(fInt), out(fTimespec)),
	"sched_setaffinity":      row(0, in(fInt), in(fSize), in(fCPUSetArg)),
	"getpriority":            row(0, in(fEnum(xPrioWhich, "PRIO_")), in(fInt)),
	"setpriority":            row(0, in(fEnum(xPrioWhich, "PRIO_")), in(fInt), in(fInt)),

	// Timers.
	"alarm":            row(0, in(fUint)),
	"getitimer":        row(0, in(fEnum(xItimers, "ITIMER_")), out(fItimerval)),
	"setitimer":        row(0, in(fEnum(xItimers, "ITIMER_")), in(fItimerval), out(fItimerval)),
	"timer_create":     row(0, in(fEnum(xClocks, "CLOCK_")), in(fPtr), out(fTimerID)),
	"timer_settime":    row(0, in(fInt), in(fXlat(xTimerFlags, "0")), in(fItimerspec), out(fItimerspec)),
	"timer_gettime":    row(0, in(fInt), out(fItimerspec)),
	"timer_getoverrun": row(0, in(fInt)),
	"timer_delete":     row(0, in(fInt)),

	// Identity, time and system information.
	"getpid":            row(0),
	"gettid":            row(0),
	"getppid":           row(0),
	"getuid":            row(0),
	"geteuid":           row(0),
	"getgid":            row(0),
	"getegid":           row(0),
	"uname":             row(0, out(fUtsname)),
	"sethostname":       row(0, in(fUTSName), in(fSize)),
	"setdomainname":     row(0, in(fUTSName), in(fSize)),
	"getrandom":         row(0, out(fRandom), in(fSize), in(fXlat(xGrnd, "0"))),
	"clock_gettime":     row(0, in(fEnum(xClocks, "CLOCK_")), out(fTimespec)),
	"clock_getres":      row(0, in(fEnum(xClocks, "CLOCK_")), out(fTimespec)),
	"gettimeofday":      row(0, out(fTimeval), out(fPtr)),
	"time":              row(0, out(fTimePtr)),
	"nanosleep":         row(0, in(fTimespec), out(fPtr)),
	"clock_nanosleep":   row(0, in(fEnum(xClocks, "CLOCK_")), in(fXlat(xTimerFlags, "0")), in(fTimespec), out(fPtr)),
	"sched_yield":       row(0),
	"sched_getaffinity": row(0, in(fInt), in(fSize), out(fCPUSet)),
	"getcpu":            row(0, out(fUintPtr), out(fUintPtr), in(fPtr)),
	"prlimit64":         row(0, in(fInt), in(fEnum(xRlimits, "RLIMIT_")), in(fRlimit64), out(fRlimit64)),
	"getrlimit":         row(0, in(fEnum(xRlimits, "RLIMIT_")), out(fRlimit)),
	"setrlimit":         row(0, in(fEnum(xRlimits, "RLIMIT_")), in(fRlimit)),
	"sysinfo":           row(0, out(fSysinfo)),

	// Signals.
	"rt_sigaction":      row(clsSignal, in(fSignal), in(fSigaction), out(fSigaction), in(fSize)),
	"rt_sigprocmask":    row(clsSignal, in(fEnum(xSigHow, "SIG_")), in(fSigset), out(fSigset), in(fSize)),
	"rt_sigreturn":      row(clsSignal, in(fSigreturnMask)),
	"rt_sigpending":     row(clsSignal, out(fSigset), in(fSize)),
	"rt_sigsuspend":     row(clsSignal, in(fSigset), in(fSize)),
	"rt_sigtimedwait":   row(clsSignal, in(fSigset), out(fSiginfo), in(fTimespec), in(fSize)).returns(rSignal),
	"rt_sigqueueinfo":   row(clsSignal|clsProcess, in(fInt), in(fSignal), in(fSiginfo)),
	"rt_tgsigqueueinfo": row(clsSignal|clsProcess, in(fInt), in(fInt), in(fSignal), in(fSiginfo)),
	"pause":             row(clsSignal),
	"sigaltstack":       row(clsSignal, in(fStack), out(fStack)),
	"tgkill":            row(clsSignal|clsProcess, in(fInt), in(fInt), in(fSignal)),
	"tkill":             row(clsSignal|clsProcess, in(fInt), in(fSignal)),
	"kill":              row(clsSignal|clsProcess, in(fInt), in(fSignal)),

	// Networking and IPC, not implemented yet: names and classes, so that
	// -e trace=%network shows the attempts.
	"socket":      row(clsNetwork|clsDesc, in(fEnum(xAddrFamily, "AF_")), in(fHex), in(fInt)),
	"socketpair":  row(clsNetwork|clsDesc, in(fEnum(xAddrFamily, "AF_")), in(fHex), in(fInt), out(fFDPair)),
	"connect":     row(clsNetwork|clsDesc, in(fFD), in(fPtr), in(fInt)),
	"bind":        row(clsNetwork|clsDesc, in(fFD), in(fPtr), in(fInt)),
	"listen":      row(clsNetwork|clsDesc, in(fFD), in(fInt)),
	"accept":      row(clsNetwork|clsDesc, in(fFD), in(fPtr), in(fPtr)),
	"accept4":     row(clsNetwork|clsDesc, in(fFD), in(fPtr), in(fPtr), in(fXlat(xOpenBits, "0"))),
	"sendto":      row(clsNetwork|clsDesc, in(fFD), in(fBufArg(2)), in(fSize), in(fHex), in(fPtr), in(fInt)),
	"recvfrom":    row(clsNetwork|clsDesc, in(fFD), out(fBufRet), in(fSize), in(fHex), out(fPtr), out(fPtr)),
	"sendmsg":     row(clsNetwork|clsDesc, in(fFD), in(fPtr), in(fHex)),
	"recvmsg":     row(clsNetwork|clsDesc, in(fFD), out(fPtr), in(fHex)),
	"shutdown":    row(clsNetwork|clsDesc, in(fFD), in(fInt)),
	"getsockname": row(clsNetwork|clsDesc, in(fFD), out(fPtr), out(fPtr)),
	"getpeername": row(clsNetwork|clsDesc, in(fFD), out(fPtr), out(fPtr)),
	"setsockopt":  row(clsNetwork|clsDesc, in(fFD), in(fInt), in(fInt), in(fPtr), in(fInt)),
	"getsockopt":  row(clsNetwork|clsDesc, in(fFD), in(fInt), in(fInt), out(fPtr), out(fPtr)),
	"shmget":      row(clsIPC, in(fInt), in(fSize), in(fHex)),
	"shmat":       row(clsIPC|clsMemory, in(fInt), in(fPtr), in(fHex)).returns(rHex),
	"shmdt":       row(clsIPC|clsMemory, in(fPtr)),
	"shmctl":      row(clsIPC, in(fInt), in(fInt), in(fPtr)),
	"semget":      row(clsIPC, in(fInt), in(fInt), in(fHex)),
	"semop":       row(clsIPC, in(fInt), in(fPtr), in(fUint)),
	"semctl":      row(clsIPC, in(fInt), in(fInt), in(fInt), in(fHex)),
	"msgget":      row(clsIPC, in(fInt), in(fHex)),
	"msgsnd":      row(clsIPC, in(fInt), in(fPtr), in(fSize), in(fHex)),
	"msgrcv":      row(clsIPC, in(fInt), out(fPtr), in(fSize), in(fLong), in(fHex)),
	"msgctl":      row(clsIPC, in(fInt), in(fInt), in(fPtr)),
}

// The decoder itself: core.SyscallDecoder for Linux.

type decoder struct {
	names []string    // by number
	specs []*callSpec // by number; nil: raw
	o     core.DecodeOptions
}

// Decoder implements core.Decodable.
func (l *Linux) Decoder(o core.DecodeOptions) core.SyscallDecoder {
	d := &decoder{o: o}
	d.names = make([]string, len(l.table.Entries))
	d.specs = make([]*callSpec, len(l.table.Entries))
	for nr, e := range l.table.Entries {
		d.names[nr] = e.Name
		if s, ok := callArgs[e.Name]; ok {
			d.specs[nr] = &s
		}
	}
	return d
}

func (d *decoder) Name(nr uintptr) string {
	if nr < uintptr(len(d.names)) {
		return d.names[nr]
	}
	return ""
}

func (d *decoder) spec(nr uintptr) *callSpec {
	if nr < uintptr(len(d.specs)) {
		return d.specs[nr]
	}
	return nil
}

func (d *decoder) InClass(nr uintptr, class string) bool {
	s := d.spec(nr)
	return s != nil && s.cls&classNames[class] != 0
}

// Enter renders the name and the input arguments up to the first output
// argument; the rest waits for Exit.
func (d *decoder) Enter(t *core.Task, nr uintptr, args core.SyscallArgs) string {
	c := &call{t: t, o: d.o, nr: nr, args: args}
	var b strings.Builder
	name := d.Name(nr)
	if name == "" {
		name = fmt.Sprintf("syscall_%#x", nr)
	}
	b.WriteString(name)
	b.WriteByte('(')
	s := d.spec(nr)
	if s == nil {
		for i, a := range args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(hexC(uint64(a)))
		}
		return b.String()
	}
	n := 0
	for _, a := range s.args {
		if a.out {
			if n > 0 {
				b.WriteString(", ")
			}
			break
		}
		if v := a.f(c, args[a.reg]); v != "" {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v)
			n++
		}
	}
	return b.String()
}

// Exit renders the arguments from the first output one on, and the
// result. A task killed in the call never returns from it: "= ?".
func (d *decoder) Exit(t *core.Task, nr uintptr, args core.SyscallArgs, ret uintptr, err error) (string, string) {
	s := d.spec(nr)
	if t.Killed() {
		if s != nil && s.noReturn {
			return ")", "?"
		}
		return " <unfinished ...>)", "?"
	}
	c := &call{t: t, o: d.o, nr: nr, args: args, ret: ret, err: err}
	var b strings.Builder
	if s != nil {
		started, n := false, 0
		for _, a := range s.args {
			if a.out {
				started = true
			}
			if !started {
				continue
			}
			var v string
			if a.out && err != nil {
				v = ptrString(args[a.reg]) // nothing was written
			} else {
				v = a.f(c, args[a.reg])
			}
			if v != "" {
				if n > 0 {
					b.WriteString(", ")
				}
				b.WriteString(v)
				n++
			}
		}
	}
	b.WriteByte(')')
	switch {
	case err != nil:
		return b.String(), errorResult(err)
	case s != nil && s.ret != nil:
		return b.String(), s.ret(c)
	}
	return b.String(), strconv.FormatInt(int64(ret), 10)
}

// Exec renders the execve that started the first program. envp is where
// the environment pointers sit on the new stack: after argc, argv and
// argv's NULL.
func (d *decoder) Exec(t *core.Task, path string, argv, envv []string) string {
	envp := uintptr(t.State.Regs.Rsp) + uintptr(8*(len(argv)+2))
	return fmt.Sprintf("execve(%s, %s, %#x /* %d vars */", quoteBytes([]byte(path), false, false),
		d.stringArray(argv), envp, len(envv))
}

func (d *decoder) stringArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		if i >= d.o.StringLimit {
			b.WriteString("...")
			break
		}
		cut, more := cutBytes([]byte(s), d.o.StringLimit)
		b.WriteString(quoteBytes(cut, more, false))
	}
	b.WriteByte(']')
	return b.String()
}

func (d *decoder) Signal(info *core.SigInfo) string {
	return signalName(int(info.Signo)) + " " + siginfoString(info)
}

func (d *decoder) SignalName(s core.Signal) string { return signalName(int(s)) }

// hexC is C's %#lx: 0 without a prefix.
func hexC(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// Result renderers.

func rHex(c *call) string   { return hexC(uint64(c.ret)) }
func rOctal(c *call) string { return fmt.Sprintf("%#03o", c.ret) }
