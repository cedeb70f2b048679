package ptrace

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// File descriptors inside the stub process (the order of ProcAttr.Files).
const (
	stubMemFD   = 3 // the memory file, target of every injected mmap
	stubTableFD = 4 // the platform's batch tables (batch.go), closed once mapped
	stubELFFD   = 5 // the stub executable, closed with all others after exec
)

// addrNoRandomize is personality(2)'s ADDR_NO_RANDOMIZE.
const addrNoRandomize = 0x0040000

// newStubELFFile writes the stub executable into a sealed memfd and returns
// a read-only descriptor for it. execve(2) refuses a file that is open for
// writing (ETXTBSY), hence the reopen through /proc/self/fd.
func newStubELFFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("runos-ptrace-stub", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		// Kernels before 6.3 know no MFD_EXEC; their memfds are
		// executable anyway.
		fd, err = unix.MemfdCreate("runos-ptrace-stub", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd_create for the stub executable: %w", err)
	}
	defer unix.Close(fd)
	img := stubELF()
	if n, err := unix.Pwrite(fd, img, 0); err != nil || n != len(img) {
		return nil, fmt.Errorf("write stub executable (%d of %d bytes): %v", n, len(img), err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		return nil, fmt.Errorf("seal stub executable: %w", err)
	}
	ro, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reopen stub executable read-only: %w", err)
	}
	return os.NewFile(uintptr(ro), "runos-ptrace-stub"), nil
}

// startStub starts a stub process traced by the calling thread, which must
// be locked to its goroutine for as long as the stub lives, and prepares it
// for use: ptrace options set, every mapping but the code page removed, no
// file descriptor but the memory file left. It returns the stub's leader
// thread, stopped.
func startStub(p *Platform, as *addressSpace) (*stubThread, error) {
	// Turn ASLR off for the child only: personality(2) is per thread,
	// inherited by fork and kept by execve. See stub_elf.go for why the
	// stub's layout must be predictable.
	old, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
	if e != 0 {
		return nil, fmt.Errorf("personality query: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, old|addrNoRandomize, 0, 0); e != 0 {
		return nil, fmt.Errorf("personality ADDR_NO_RANDOMIZE: %w", e)
	}
	proc, err := os.StartProcess(fmt.Sprintf("/proc/self/fd/%d", stubELFFD), []string{"runos-ptrace-stub"}, &os.ProcAttr{
		Env:   []string{},
		Files: []*os.File{nil, nil, nil, p.memFile, p.tables.file, p.stubELF},
		Sys: &syscall.SysProcAttr{
			// PTRACE_TRACEME in the child: the calling thread
			// becomes the tracer, and the child stops with SIGTRAP
			// after execve.
			Ptrace: true,
			// Own session, so that the terminal's Ctrl-C and
			// Ctrl-Z never reach the stub directly.
			Setsid: true,
			// If the thread that started it dies, so does the stub.
			Pdeathsig: syscall.SIGKILL,
		},
	})
	unix.RawSyscall(unix.SYS_PERSONALITY, old, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("start stub process: %w", err)
	}
	pid := proc.Pid
	// We wait for the stub with wait4 ourselves; drop os's handle.
	_ = proc.Release()

	leader := &stubThread{as: as, tid: pid, tracer: unix.Gettid()}
	if _, e := wait4Into(pid, &leader.status, 0); e != 0 {
		unix.Kill(pid, unix.SIGKILL)
		return nil, fmt.Errorf("wait4 for stub %d after exec: %w", pid, e)
	}
	if ws := leader.status; !ws.Stopped() || stopSignal(ws) != unix.SIGTRAP {
		unix.Kill(pid, unix.SIGKILL)
		leader.reap()
		return nil, fmt.Errorf("stub %d did not stop after exec: %s", pid, describeStatus(ws))
	}
	if err := prepareStub(leader); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		leader.reap()
		return nil, err
	}
	return leader, nil
}

// prepareStub sets the ptrace options of the freshly exec'd stub and
// strips it down to its code page, its batch tables and the memory file.
func prepareStub(leader *stubThread) error {
	pid := leader.tid
	// EXITKILL: if runos dies, however it dies, the host kills the stub.
	// TRACESYSGOOD: system-call stops say SIGTRAP|0x80, so they cannot be
	// confused with a guest's int3.
	if e := ptraceRequest(ptraceSetOptions, pid, 0, stubPtraceOptions); e != 0 {
		return fmt.Errorf("ptrace SETOPTIONS stub %d: %w", pid, e)
	}
	// The address space's own batch tables first, for good (batch.go),
	// so that the rest is one batch: two round trips instead of five
	// (each a few context switches, and every fork and exec starts a
	// stub). Only its own group of the file: the other address spaces'
	// batches are none of its business. Without a group (too many
	// address spaces) it maps none and runs its calls one by one.
	if g := leader.as.tables.g; g >= 0 {
		if _, err := leader.injectSyscall(unix.SYS_MMAP, [6]uintptr{tableAddr, groupSize, unix.PROT_READ,
			unix.MAP_SHARED | unix.MAP_FIXED, stubTableFD, uintptr(g) * groupSize}); err != nil {
			return fmt.Errorf("stub %d: map the batch tables: %w", pid, err)
		}
	}
	tablesEnd := uintptr(tableAddr + groupSize)
	err := leader.runCalls([]queuedCall{
		{nr: unix.SYS_MUNMAP, args: [6]uintptr{0, stubCodeAddr}},
		{nr: unix.SYS_MUNMAP, args: [6]uintptr{tablesEnd, hostUserTop - tablesEnd}},
		// Every descriptor but the memory file: the batch tables
		// (mapped; the whole file would reach every address space's),
		// the stub's executable, and whatever runos itself inherited
		// without close-on-exec.
		{nr: unix.SYS_CLOSE_RANGE, args: [6]uintptr{0, stubMemFD - 1}},
		{nr: unix.SYS_CLOSE_RANGE, args: [6]uintptr{stubMemFD + 1, ^uintptr(0) >> 32}},
	})
	if errors.Is(err, unix.ENOSYS) {
		// Kernels before 5.9 have no close_range(2) (the munmaps
		// came first and went through).
		return closeStubFDs(leader)
	}
	if err != nil {
		return fmt.Errorf("stub %d: strip: %w", pid, err)
	}
	return nil
}

// closeStubFDs closes every descriptor of the stub but the memory file,
// one by one, where close_range(2) is missing.
func closeStubFDs(leader *stubThread) error {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", leader.tid))
	if err != nil {
		return fmt.Errorf("stub %d: list descriptors: %w", leader.tid, err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd == stubMemFD {
			continue
		}
		if _, err := leader.injectSyscall(unix.SYS_CLOSE, [6]uintptr{uintptr(fd)}); err != nil {
			return fmt.Errorf("stub %d: close %d: %w", leader.tid, fd, err)
		}
	}
	return nil
}
