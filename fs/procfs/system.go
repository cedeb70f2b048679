package procfs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// clockTicks is USER_HZ, the unit of the times in /proc/stat and
// /proc/pid/stat (sysconf(_SC_CLK_TCK) is 100 on x86-64).
const clockTicks = 100

func ticks(d time.Duration) int64 { return int64(d / (time.Second / clockTicks)) }

// rootDir is /proc: the system files, self and thread-self, and a
// directory per process.
func (f *FS) rootDir() *node {
	static := []entry{
		f.fileEntry("", "cpuinfo", 0, 0, 0o444, func() ([]byte, error) { return f.sys.CPUInfo, nil }),
		f.fileEntry("", "meminfo", 0, 0, 0o444, f.meminfo),
		f.fileEntry("", "stat", 0, 0, 0o444, f.stat),
		f.fileEntry("", "uptime", 0, 0, 0o444, f.uptime),
		f.fileEntry("", "loadavg", 0, 0, 0o444, f.loadavg),
		f.fileEntry("", "version", 0, 0, 0o444, func() ([]byte, error) {
			return []byte(fmt.Sprintf("Linux version %s (runos@runos) (runos) %s\n", f.sys.Release, f.sys.Version)), nil
		}),
		f.fileEntry("", "filesystems", 0, 0, 0o444, text(filesystems)),
		f.linkEntry("", "mounts", 0, 0, func() (string, error) { return "self/mounts", nil }),
		f.linkEntry("", "self", 0, 0, f.self),
		f.linkEntry("", "thread-self", 0, 0, f.threadSelf),
		f.dirEntry("", "sys", 0, 0, f.sysDir),
	}
	return f.dir("", 0, 0, func() []entry {
		ents := append([]entry(nil), static...)
		for _, pid := range f.src.PIDs() {
			ents = append(ents, f.pidEntry("", pid, 0))
		}
		return ents
	})
}

// self is /proc/self: the caller's PID, as a relative link (proc(5)).
func (f *FS) self() (string, error) {
	pid, _ := f.src.Caller()
	if pid == 0 {
		return "", kerr.ENOENT
	}
	return strconv.Itoa(pid), nil
}

// threadSelf is /proc/thread-self: PID/task/TID of the caller.
func (f *FS) threadSelf() (string, error) {
	pid, tid := f.src.Caller()
	if pid == 0 {
		return "", kerr.ENOENT
	}
	return fmt.Sprintf("%d/task/%d", pid, tid), nil
}

// filesystems are the types the sandbox knows, as /proc/filesystems
// lists them ("nodev" for those without a block device).
const filesystems = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\toverlay\nnodev\tpipefs\n"

func (f *FS) meminfo() ([]byte, error) {
	if f.sys.MemInfo == nil {
		return nil, nil
	}
	return f.sys.MemInfo(), nil
}

// busy sums the CPU time of every process of the sandbox.
func (f *FS) busy() (user, sys time.Duration, running, total, last int) {
	for _, pid := range f.src.PIDs() {
		p, ok := f.src.Process(pid)
		if !ok {
			continue
		}
		user += p.UTime
		sys += p.STime
		total += len(p.Threads)
		for _, t := range p.Threads {
			if t.State == 'R' {
				running++
			}
		}
		last = pid
	}
	return
}

// idle is the CPU time not used by the sandbox since it started.
func (f *FS) idle(up, used time.Duration) time.Duration {
	idle := up*time.Duration(f.sys.NumCPU) - used
	if idle < 0 {
		idle = 0
	}
	return idle
}

// uptime is /proc/uptime: seconds up and seconds idle (summed over CPUs).
func (f *FS) uptime() ([]byte, error) {
	up := time.Since(f.sys.Boot)
	u, s, _, _, _ := f.busy()
	idle := f.idle(up, u+s)
	return []byte(fmt.Sprintf("%.2f %.2f\n", up.Seconds(), idle.Seconds())), nil
}

