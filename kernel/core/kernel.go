package core

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// FileSystem is what the core needs from the file layer to open files by
// path. Paths are absolute guest paths.
type FileSystem interface {
	Open(path string, flags fs.OpenFlags) (fs.File, error)
	Stat(path string, follow bool) (fs.Stat, error)
	Readlink(path string) (string, error)
	Access(path string, mode int) error
	// Canonical resolves a path to its canonical form (no symlinks, "."
	// or ".."), for chdir.
	Canonical(path string) (string, fs.Stat, error)

	// The calls that change the namespace or attributes. Modes already
	// have the umask applied.
	Mkdir(path string, mode uint32) error
	Mknod(path string, mode uint32, rdev uint64) error
	Unlink(path string) error
	Rmdir(path string) error
	Rename(oldPath, newPath string, noReplace, exchange bool) error
	Link(oldPath, newPath string, follow bool) error
	Symlink(target, path string) error
	Chmod(path string, mode uint32, follow bool) error
	Chown(path string, uid, gid uint32, follow bool) error
	Truncate(path string, size int64) error
	Utimens(path string, t fs.SetTimes, follow bool) error
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
	Hostname   string
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
		Hostname:   host,
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
	tg.cwd = cwd
	tg.umask.Store(k.InitUmask & 0o777)
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
