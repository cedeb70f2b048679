package core

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// FileSystem is the sandbox's file namespace as the core and the
// personalities use it; *vfs.VFS implements it. Every call says who asks
// and where "/" is (a *vfs.Context: the calling process's filesystem
// credentials and root, see ThreadGroup.FSContext) and the dentry a
// relative path starts from (the working directory's, or a directory
// descriptor's). Nothing is checked as root unless the caller is root.
type FileSystem interface {
	// Root is the namespace's "/", above any chroot.
	Root() *vfs.Dentry
	// PathOf is d's path as ctx sees it (getcwd(2), /proc/pid/fd).
	PathOf(ctx *vfs.Context, d *vfs.Dentry) string

	OpenAt(ctx *vfs.Context, start *vfs.Dentry, path string, flags fs.OpenFlags, how vfs.Resolve) (fs.File, *vfs.Dentry, error)
	OpenTmpfile(ctx *vfs.Context, start *vfs.Dentry, path string, flags fs.OpenFlags, how vfs.Resolve) (fs.File, *vfs.Dentry, error)
	Lookup(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) (*vfs.Dentry, error)
	// Chdir resolves a directory the caller may enter (chdir, fchdir
	// and chroot).
	Chdir(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) (*vfs.Dentry, error)
	Stat(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) (fs.Stat, error)
	Readlink(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) (string, error)
	Access(ctx *vfs.Context, start *vfs.Dentry, path string, mode int, flags vfs.AtFlags) error

	// The calls that change the namespace or attributes. Modes already
	// have the umask applied.
	Mkdir(ctx *vfs.Context, start *vfs.Dentry, path string, mode uint32) error
	Mknod(ctx *vfs.Context, start *vfs.Dentry, path string, mode uint32, rdev uint64) error
	Unlink(ctx *vfs.Context, start *vfs.Dentry, path string) error
	Rmdir(ctx *vfs.Context, start *vfs.Dentry, path string) error
	Rename(ctx *vfs.Context, oldStart *vfs.Dentry, oldPath string, newStart *vfs.Dentry, newPath string, flags vfs.RenameFlags) error
	Link(ctx *vfs.Context, oldStart *vfs.Dentry, oldPath string, newStart *vfs.Dentry, newPath string, flags vfs.AtFlags) error
	Symlink(ctx *vfs.Context, target string, start *vfs.Dentry, path string) error
	Chmod(ctx *vfs.Context, start *vfs.Dentry, path string, mode uint32, flags vfs.AtFlags) error
	Chown(ctx *vfs.Context, start *vfs.Dentry, path string, uid, gid uint32, flags vfs.AtFlags) error
	Truncate(ctx *vfs.Context, start *vfs.Dentry, path string, size int64) error
	// TruncateFile is ftruncate(2) on a description open for writing.
	TruncateFile(d *vfs.Dentry, size int64) error
	Utimens(ctx *vfs.Context, start *vfs.Dentry, path string, a vfs.SetAttr, flags vfs.AtFlags) error

	Getxattr(ctx *vfs.Context, start *vfs.Dentry, path, name string, flags vfs.AtFlags) ([]byte, error)
	Setxattr(ctx *vfs.Context, start *vfs.Dentry, path, name string, value []byte, xf vfs.XattrFlags, flags vfs.AtFlags) error
	Removexattr(ctx *vfs.Context, start *vfs.Dentry, path, name string, flags vfs.AtFlags) error
	Listxattr(ctx *vfs.Context, start *vfs.Dentry, path string, flags vfs.AtFlags) ([]string, error)
}

// Config is what a Kernel is built from; cmd/runos fills it in.
type Config struct {
	Platform   platform.Platform
	MemoryFile *mm.MemoryFile
	FS         FileSystem
	// Stdio are the files behind the first program's fds 0, 1 and 2.
	Stdio [3]fs.File
	Cwd   string
	// Debug, when non-nil, receives the kernel's diagnostic lines.
	Debug io.Writer
	// Hostname shown by uname.
	Hostname string
}

// zeroTime is "no deadline" for Task.Block.
var zeroTime time.Time

// ExitStatus is how a thread group ended.
type ExitStatus struct {
	Code   int    // exit code, when Signal == 0
	Signal Signal // the fatal signal, or 0
	Core   bool   // the signal's default action dumps core
}

// Kernel is one sandbox: every task in it, and the resources they share.
type Kernel struct {
	Platform   platform.Platform
	MemoryFile *mm.MemoryFile
	FS         FileSystem
	uts        utsNames // host and domain names (uts.go)
	debug      io.Writer
	boot       time.Time

	mu      sync.Mutex
	nextID  int
	tasks   map[int]*Task        // by TID
	groups  map[int]*ThreadGroup // by TGID
	init    *ThreadGroup
	futexes futexTable
	mmUsers map[*mm.MM]int // tasks using each address space
	writers writers        // files open for writing (writers.go)
	// personalities are the ABIs exec chooses among (select.go).
	personalities []Personality

	// Tracer, when set before Start, sees every syscall, signal and
	// exit (trace.go); nil means no tracing.
	Tracer Tracer

	// InitUmask is the first process's umask (runos's own, so a program
	// creates files with the modes it would natively).
	InitUmask uint32

	// MaxProcs caps the number of processes (--max-procs); 0: no cap.
	MaxProcs int
	// InitCreds are the first process's credentials (--user); set
	// before Start.
	InitCreds Credentials

	// internalErr records the first error the kernel itself hit (not a
	// guest error); runos reports it.
	internalErr error
}