// loadavg is /proc/loadavg; the sandbox keeps no load average, so the
// averages are zero and only the counts are real.
func (f *FS) loadavg() ([]byte, error) {
	_, _, running, total, last := f.busy()
	return []byte(fmt.Sprintf("0.00 0.00 0.00 %d/%d %d\n", running, total, last)), nil
}

// stat is /proc/stat: the sandbox's CPU time spread evenly over its CPUs.
func (f *FS) stat() ([]byte, error) {
	up := time.Since(f.sys.Boot)
	u, s, running, total, _ := f.busy()
	idle := f.idle(up, u+s)
	var b strings.Builder
	line := func(name string, div int64) {
		fmt.Fprintf(&b, "%s %d 0 %d %d 0 0 0 0 0 0\n", name, ticks(u)/div, ticks(s)/div, ticks(idle)/div)
	}
	line("cpu ", 1)
	for i := 0; i < f.sys.NumCPU; i++ {
		line("cpu"+strconv.Itoa(i), int64(f.sys.NumCPU))
	}
	fmt.Fprintf(&b, "intr 0\nctxt 0\nbtime %d\nprocesses %d\nprocs_running %d\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		f.sys.Boot.Unix(), total, running)
	return []byte(b.String()), nil
}

// sysDir is /proc/sys, with the few sysctls runtimes read (see
// proc_sys_kernel(5), proc_sys_vm(5), proc_sys_fs(5)).
func (f *FS) sysDir() []entry {
	kernel := []entry{
		f.utsEntry("hostname", f.sys.Hostname, f.sys.SetHostname),
		f.utsEntry("domainname", f.sys.Domainname, f.sys.SetDomainname),
		f.fileEntry("/sys/kernel", "ostype", 0, 0, 0o444, text("Linux\n")),
		f.fileEntry("/sys/kernel", "osrelease", 0, 0, 0o444, text(f.sys.Release+"\n")),
		f.fileEntry("/sys/kernel", "pid_max", 0, 0, 0o644, text("4194304\n")),
		f.fileEntry("/sys/kernel", "ngroups_max", 0, 0, 0o444, text("65536\n")),
	}
	vm := []entry{f.fileEntry("/sys/vm", "overcommit_memory", 0, 0, 0o644, text("0\n"))}
	fsys := []entry{
		f.fileEntry("/sys/fs", "file-max", 0, 0, 0o644, text("9223372036854775807\n")),
		f.fileEntry("/sys/fs", "nr_open", 0, 0, 0o644, text("1048576\n")),
		f.fileEntry("/sys/fs", "pipe-max-size", 0, 0, 0o644, text("1048576\n")),
	}
	return []entry{
		f.dirEntry("/sys", "fs", 0, 0, func() []entry { return fsys }),
		f.dirEntry("/sys", "kernel", 0, 0, func() []entry { return kernel }),
		f.dirEntry("/sys", "vm", 0, 0, func() []entry { return vm }),
	}
}

// utsEntry is /proc/sys/kernel/hostname or domainname: the name and a
// newline; root may write a new one (proc_sys_kernel(5)), which ends at
// the first newline and is cut to 64 bytes, as Linux's proc_dostring
// does.
func (f *FS) utsEntry(name string, get func() string, set func(string)) entry {
	return entry{name: name, typ: fs.ModeRegular, make: func() vfs.Inode {
		n := f.file("/sys/kernel/"+name, 0, 0, 0o644, func() ([]byte, error) {
			v := "(none)"
			if get != nil {
				v = get()
			}
			return []byte(v + "\n"), nil
		})
		if set != nil {
			n.write = func(b []byte) error {
				if i := bytes.IndexByte(b, '\n'); i >= 0 {
					b = b[:i]
				}
				set(string(b[:min(len(b), utsNameMax)]))
				return nil
			}
		}
		return n
	}}
}

// utsNameMax is the longest host or domain name (__NEW_UTS_LEN).
const utsNameMax = 64
