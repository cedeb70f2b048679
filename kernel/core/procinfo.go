package core

import (
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/mm"
)

// What a procfs reads about the sandbox's processes (see proc(5)). The
// file layer must not reach into the core's internals, so the core hands
// out plain copies here, taking each lock briefly in the documented
// order; cmd/runos adapts them to fs/procfs's own interface.

// ArgEnv is where exec put the argument and environment strings on the
// new program's stack: [ArgStart, ArgEnd) and [EnvStart, EnvEnd), read
// back from guest memory by /proc/pid/cmdline and /proc/pid/environ (as
// Linux's mm->arg_start and friends; a program that rewrites its argv
// strings changes what they show).
type ArgEnv struct {
	ArgStart, ArgEnd uintptr
	EnvStart, EnvEnd uintptr
	// Auxv is the auxiliary vector exec built, in the personality's
	// binary layout, for /proc/pid/auxv (Linux's mm->saved_auxv).
	Auxv []byte
}

// SetArgEnv records the ranges of the program just loaded (exec).
func (tg *ThreadGroup) SetArgEnv(r ArgEnv) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.argEnv = r
}

// ProcessInfo is one process at one moment.
type ProcessInfo struct {
	PID, PPID, PGID, SID int
	Comm                 string // the main thread's (or first live thread's) name
	// State is proc(5)'s one-letter state: R running, S sleeping in a
	// syscall, T stopped, Z zombie.
	State    byte
	Threads  []ThreadInfo
	Cwd, Exe string
	Root     string // the root directory (chroot(2)), as the reader sees it
	// CwdDentry, RootDentry and ExeDentry are what Cwd, Root and Exe
	// name, for procfs's magic links, which jump to the object itself
	// rather than walk its path (proc(5)); ExeDentry may be nil.
	CwdDentry, RootDentry, ExeDentry *vfs.Dentry
	Creds                            Credentials
	Umask                            uint32
	// Limits are the resource limits set, by the personality's numbers;
	// an absent one is unlimited.
	Limits     map[int]Rlimit
	ArgEnv     ArgEnv
	MM         *mm.MM // nil for a zombie
	FDs        []FDInfo
	User, Sys  time.Duration
	FDLimit    int
	ExitSignal Signal
}

// ThreadInfo is one thread of a ProcessInfo.
type ThreadInfo struct {
	TID       int
	Comm      string
	State     byte
	User, Sys time.Duration
}

// FDInfo is one descriptor of a ProcessInfo.
type FDInfo struct {
	FD      int
	Path    string
	Flags   int   // status flags (fs.Flag*)
	Pos     int64 // the offset, 0 for streams
	CloExec bool

	dentry *vfs.Dentry // the name behind Path, if any
}

// PIDs lists the thread groups of the sandbox (zombies included), in
// ascending order.
func (k *Kernel) PIDs() []int {
	k.mu.Lock()
	out := make([]int, 0, len(k.groups))
	for pid := range k.groups {
		out = append(out, pid)
	}
	k.mu.Unlock()
	sort.Ints(out)
	return out
}

// ProcessInfo describes process pid; false if there is none.
func (k *Kernel) ProcessInfo(pid int) (ProcessInfo, bool) {
	k.mu.Lock()
	tg := k.groups[pid]
	var pi ProcessInfo
	if tg != nil {
		pi.PID, pi.PGID, pi.SID = tg.pid, tg.pgid, tg.sid
		if tg.parent != nil {
			pi.PPID = tg.parent.pid
		}
		pi.ExitSignal = tg.exitSignal
		if tg.zombie {
			pi.State = 'Z'
		}
	}
	k.mu.Unlock()
	if tg == nil {
		return pi, false
	}
	cur := k.CurrentTask()
	tg.mu.Lock()
	cwd, root := tg.WorkingDir(), tg.RootDir()
	pi.Exe, pi.ExeDentry, pi.ArgEnv = tg.Exe, tg.ExeDentry, tg.argEnv
	pi.Creds = *tg.credsLocked()
	pi.Limits = make(map[int]Rlimit, len(tg.Limits))
	for r, l := range tg.Limits {
		pi.Limits[r] = l
	}
	stopped := tg.stopped
	tasks := append([]*Task(nil), tg.tasks...)
	for _, t := range tasks {
		ti := ThreadInfo{TID: t.tid, Comm: t.Comm, State: 'S'}
		switch {
		case stopped:
			ti.State = 'T'
		case t == cur || t.sysnr.Load() == 0:
			ti.State = 'R'
		}
		pi.Threads = append(pi.Threads, ti)
	}
	tg.mu.Unlock()
	pi.Umask = tg.Umask()
	for i, t := range tasks {
		pi.Threads[i].User, pi.Threads[i].Sys = t.CPUTime()
	}
	pi.User, pi.Sys = tg.CPUTime()
	if len(pi.Threads) > 0 {
		lead := pi.Threads[0]
		pi.Comm = lead.Comm
		if pi.State == 0 {
			pi.State = lead.State
		}
		pi.MM = tasks[0].mm
		if ft := tasks[0].fds; ft != nil {
			pi.FDs = ft.info()
			pi.FDLimit = ft.Limit()
		}
	} else if pi.State == 0 {
		pi.State = 'Z'
	}
	k.namePaths(&pi, cur, cwd, root)
	return pi, true
}

