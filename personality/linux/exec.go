package linux

import (
	"crypto/rand"
	"fmt"
	"path"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/mm"
)

// Auxiliary vector keys (<uapi/linux/auxvec.h>, <asm/auxvec.h>).
const (
	atNull        = 0
	atPhdr        = 3
	atPhent       = 4
	atPhnum       = 5
	atPagesz      = 6
	atBase        = 7
	atFlags       = 8
	atEntry       = 9
	atUID         = 11
	atEUID        = 12
	atGID         = 13
	atEGID        = 14
	atPlatform    = 15
	atHwcap       = 16
	atClktck      = 17
	atSecure      = 23
	atRandom      = 25
	atHwcap2      = 26
	atExecfn      = 31
	atMinsigstksz = 51
)

// initialStack is the size of the stack VMA at exec; it grows down on
// demand up to RLIMIT_STACK, as on Linux.
const initialStack = 128 << 10

// openExecutable opens p (relative to the working directory) for
// execution with execve(2)'s checks: it must exist (ENOENT), be a regular
// file with an execute bit (EACCES) that the caller may execute. Reading
// is not required (an execute-only file runs), so the file is opened past
// the read check once execute permission is granted. It returns the
// file's dentry too, for /proc/self/exe.
func openExecutable(t *core.Task, p string) (fs.File, fs.Stat, *vfs.Dentry, error) {
	ctx, cwd := t.FSContext(), t.Group().WorkingDir()
	if err := t.Kernel().FS.Access(ctx, cwd, p, vfs.MayExec, 0); err != nil {
		return nil, fs.Stat{}, nil, err
	}
	f, d, err := t.Kernel().FS.OpenAt(&vfs.Context{Creds: vfs.Root, Root: ctx.Root}, cwd, p, fs.OpenFlags{Read: true}, 0)
	if err != nil {
		return nil, fs.Stat{}, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fs.Stat{}, nil, err
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeRegular || st.Mode&0o111 == 0 {
		f.Close()
		return nil, fs.Stat{}, nil, kerr.EACCES
	}
	if t.Kernel().BeingWritten(core.FileID{Dev: st.Dev, Ino: st.Ino}) {
		f.Close()
		return nil, fs.Stat{}, nil, kerr.ETXTBSY
	}
	return f, st, d, nil
}

// Exec implements core.Personality: it loads a static or dynamic ELF
// program into a fresh address space and builds the initial stack that
// the System V x86-64 ABI (section 3.4.1) and Linux's create_elf_tables
// describe.
func (l *Linux) Exec(t *core.Task, p string, argv, envv []string) error {
	return l.exec(t, p, argv, envv, 0)
}

func (l *Linux) exec(t *core.Task, p string, argv, envv []string, depth int) error {
	f, st, dent, err := openExecutable(t, p)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p, err)
	}
	abs := pathOf(t, dent)
	var head [shebangMax]byte
	n, _ := f.ReadAt(head[:], 0)
	if interp, arg, ok, err := parseShebang(head[:n]); ok {
		f.Close()
		if err != nil {
			return fmt.Errorf("exec %s: %w", p, err)
		}
		if depth >= maxInterpDepth {
			return fmt.Errorf("exec %s: %w", p, errInterpLoop)
		}
		return l.exec(t, interp, scriptArgv(interp, arg, p, argv), envv, depth+1)
	}
	// The file stays open while its pages are mapped: the mm reads them
	// on demand. Until mapped files are reference counted (the VFS of the
	// files issue), an executable's file is never closed.
	img, err := loader.Parse(f, st.Size)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p, err)
	}
	if n := core.RunosNote(img); n != "" && n != "linux" && n != l.Name() {
		// A program built for another personality (xv6's carries a
		// runos note) would misread every Linux system call: refuse it
		// now, as execve(2) refuses a foreign format, with ENOEXEC.
		return fmt.Errorf("exec %s: %w", p, &loader.FormatError{Reason: fmt.Sprintf("built for the %s personality, not %s", n, l.Name())})
	}

	k := t.Kernel()
	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		return fmt.Errorf("exec %s: new address space: %w", p, err)
	}
	top := k.Platform.MaxUserAddress()
	m := mm.New(k.MemoryFile, as, top)
	ok := false
	defer func() {
		if !ok {
			m.Release()
		}
	}()

	bias := uintptr(0)
	if img.Type == loader.ET_DYN {
		bias = loader.DefaultDynBase
	}
	info, err := loader.Load(m, img, f, abs, bias)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p, err)
	}
	entry, base := info.Entry, uintptr(0)
	if img.Interp != "" {
		// A dynamic program: load its interpreter (ld.so) too, and start
		// there; AT_BASE tells ld.so where it is.
		ifile, ist, _, err := openExecutable(t, img.Interp)
		if err != nil {
			return fmt.Errorf("exec %s: interpreter %s: %w", p, img.Interp, err)
		}
		iimg, err := loader.Parse(ifile, ist.Size)
		if err != nil {
			return fmt.Errorf("exec %s: interpreter %s: %w", p, img.Interp, err)
		}
		iinfo, err := loader.LoadAnywhere(m, iimg, ifile, img.Interp)
		if err != nil {
			return fmt.Errorf("exec %s: interpreter %s: %w", p, img.Interp, err)
		}
		entry, base = iinfo.Entry, iinfo.Base
	}
	brk, _ := arch.PageRoundUp(info.End)
	m.SetBrkBase(brk)

	if !t.Group().HasLimits() {
		initLimits(t.Group())
		t.FDs().SetLimit(int(min(t.Group().Limit(rlimitNofile).Cur, core.MaxFDs)))
	}
	stackLimit := t.Group().Limit(rlimitStack).Cur
	m.SetStackLimit(stackLimit)
	stackTop := arch.PageRoundDown(top) - arch.PageSize
	if _, err := m.Mmap(mm.MmapOpts{
		Addr:      stackTop - initialStack,
		Length:    initialStack,
		Perms:     platformRW(img.ExecStack),
		Fixed:     true,
		GrowsDown: true,
		Name:      "[stack]",
	}); err != nil {
		return fmt.Errorf("exec %s: stack: %w", p, err)
	}
	// No set-user-ID or set-group-ID bit is honoured (the sandbox's
	// files are the host's, and its root is read-only), so the program
	// keeps the caller's ids; AT_SECURE is still 1 when they differ from
	// the real ones, as Linux sets it then.
	creds := t.Credentials().ForExec()
	auxv := []uint64{
		atMinsigstksz, hostAux.minSigStkSz,
		atHwcap, hostAux.hwcap,
		atPagesz, arch.PageSize,
		atClktck, 100,
		atPhdr, uint64(info.Phdr),
		atPhent, 56,
		atPhnum, uint64(img.Phnum),
		atBase, uint64(base),
		atFlags, 0,
		atEntry, uint64(info.Entry),
		atUID, uint64(creds.UID),
		atEUID, uint64(creds.EUID),
		atGID, uint64(creds.GID),
		atEGID, uint64(creds.EGID),
		atSecure, uint64(boolWord(creds.SecureExec())),
		atRandom, 0, // filled in by buildStack
		atHwcap2, hostAux.hwcap2,
		atExecfn, 0, // filled in by buildStack
		atPlatform, 0, // filled in by buildStack
		atNull, 0,
	}
	sp, err := buildStack(m, stackTop, p, argv, envv, auxv, stackLimit)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p, err)
	}

	// The point of no return: the old image goes.
	ok = true
	t.BeginExec()
	t.Group().UpdateCredentials(func(c core.Credentials) (core.Credentials, error) { return c.ForExec(), nil })
	t.SetMM(m)
	t.State.Regs = arch.Registers{
		Rip:    uint64(entry),
		Rsp:    uint64(sp),
		Cs:     arch.UserCS,
		Ss:     arch.UserSS,
		Eflags: arch.InitialEflags,
	}
	t.State.FP.Reset()
	t.State.FPDirty = true
	// /proc/self/exe names the file itself, however it was reached
	// (a symlink, or /proc/self/exe when a program re-executes itself).
	t.Group().Exe, t.Group().ExeDentry = abs, dent
	ae := argEnvRanges(stackTop, p, argv, envv)
	ae.Auxv = auxvBytes(auxv) // buildStack filled in its addresses
	t.Group().SetArgEnv(ae)
	t.Comm = commName(abs)
	return nil
}