// NewKernel creates an empty sandbox.
func NewKernel(c Config) *Kernel {
	host := c.Hostname
	if host == "" {
		host = "runos"
	}
	return &Kernel{
		Platform:   c.Platform,
		MemoryFile: c.MemoryFile,
		FS:         c.FS,
		uts:        utsNames{hostname: host, domainname: "(none)"},
		debug:      c.Debug,
		boot:       time.Now(),
		nextID:     1,
		tasks:      map[int]*Task{},
		groups:     map[int]*ThreadGroup{},
		futexes:    newFutexTable(),
		mmUsers:    map[*mm.MM]int{},
	}
}

// Debugf writes a diagnostic line when --debug is on.
func (k *Kernel) Debugf(format string, args ...any) {
	if k.debug != nil {
		fmt.Fprintf(k.debug, "runos: "+format+"\n", args...)
	}
}

// Uptime is the time since the sandbox booted.
func (k *Kernel) Uptime() time.Duration { return time.Since(k.boot) }

// InternalError reports an error in the kernel itself (as opposed to a
// guest mistake). The first one is kept for runos to report.
func (k *Kernel) InternalError(err error) {
	k.mu.Lock()
	if k.internalErr == nil {
		k.internalErr = err
	}
	k.mu.Unlock()
	fmt.Fprintf(os.Stderr, "runos: internal error: %v\n", err)
}

// FirstInternalError returns the first internal error, or nil.
func (k *Kernel) FirstInternalError() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.internalErr
}

func (k *Kernel) allocID() int {
	id := k.nextID
	k.nextID++
	return id
}

// TaskByTID finds a live task.
func (k *Kernel) TaskByTID(tid int) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}

// GroupByPID finds a live thread group.
func (k *Kernel) GroupByPID(pid int) *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.groups[pid]
}

// Init returns the first thread group (PID 1).
func (k *Kernel) Init() *ThreadGroup { return k.init }

var stdioNames = [3]string{"/dev/stdin", "/dev/stdout", "/dev/stderr"}

// Start creates PID 1 running path and starts it. forced is the
// personality the user named (--personality), or nil to choose as exec
// does; def is the personality a non-ELF program (a script) starts under.
func (k *Kernel) Start(forced, def Personality, path string, argv, envv []string, stdio [3]fs.File, cwd string) (*ThreadGroup, error) {
	p := def
	if forced != nil {
		p = forced
	}
	fds := NewFDTable()
	for i, f := range stdio {
		// The host descriptor decides what is allowed; a read of a
		// write-only stdout fails there with EBADF, as natively.
		if f != nil {
			fds.Install(i, fs.NewFileDescription(f, stdioNames[i], fs.FlagRead|fs.FlagWrite), false)
		}
	}
	k.mu.Lock()
	id := k.allocID()
	tg := newThreadGroup(k, id, nil)
	if k.FS != nil {
		// A working directory the sandbox lacks leaves the program at "/".
		if d, err := k.FS.Lookup(&vfs.Context{Creds: vfs.Root}, nil, cwd, 0); err == nil {
			tg.SetWorkingDir(d)
		}
	}
	tg.SetUmask(k.InitUmask)
	t := newTask(k, tg, id, p)
	t.fds = fds
	k.tasks[id] = t
	k.groups[id] = tg
	k.init = tg
	k.mu.Unlock()

	// Exec runs on the task's own goroutine, because mm faults and the
	// platform context belong to the task's host thread.
	errc := make(chan error, 1)
	go t.run(func() error {
		err := t.execFirst(forced, path, argv, envv)
		if tr := k.Tracer; tr != nil && err == nil {
			tr.ProgramStart(t, path, argv, envv)
		}
		return err
	}, errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return tg, nil
}

// Wait blocks until thread group tg has exited and all its tasks are gone.
// When tg is PID 1, it also waits (a few seconds at most) for the rest of
// the sandbox, which PID 1's end has killed, so that the platform is not
// torn down under tasks that are still leaving.
func (k *Kernel) Wait(tg *ThreadGroup) ExitStatus {
	<-tg.done
	if tg == k.init {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && k.TaskCount() > 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	return tg.exitStatus
}

// SignalGroup sends sig from outside the sandbox (runos forwarding a host
// signal) to thread group tg.
func (k *Kernel) SignalGroup(tg *ThreadGroup, sig Signal) {
	tg.SendSignal(&SigInfo{Signo: sig, Code: SIKernel})
}

func (k *Kernel) removeTask(t *Task) {
	k.mu.Lock()
	delete(k.tasks, t.tid)
	k.mu.Unlock()
}

// TaskCount is the number of live tasks (sysinfo's procs).
func (k *Kernel) TaskCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.tasks)
}
