package xv6

import "github.com/runos-project/runos/kernel/core"

// The system call numbers of xv6 (kernel/syscall.h). A lab that adds a
// call gives it the next number (22, 23, ...) here and one row in
// entries; see docs/personality-xv6.md.
const (
	nrFork   = 1
	nrExit   = 2
	nrWait   = 3
	nrPipe   = 4
	nrRead   = 5
	nrKill   = 6
	nrExec   = 7
	nrFstat  = 8
	nrChdir  = 9
	nrDup    = 10
	nrGetpid = 11
	nrSbrk   = 12
	nrSleep  = 13
	nrUptime = 14
	nrOpen   = 15
	nrWrite  = 16
	nrMknod  = 17
	nrUnlink = 18
	nrLink   = 19
	nrMkdir  = 20
	nrClose  = 21
)

// entries is the table as data: number -> name, handler, support, note.
// `runos syscalls --personality xv6` prints it.
func entries() []core.SyscallEntry {
	full := func(name string, h core.Handler) core.SyscallEntry {
		return core.SyscallEntry{Name: name, Handler: h, Support: core.Full}
	}
	return []core.SyscallEntry{
		nrFork:   full("fork", sysFork),
		nrExit:   full("exit", sysExit),
		nrWait:   full("wait", sysWait),
		nrPipe:   full("pipe", sysPipe),
		nrRead:   full("read", sysRead),
		nrKill:   full("kill", sysKill),
		nrExec:   full("exec", sysExec),
		nrFstat:  full("fstat", sysFstat),
		nrChdir:  full("chdir", sysChdir),
		nrDup:    full("dup", sysDup),
		nrGetpid: full("getpid", sysGetpid),
		nrSbrk:   full("sbrk", sysSbrk),
		nrSleep:  full("sleep", sysSleep),
		nrUptime: full("uptime", sysUptime),
		nrOpen:   full("open", sysOpen),
		nrWrite:  full("write", sysWrite),
		nrMknod: {Name: "mknod", Handler: sysMknod, Support: core.Partial,
			Note: "major 1 is the console (runos's stdin and stdout); other majors open with -1"},
		nrUnlink: full("unlink", sysUnlink),
		nrLink:   full("link", sysLink),
		nrMkdir:  full("mkdir", sysMkdir),
		nrClose:  full("close", sysClose),
	}
}