// namePaths fills in the paths of pi's working directory, root and
// descriptors as the reader (the calling task, when there is one) sees
// them: they follow renames, as proc(5) says of /proc/pid/cwd.
func (k *Kernel) namePaths(pi *ProcessInfo, reader *Task, cwd, root *vfs.Dentry) {
	if k.FS == nil {
		pi.Cwd, pi.Root = "/", "/"
		return
	}
	ctx := &vfs.Context{Creds: vfs.Root}
	if reader != nil {
		ctx = reader.FSContext()
	}
	if cwd == nil {
		cwd = k.FS.Root()
	}
	if root == nil {
		root = k.FS.Root()
	}
	pi.Cwd, pi.Root = k.FS.PathOf(ctx, cwd), k.FS.PathOf(ctx, root)
	pi.CwdDentry, pi.RootDentry = cwd, root
	for i := range pi.FDs {
		if d := pi.FDs[i].dentry; d != nil {
			pi.FDs[i].Path = k.FS.PathOf(ctx, d)
		}
	}
}

// info lists the open descriptors in order, with their offsets.
func (ft *FDTable) info() []FDInfo {
	ft.mu.Lock()
	var out []FDInfo
	var held []*fdEntry
	for fd := range ft.files {
		e := &ft.files[fd]
		if e.d == nil {
			continue
		}
		e.d.IncRef()
		dent, _ := e.d.Dentry.(*vfs.Dentry)
		out = append(out, FDInfo{FD: fd, Path: e.d.Path, Flags: e.d.Flags(), CloExec: e.cloexec, dentry: dent})
		held = append(held, &fdEntry{d: e.d})
	}
	ft.mu.Unlock()
	// The offsets are read outside the table lock: a file's own lock may
	// be held by a read in progress.
	for i, e := range held {
		if pos, err := e.d.File.Seek(0, 1); err == nil {
			out[i].Pos = pos
		}
		e.d.DecRef()
	}
	return out
}

// The task a kernel call is made for. Every task runs on its own
// goroutine locked to one host thread (task_run.go), so the host thread
// identifies the task: this is how a procfs resolves /proc/self through
// the path-based FileSystem interface, which carries no caller.
var hostThreads sync.Map // host TID → *Task

// bindThread records that the calling host thread serves t; the returned
// function forgets it.
func (t *Task) bindThread() func() {
	tid := syscall.Gettid()
	hostThreads.Store(tid, t)
	return func() { hostThreads.CompareAndDelete(tid, t) }
}

// CurrentTask is the task of this kernel whose goroutine is running the
// caller, or nil when the caller is not a task (runos's own setup).
func (k *Kernel) CurrentTask() *Task {
	v, ok := hostThreads.Load(syscall.Gettid())
	if !ok {
		return nil
	}
	if t := v.(*Task); t.k == k {
		return t
	}
	return nil
}

// FileOf returns a new reference to the open file description behind
// descriptor fd of process pid (for /proc/pid/fd/N); the caller drops it.
func (k *Kernel) FileOf(pid, fd int) (*fs.FileDescription, error) {
	tg := k.GroupByPID(pid)
	if tg == nil {
		return nil, kerr.ENOENT
	}
	tg.mu.Lock()
	var ft *FDTable
	if len(tg.tasks) > 0 {
		ft = tg.tasks[0].fds
	}
	tg.mu.Unlock()
	if ft == nil {
		return nil, kerr.ENOENT
	}
	d, err := ft.Get(fd)
	if err != nil {
		return nil, kerr.ENOENT
	}
	return d, nil
}
