// Package skeleton is the smallest complete runos personality: three
// system calls (write, exit, getpid) with its own numbering, written as a
// how-to. Copy this directory to start a new ABI; every method below is
// one decision a personality has to make.
//
// The ABI, as a program sees it:
//
//	syscall instruction; number in rax; arguments in rdi, rsi, rdx;
//	result in rax, -1 on any error (there is no errno).
//	1 write(fd, buf, len)   2 exit(code)   3 getpid()
//
// A program says it wants this personality with an ELF note of vendor
// "runos" whose descriptor is "skeleton" (see skeleton_test.go for one).
package skeleton

import (
	"fmt"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// The syscall numbers of this ABI. They are deliberately not Linux's.
const (
	sysWrite  = 1
	sysExit   = 2
	sysGetpid = 3
)

// Skeleton is the personality. It keeps no state of its own: everything
// lives in the core's Task and ThreadGroup.
type Skeleton struct {
	table core.SyscallTable
}

// New builds the personality and its table.
func New() *Skeleton {
	s := &Skeleton{}
	// The table is data: number -> name, handler, support level, note.
	// `runos syscalls --personality skeleton` prints it.
	s.table = core.SyscallTable{
		Entries: []core.SyscallEntry{
			sysWrite:  {Name: "write", Handler: write, Support: core.Full},
			sysExit:   {Name: "exit", Handler: exit, Support: core.Full},
			sysGetpid: {Name: "getpid", Handler: getpid, Support: core.Full},
		},
		// Every other number lands here.
		Missing: func(*core.Task, core.SyscallArgs) (uintptr, error) { return 0, kerr.ENOSYS },
	}
	return s
}

// Name is what --personality takes.
func (s *Skeleton) Name() string { return "skeleton" }

// Description is the line `runos personalities` prints.
func (s *Skeleton) Description() string {
	return "the smallest personality: write, exit, getpid; a how-to to copy"
}

// Match claims the programs that name this personality in a runos note,
// and nothing else.
func (s *Skeleton) Match(img *loader.Image) (int, bool) {
	if core.RunosNote(img) == "skeleton" {
		return core.PriorityNote, true
	}
	return 0, false
}

// Table returns the syscall table.
func (s *Skeleton) Table() *core.SyscallTable { return &s.table }

// Syscall decodes the trap (number and arguments from the registers this
// ABI uses), runs the table entry, and reports the result the way this
// ABI does: the value, or -1.
func (s *Skeleton) Syscall(t *core.Task) {
	r := &t.State.Regs
	nr := uintptr(r.Rax)
	args := core.SyscallArgs{uintptr(r.Rdi), uintptr(r.Rsi), uintptr(r.Rdx)}
	handler := s.table.Missing
	if e := s.table.Lookup(nr); e != nil && e.Handler != nil {
		handler = e.Handler
	}
	// The kernel's tracer (runos --strace, --trace-out) sees every call;
	// decode.go tells it how to show the arguments.
	tr := t.Kernel().Tracer
	if tr != nil {
		tr.SyscallEnter(t, nr, args)
	}
	ret, err := handler(t, args)
	if tr != nil {
		tr.SyscallExit(t, nr, args, ret, err)
	}
	if err != nil {
		r.Rax = ^uint64(0) // -1: this ABI has no error numbers
		return
	}
	r.Rax = uint64(ret)
}

func write(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	d, err := t.FDs().Get(int(int32(a[0])))
	if err != nil {
		return 0, err
	}
	defer d.DecRef()
	n := min(a[2], 1<<20)
	buf := make([]byte, n)
	if _, err := t.MM().CopyIn(a[1], buf); err != nil {
		return 0, err
	}
	w, err := d.File.Write(buf)
	return uintptr(w), err
}

func exit(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	t.Group().Exit(core.ExitStatus{Code: int(a[0] & 0xff)})
	return 0, nil
}

func getpid(t *core.Task, a core.SyscallArgs) (uintptr, error) {
	return uintptr(t.Group().PID()), nil
}

// Exec loads a static ELF program into a fresh address space. The stack
// this ABI promises is minimal: rsp points at argc, then the argv
// pointers and a NULL, like the System V ABI without envp or auxv.
func (s *Skeleton) Exec(t *core.Task, path string, argv, envv []string) error {
	k := t.Kernel()
	f, _, err := k.FS.OpenAt(t.FSContext(), t.Group().WorkingDir(), path, fs.OpenFlags{Read: true}, 0)
	if err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	img, err := loader.Parse(f, st.Size)
	if err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	// Refuse a program not built for this ABI (--personality=skeleton
	// with a Linux program): its system calls would mean other things
	// here. A loader.FormatError becomes runos's one-line message and
	// exit status 126.
	if core.RunosNote(img) != "skeleton" {
		return fmt.Errorf("exec %s: %w", path, &loader.FormatError{Reason: `not a skeleton program (no runos note "skeleton")`})
	}
	if img.Interp != "" {
		return fmt.Errorf("exec %s: dynamic programs are not part of this ABI: %w", path, kerr.ENOEXEC)
	}
	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		return err
	}
	m := mm.New(k.MemoryFile, as, k.Platform.MaxUserAddress())
	bias := uintptr(0)
	if img.Type == loader.ET_DYN {
		bias = loader.DefaultDynBase
	}
	info, err := loader.Load(m, img, f, path, bias)
	if err != nil {
		m.Release()
		return fmt.Errorf("exec %s: %w", path, err)
	}
	// The file stays open: the mm reads its pages on demand.

	const stackSize = 64 << 10
	top := arch.PageRoundDown(k.Platform.MaxUserAddress()) - arch.PageSize
	if _, err := m.Mmap(mm.MmapOpts{Addr: top - stackSize, Length: stackSize, Fixed: true,
		Perms: platform.Perms{Read: true, Write: true}, Name: "[stack]"}); err != nil {
		m.Release()
		return err
	}
	sp := top
	ptrs := make([]uint64, 0, len(argv)+2)
	ptrs = append(ptrs, uint64(len(argv)))
	var strs []uint64
	for _, a := range argv {
		sp -= uintptr(len(a) + 1)
		if _, err := m.CopyOut(sp, append([]byte(a), 0)); err != nil {
			m.Release()
			return err
		}
		strs = append(strs, uint64(sp))
	}
	ptrs = append(append(ptrs, strs...), 0)
	sp = (sp - uintptr(8*len(ptrs))) &^ 15
	b := make([]byte, 8*len(ptrs))
	for i, p := range ptrs {
		for j := 0; j < 8; j++ {
			b[8*i+j] = byte(p >> (8 * j))
		}
	}
	if _, err := m.CopyOut(sp, b); err != nil {
		m.Release()
		return err
	}

	// Past this point the old program is gone.
	t.BeginExec()
	t.SetMM(m)
	t.State.Regs = arch.Registers{Rip: uint64(info.Entry), Rsp: uint64(sp),
		Cs: arch.UserCS, Ss: arch.UserSS, Eflags: arch.InitialEflags}
	t.State.FP.Reset()
	t.State.FPDirty = true
	t.Group().Exe = path
	return nil
}

// InterruptedSyscall: no call of this ABI blocks, so none is ever
// interrupted; a restart request simply fails the call.
func (s *Skeleton) InterruptedSyscall(t *core.Task, e kerr.Error, act *core.SigAction) {
	t.State.Regs.Rax = ^uint64(0)
}

// DeliverSignal: this ABI has no signal handlers (no call installs one),
// so there is never a frame to build.
func (s *Skeleton) DeliverSignal(t *core.Task, info *core.SigInfo, act *core.SigAction) error {
	return kerr.ENOSYS
}

// FaultSignal: any fault kills the program, as SIGSEGV (the core's
// default action for it).
func (s *Skeleton) FaultSignal(ev platform.Event, err error) core.SigInfo {
	return core.SigInfo{Signo: core.SIGSEGV, Code: core.SIKernel, Addr: ev.Addr}
}
