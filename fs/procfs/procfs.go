// Package procfs is the sandbox's /proc (see proc(5)): a directory per
// process of the sandbox, with the sandbox's PIDs, /proc/self and
// /proc/thread-self resolved for the calling task, and the system-wide
// files glibc, Go, Python and the procps tools read. Nothing of the
// host's processes is visible: everything comes from a Source, which
// cmd/runos implements over the kernel's core.
//
// The files' formats are Linux's, because the programs that read them
// were written for Linux. Their content is made when a file is opened
// and served from that snapshot, as Linux's seq_file does for a read
// from offset 0.
//
// The package keeps no lock of its own: each inode reads the Source on
// every call, so a name cached by the VFS (a /proc/PID of a process that
// has since ended) answers ENOENT instead of stale data.
package procfs

import (
	"hash/fnv"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
)

// Source is what procfs reads the sandbox from.
type Source interface {
	// Caller is the process and thread making the current call; pid 0
	// if the caller is not a task of the sandbox.
	Caller() (pid, tid int)
	// PIDs lists the processes, ascending.
	PIDs() []int
	// Process describes process pid; false if there is none.
	Process(pid int) (*Process, bool)
	// OpenFD returns a new reference to the open file description
	// behind descriptor fd of process pid; the caller drops it.
	OpenFD(pid, fd int) (*fs.FileDescription, error)
}

// System is the sandbox-wide information.
type System struct {
	Boot     time.Time     // when the sandbox started (/proc/stat's btime, uptime)
	Hostname func() string // /proc/sys/kernel/hostname
	// Domainname is /proc/sys/kernel/domainname; SetHostname and
	// SetDomainname, when set, take what root writes to the two files.
	Domainname                 func() string
	SetHostname, SetDomainname func(string)
	Release                    string                 // uname's release (/proc/sys/kernel/osrelease)
	Version                    string                 // uname's version
	CPUInfo                    []byte                 // /proc/cpuinfo, the host's
	NumCPU                     int                    // CPUs the guest may use
	MemInfo                    func() []byte          // /proc/meminfo
	Mounts                     func() []Mount         // /proc/mounts and /proc/pid/mounts
	Limits                     func(*Process) []Limit // /proc/pid/limits, in the ABI's order
}

// Mount is one line of /proc/mounts.
type Mount struct {
	Source, Point, Type, Options string
}

// Limit is one line of /proc/pid/limits; RlimInfinity shows as
// "unlimited".
type Limit struct {
	Name, Unit string
	Soft, Hard uint64
}

// RlimInfinity is an unlimited resource limit.
const RlimInfinity = ^uint64(0)

// Process is one process at one moment.
type Process struct {
	PID, PPID, PGID, SID int
	Comm                 string
	State                byte // R, S, T or Z (proc(5), /proc/pid/stat field 3)
	Threads              []Thread
	Cwd, Exe             string
	Root                 string // the root directory (chroot(2)); "" is "/"
	// CwdDentry, RootDentry and ExeDentry are where /proc/pid/cwd, root
	// and exe jump to; nil makes the link an ordinary symlink to its path.
	CwdDentry, RootDentry, ExeDentry *vfs.Dentry
	UID, GID                         [4]uint32 // real, effective, saved, filesystem
	Groups                           []uint32
	Umask                            uint32
	FDs                              []FD
	FDLimit                          int
	UTime, STime                     time.Duration
	ExitSignal                       int
	// ArgStart..EnvEnd are where the argument and environment strings
	// lie in the process's memory.
	ArgStart, ArgEnd, EnvStart, EnvEnd uintptr

	// Auxv is the auxiliary vector exec gave the program, in the ABI's
	// binary layout (/proc/pid/auxv).
	Auxv []byte

	// Maps lists the memory mappings (nil for a zombie).
	Maps func() []Map
	// ReadMemory reads the process's memory, for cmdline and environ;
	// it returns what it could read.
	ReadMemory func(addr uintptr, n int) []byte
	// Opaque is the Source's own handle, for System.Limits.
	Opaque any
}

// Thread is one thread of a Process.
type Thread struct {
	TID          int
	Comm         string
	State        byte
	UTime, STime time.Duration
}

// FD is one open descriptor of a Process.
type FD struct {
	Num     int
	Target  string // what readlink shows: a path, or "pipe:[N]" and the like
	Flags   int    // open(2) flags, in the ABI's numbering (fdinfo's octal flags)
	Pos     int64
	Writing bool // opened for writing (the link's mode shows it)
}

// Map is one memory mapping (/proc/pid/maps).
type Map struct {
	Start, End                uintptr
	Read, Write, Exec, Shared bool
	Offset                    uint64
	Name                      string // a path, "[stack]", "[heap]", or ""
	GrowsDown                 bool   // a stack (smaps's VmFlags "gd")
	Resident                  int    // pages backed now
}

// FS is a procfs instance.
type FS struct {
	src  Source
	sys  System
	dev  uint64
	root *node

	mountRoot *vfs.Dentry
}

// New makes a procfs over src.
func New(src Source, sys System) *FS {
	f := &FS{src: src, sys: sys, dev: 0x16} // Linux's usual "0:22"-style anonymous device
	if f.sys.NumCPU <= 0 {
		f.sys.NumCPU = 1
	}
	f.root = f.rootDir()
	return f
}

// Root implements vfs.FileSystem.
func (f *FS) Root() vfs.Inode { return f.root }

// Name implements vfs.FileSystem.
func (f *FS) Name() string { return "proc" }

// SetMountRoot tells the procfs the dentry it is mounted at, which the
// magic links of /proc/pid/fd jump beside.
func (f *FS) SetMountRoot(d *vfs.Dentry) { f.mountRoot = d }

// inoOf numbers an inode by its path in the procfs, so that the same file
// keeps its number across lookups.
func inoOf(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	return h.Sum64()>>1 | 1
}
