package procfs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// pidEntry is /proc/PID (tid 0) or /proc/PID/task/TID.
func (f *FS) pidEntry(parent string, pid, tid int) entry {
	name := strconv.Itoa(pid)
	if tid != 0 {
		name = strconv.Itoa(tid)
	}
	dir := parent + "/" + name
	return entry{name: name, typ: fs.ModeDir, make: func() vfs.Inode {
		return f.dir(dir, pid, tid, func() []entry { return f.pidDir(dir, pid, tid) })
	}}
}

// process fetches the process a file describes at the moment it is read.
func (f *FS) process(pid int) (*Process, error) {
	p, ok := f.src.Process(pid)
	if !ok {
		return nil, kerr.ESRCH
	}
	return p, nil
}

// gen makes a read function from a formatter of the process.
func (f *FS) gen(pid, tid int, format func(p *Process, t *Thread) string) func() ([]byte, error) {
	return func() ([]byte, error) {
		p, err := f.process(pid)
		if err != nil {
			return nil, err
		}
		t := &Thread{TID: p.PID, Comm: p.Comm, State: p.State, UTime: p.UTime, STime: p.STime}
		if tid != 0 {
			if t = threadOf(p, tid); t == nil {
				return nil, kerr.ESRCH
			}
		}
		return []byte(format(p, t)), nil
	}
}

// pidDir lists the files of a process (proc(5), /proc/pid).
func (f *FS) pidDir(dir string, pid, tid int) []entry {
	ents := []entry{
		f.fileEntry(dir, "auxv", pid, tid, 0o400, f.auxv(pid)),
		f.fileEntry(dir, "cmdline", pid, tid, 0o444, f.memory(pid, false)),
		f.fileEntry(dir, "comm", pid, tid, 0o644, f.gen(pid, tid, func(p *Process, t *Thread) string { return t.Comm + "\n" })),
		f.magicEntry(dir, "cwd", pid, tid, func(p *Process) string { return p.Cwd }, func(p *Process) *vfs.Dentry { return p.CwdDentry }),
		f.fileEntry(dir, "environ", pid, tid, 0o400, f.memory(pid, true)),
		f.magicEntry(dir, "exe", pid, tid, func(p *Process) string { return p.Exe }, func(p *Process) *vfs.Dentry { return p.ExeDentry }),
		f.dirEntry(dir, "fd", pid, tid, func() []entry { return f.fdDir(dir+"/fd", pid, tid) }),
		f.dirEntry(dir, "fdinfo", pid, tid, func() []entry { return f.fdinfoDir(dir+"/fdinfo", pid, tid) }),
		f.fileEntry(dir, "limits", pid, tid, 0o444, f.gen(pid, tid, f.limits)),
		f.fileEntry(dir, "maps", pid, tid, 0o444, f.gen(pid, tid, maps)),
		f.fileEntry(dir, "mountinfo", pid, tid, 0o444, f.gen(pid, tid, f.mountinfo)),
		f.fileEntry(dir, "mounts", pid, tid, 0o444, f.gen(pid, tid, f.mounts)),
		f.magicEntry(dir, "root", pid, tid, func(p *Process) string {
			if p.Root == "" {
				return "/"
			}
			return p.Root
		}, func(p *Process) *vfs.Dentry { return p.RootDentry }),
		f.fileEntry(dir, "smaps", pid, tid, 0o444, f.gen(pid, tid, smaps)),
		f.fileEntry(dir, "stat", pid, tid, 0o444, f.gen(pid, tid, stat)),
		f.fileEntry(dir, "statm", pid, tid, 0o444, f.gen(pid, tid, statm)),
		f.fileEntry(dir, "status", pid, tid, 0o444, f.gen(pid, tid, status)),
	}
	if tid == 0 {
		ents = append(ents, f.dirEntry(dir, "task", pid, 0, func() []entry {
			p, ok := f.src.Process(pid)
			if !ok {
				return nil
			}
			var ts []entry
			for _, t := range p.Threads {
				ts = append(ts, f.pidEntry(dir+"/task", pid, t.TID))
			}
			return ts
		}))
	}
	return ents
}

// memory reads the argument (or environment) strings back from the
// process's memory, as /proc/pid/cmdline and environ do; a zombie's are
// empty.
func (f *FS) memory(pid int, env bool) func() ([]byte, error) {
	return func() ([]byte, error) {
		p, err := f.process(pid)
		if err != nil {
			return nil, err
		}
		start, end := p.ArgStart, p.ArgEnd
		if env {
			start, end = p.EnvStart, p.EnvEnd
		}
		if p.ReadMemory == nil || end <= start || end-start > 1<<24 {
			return nil, nil
		}
		return p.ReadMemory(start, int(end-start)), nil
	}
}

