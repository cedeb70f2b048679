package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/procfs"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"golang.org/x/sys/unix"
)

// procSource is fs/procfs's view of the kernel: the core's plain
// snapshots (kernel/core/procinfo.go) in procfs's types, with Linux's
// numbers for flags and resource limits. The kernel is made after the
// file namespace, so it is attached later (SetKernel).
type procSource struct {
	k atomic.Pointer[core.Kernel]
}

func (s *procSource) Caller() (pid, tid int) {
	k := s.k.Load()
	if k == nil {
		return 0, 0
	}
	t := k.CurrentTask()
	if t == nil {
		return 0, 0
	}
	return t.Group().PID(), t.TID()
}

func (s *procSource) PIDs() []int {
	if k := s.k.Load(); k != nil {
		return k.PIDs()
	}
	return nil
}

func (s *procSource) OpenFD(pid, fd int) (*fs.FileDescription, error) {
	k := s.k.Load()
	if k == nil {
		return nil, kerr.ENOENT
	}
	return k.FileOf(pid, fd)
}

// Linux's open(2) flag bits, for /proc/pid/fdinfo.
const (
	linuxOWronly   = 0o1
	linuxORdwr     = 0o2
	linuxOAppend   = 0o2000
	linuxONonblock = 0o4000
	linuxOCloexec  = 0o2000000
)

func (s *procSource) Process(pid int) (*procfs.Process, bool) {
	k := s.k.Load()
	if k == nil {
		return nil, false
	}
	pi, ok := k.ProcessInfo(pid)
	if !ok {
		return nil, false
	}
	c := pi.Creds
	p := &procfs.Process{
		PID: pi.PID, PPID: pi.PPID, PGID: pi.PGID, SID: pi.SID,
		Comm: pi.Comm, State: pi.State, Cwd: pi.Cwd, Root: pi.Root, Exe: pi.Exe,
		CwdDentry: pi.CwdDentry, RootDentry: pi.RootDentry, ExeDentry: pi.ExeDentry,
		UID:    [4]uint32{c.UID, c.EUID, c.SUID, c.FSUID},
		GID:    [4]uint32{c.GID, c.EGID, c.SGID, c.FSGID},
		Groups: c.Groups, Umask: pi.Umask, FDLimit: pi.FDLimit,
		UTime: pi.User, STime: pi.Sys, ExitSignal: int(pi.ExitSignal),
		ArgStart: pi.ArgEnv.ArgStart, ArgEnd: pi.ArgEnv.ArgEnd,
		EnvStart: pi.ArgEnv.EnvStart, EnvEnd: pi.ArgEnv.EnvEnd, Auxv: pi.ArgEnv.Auxv,
		Opaque: pi.Limits,
	}
	for _, t := range pi.Threads {
		p.Threads = append(p.Threads, procfs.Thread{TID: t.TID, Comm: t.Comm, State: t.State, UTime: t.User, STime: t.Sys})
	}
	for _, d := range pi.FDs {
		flags := 0
		switch {
		case d.Flags&fs.FlagRead != 0 && d.Flags&fs.FlagWrite != 0:
			flags = linuxORdwr
		case d.Flags&fs.FlagWrite != 0:
			flags = linuxOWronly
		}
		if d.Flags&fs.FlagAppend != 0 {
			flags |= linuxOAppend
		}
		if d.Flags&fs.FlagNonblock != 0 {
			flags |= linuxONonblock
		}
		if d.CloExec {
			flags |= linuxOCloexec
		}
		p.FDs = append(p.FDs, procfs.FD{Num: d.FD, Target: d.Path, Flags: flags, Pos: d.Pos, Writing: d.Flags&fs.FlagWrite != 0})
	}
	if m := pi.MM; m != nil {
		p.Maps = func() []procfs.Map {
			var out []procfs.Map
			for _, v := range m.Maps() {
				out = append(out, procfs.Map{Start: v.Start, End: v.End, Read: v.Perms.Read, Write: v.Perms.Write,
					Exec: v.Perms.Exec, Shared: v.Shared, Offset: v.Offset, Name: v.Name, Resident: v.Resident,
					GrowsDown: v.Name == "[stack]"})
			}
			return out
		}
		p.ReadMemory = func(addr uintptr, n int) []byte {
			b := make([]byte, n)
			got, _ := m.CopyIn(addr, b)
			return b[:got]
		}
	}
	return p, true
}

// linuxLimits are the rows of /proc/pid/limits, indexed by Linux's
// RLIMIT_* numbers (getrlimit(2)).
var linuxLimits = []struct{ name, unit string }{
	{"Max cpu time", "seconds"}, {"Max file size", "bytes"}, {"Max data size", "bytes"},
	{"Max stack size", "bytes"}, {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
	{"Max processes", "processes"}, {"Max open files", "files"}, {"Max locked memory", "bytes"},
	{"Max address space", "bytes"}, {"Max file locks", "locks"}, {"Max pending signals", "signals"},
	{"Max msgqueue size", "bytes"}, {"Max nice priority", ""}, {"Max realtime priority", ""},
	{"Max realtime timeout", "us"},
}

func procLimits(p *procfs.Process) []procfs.Limit {
	set, _ := p.Opaque.(map[int]core.Rlimit)
	out := make([]procfs.Limit, len(linuxLimits))
	for i, l := range linuxLimits {
		out[i] = procfs.Limit{Name: l.name, Unit: l.unit, Soft: procfs.RlimInfinity, Hard: procfs.RlimInfinity}
		if r, ok := set[i]; ok {
			out[i].Soft, out[i].Hard = r.Cur, r.Max
		}
	}
	return out
}

// procSystem is the sandbox-wide part of /proc: the host's CPU
// description and memory figures (they describe no process), the
// sandbox's hostname and mounts.
func procSystem(src *procSource, mounts []procfs.Mount) procfs.System {
	var uts unix.Utsname
	unix.Uname(&uts)
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	return procfs.System{
		Boot: bootTime(),
		Hostname: func() string {
			if k := src.k.Load(); k != nil {
				return k.Hostname()
			}
			return "runos"
		},
		Domainname: func() string {
			if k := src.k.Load(); k != nil {
				return k.Domainname()
			}
			return "(none)"
		},
		SetHostname: func(name string) {
			if k := src.k.Load(); k != nil {
				k.SetHostname(name)
			}
		},
		SetDomainname: func(name string) {
			if k := src.k.Load(); k != nil {
				k.SetDomainname(name)
			}
		},
		Release: unix.ByteSliceToString(uts.Release[:]),
		Version: unix.ByteSliceToString(uts.Version[:]),
		CPUInfo: cpuinfo,
		NumCPU:  runtime.NumCPU(),
		MemInfo: func() []byte {
			b, err := os.ReadFile("/proc/meminfo")
			if err != nil {
				return nil
			}
			return b
		},
		Mounts: func() []procfs.Mount { return mounts },
		Limits: procLimits,
	}
}

// sysFiles are the files of the minimal /sys that glibc, Go and Python
// read (sysfs-devices-system-cpu, and the transparent hugepage switch).
func sysFiles() map[string]string {
	cpus := "0"
	if n := runtime.NumCPU(); n > 1 {
		cpus = fmt.Sprintf("0-%d", n-1)
	}
	return map[string]string{
		"devices/system/cpu/online":              cpus + "\n",
		"devices/system/cpu/possible":            cpus + "\n",
		"kernel/mm/transparent_hugepage/enabled": "always [madvise] never\n",
	}
}