// argEnvRanges is where buildStack put the argument and environment
// strings below top, for /proc/pid/cmdline and environ: each set is
// contiguous, the arguments just below the environment.
func argEnvRanges(top uintptr, execfn string, argv, envv []string) core.ArgEnv {
	var r core.ArgEnv
	r.EnvEnd = top - 8 - uintptr(len(execfn)+1)
	r.EnvStart = r.EnvEnd
	for _, s := range envv {
		r.EnvStart -= uintptr(len(s) + 1)
	}
	r.ArgEnd = r.EnvStart
	r.ArgStart = r.ArgEnd
	for _, s := range argv {
		r.ArgStart -= uintptr(len(s) + 1)
	}
	return r
}

func platformRW(exec bool) (p platformPerms) {
	p.Read, p.Write, p.Exec = true, true, exec
	return p
}

// commName is the task name exec gives: the file name, cut to 15 bytes
// (TASK_COMM_LEN - 1).
func commName(p string) string {
	b := path.Base(p)
	if len(b) > 15 {
		b = b[:15]
	}
	return b
}

// buildStack writes argv, envp and auxv below top and returns the initial
// stack pointer, which points at argc. From high to low addresses:
// the execfn string, the environment and argument strings, the platform
// string and 16 random bytes, then (16-byte aligned) argc, argv[], NULL,
// envp[], NULL, auxv pairs.
func buildStack(m *mm.MM, top uintptr, execfn string, argv, envv []string, auxv []uint64, limit uint64) (uintptr, error) {
	// execve(2): the strings may take at most a quarter of the stack
	// limit.
	total := len(execfn) + 1
	for _, s := range argv {
		total += len(s) + 1
	}
	for _, s := range envv {
		total += len(s) + 1
	}
	if limit != 0 && uint64(total) > limit/4 || total > 1<<30 {
		return 0, kerr.E2BIG
	}

	sp := top - 8 // an end marker word, as Linux leaves
	put := func(b []byte) (uintptr, error) {
		sp -= uintptr(len(b))
		_, err := m.CopyOut(sp, b)
		return sp, err
	}
	putString := func(s string) (uintptr, error) { return put(append([]byte(s), 0)) }

	execfnAddr, err := putString(execfn)
	if err != nil {
		return 0, err
	}
	envAddrs := make([]uintptr, len(envv))
	for i := len(envv) - 1; i >= 0; i-- {
		if envAddrs[i], err = putString(envv[i]); err != nil {
			return 0, err
		}
	}
	argAddrs := make([]uintptr, len(argv))
	for i := len(argv) - 1; i >= 0; i-- {
		if argAddrs[i], err = putString(argv[i]); err != nil {
			return 0, err
		}
	}
	platAddr, err := putString("x86_64")
	if err != nil {
		return 0, err
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	sp &^= 15
	randAddr, err := put(rnd[:])
	if err != nil {
		return 0, err
	}
	for i := 0; i < len(auxv); i += 2 {
		switch auxv[i] {
		case atRandom:
			auxv[i+1] = uint64(randAddr)
		case atExecfn:
			auxv[i+1] = uint64(execfnAddr)
		case atPlatform:
			auxv[i+1] = uint64(platAddr)
		}
	}

	words := 1 + len(argv) + 1 + len(envv) + 1 + len(auxv)
	sp &^= 15
	sp -= uintptr(words * 8)
	sp &^= 15
	b := make([]byte, words*8)
	w := 0
	putWord := func(v uint64) { le.PutUint64(b[8*w:], v); w++ }
	putWord(uint64(len(argv)))
	for _, a := range argAddrs {
		putWord(uint64(a))
	}
	putWord(0)
	for _, e := range envAddrs {
		putWord(uint64(e))
	}
	putWord(0)
	for _, v := range auxv {
		putWord(v)
	}
	if _, err := m.CopyOut(sp, b); err != nil {
		return 0, err
	}
	return sp, nil
}