// stat is /proc/pid/stat, the 52 fields of proc(5); what the sandbox
// does not track is 0.
func stat(p *Process, t *Thread) string {
	var vsize, rss uint64
	var startStack uintptr
	if p.Maps != nil {
		for _, m := range p.Maps() {
			vsize += uint64(m.End - m.Start)
			rss += uint64(m.Resident)
			if m.Name == "[stack]" {
				startStack = m.End
			}
		}
	}
	nthreads := len(p.Threads)
	if nthreads == 0 {
		nthreads = 1
	}
	return fmt.Sprintf("%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %d %d 0 0 20 0 %d 0 0 %d %d %d 0 0 %d 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0 0 0 %d %d %d %d 0\n",
		t.TID, t.Comm, t.State, p.PPID, p.PGID, p.SID,
		ticks(t.UTime), ticks(t.STime), nthreads,
		vsize, rss, RlimInfinity, startStack, p.ExitSignal,
		p.ArgStart, p.ArgEnd, p.EnvStart, p.EnvEnd)
}

// statm is /proc/pid/statm, in pages: size resident shared text lib data dt.
func statm(p *Process, _ *Thread) string {
	var size, rss, data uint64
	if p.Maps != nil {
		for _, m := range p.Maps() {
			pages := uint64(m.End-m.Start) / 4096
			size += pages
			rss += uint64(m.Resident)
			if m.Write && !m.Shared {
				data += pages
			}
		}
	}
	return fmt.Sprintf("%d %d 0 0 0 %d 0\n", size, rss, data)
}

var stateNames = map[byte]string{'R': "R (running)", 'S': "S (sleeping)", 'T': "T (stopped)", 'Z': "Z (zombie)"}

// status is /proc/pid/status, the human-readable summary.
func status(p *Process, t *Thread) string {
	var b strings.Builder
	var vsize, rss uint64
	if p.Maps != nil {
		for _, m := range p.Maps() {
			vsize += uint64(m.End - m.Start)
			rss += uint64(m.Resident) * 4096
		}
	}
	ids := func(v [4]uint32) string { return fmt.Sprintf("%d\t%d\t%d\t%d", v[0], v[1], v[2], v[3]) }
	var groups []string
	for _, g := range p.Groups {
		groups = append(groups, strconv.FormatUint(uint64(g), 10))
	}
	fmt.Fprintf(&b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		t.Comm, p.Umask, stateNames[t.State], p.PID, t.TID, p.PPID)
	fmt.Fprintf(&b, "Uid:\t%s\nGid:\t%s\nFDSize:\t%d\nGroups:\t%s\n", ids(p.UID), ids(p.GID), fdSize(p), strings.Join(groups, " "))
	fmt.Fprintf(&b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p.PID, t.TID, p.PGID, p.SID)
	if p.Maps != nil {
		fmt.Fprintf(&b, "VmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmRSS:\t%8d kB\n", vsize/1024, vsize/1024, rss/1024)
	}
	fmt.Fprintf(&b, "Threads:\t%d\nSigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n", len(p.Threads))
	b.WriteString("CapInh:\t0000000000000000\n")
	caps := "0000000000000000"
	if p.UID[1] == 0 {
		caps = "000001ffffffffff"
	}
	fmt.Fprintf(&b, "CapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n", caps, caps)
	b.WriteString("NoNewPrivs:\t0\nSeccomp:\t0\n")
	fmt.Fprintf(&b, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n")
	return b.String()
}

// fdSize is the size of the descriptor table, as the kernel grows it (a
// multiple of 64 covering the highest descriptor).
func fdSize(p *Process) int {
	n := 64
	for _, d := range p.FDs {
		for d.Num >= n {
			n *= 2
		}
	}
	return n
}

// maps is /proc/pid/maps: address, permissions, offset, device, inode,
// and the name starting at column 74 (proc(5)).
func maps(p *Process, _ *Thread) string {
	if p.Maps == nil {
		return ""
	}
	var b strings.Builder
	flag := func(on bool, c byte) byte {
		if on {
			return c
		}
		return '-'
	}
	for _, m := range p.Maps() {
		share := byte('p')
		if m.Shared {
			share = 's'
		}
		line := fmt.Sprintf("%08x-%08x %c%c%c%c %08x 00:00 0", m.Start, m.End,
			flag(m.Read, 'r'), flag(m.Write, 'w'), flag(m.Exec, 'x'), share, m.Offset)
		if m.Name != "" {
			line += strings.Repeat(" ", max(1, 73-len(line))) + m.Name
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// limits is /proc/pid/limits.
func (f *FS) limits(p *Process, _ *Thread) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units")
	if f.sys.Limits == nil {
		return b.String()
	}
	val := func(v uint64) string {
		if v == RlimInfinity {
			return "unlimited"
		}
		return strconv.FormatUint(v, 10)
	}
	for _, l := range f.sys.Limits(p) {
		fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", l.Name, val(l.Soft), val(l.Hard), l.Unit)
	}
	return b.String()
}

// mounts is /proc/pid/mounts, the fstab(5)-like table.
func (f *FS) mounts(*Process, *Thread) string {
	if f.sys.Mounts == nil {
		return ""
	}
	var b strings.Builder
	for _, m := range f.sys.Mounts() {
		fmt.Fprintf(&b, "%s %s %s %s 0 0\n", m.Source, m.Point, m.Type, m.Options)
	}
	return b.String()
}
