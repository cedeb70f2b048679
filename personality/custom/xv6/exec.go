package xv6

import (
	"fmt"
	"path"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/kernel/loader"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// stackSize is the user stack. xv6 gives one page; a bit more room here
// keeps a recursive shell or a student's test from tripping on it. It
// does not grow: below it is unmapped, and touching that kills the
// process, as xv6's guard page does.
const stackSize = 64 << 10

// Exec loads a static xv6 program into a fresh address space, as xv6's
// exec: the ELF segments, a heap break just above them (for sbrk), and a
// stack holding the argument strings and argv. A program without the
// runos "xv6" note is refused, so that `--personality=xv6 prog` with a
// Linux program fails at once with a clear message instead of misreading
// its system calls.
func (x *Xv6) Exec(t *core.Task, p string, argv, envv []string) error {
	k := t.Kernel()
	f, _, err := k.FS.OpenAt(t.FSContext(), t.Group().WorkingDir(), p, fs.OpenFlags{Read: true}, 0)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("exec %s: %w", p, err)
	}
	if st.Mode&fs.ModeTypeMask != fs.ModeRegular {
		f.Close()
		return fmt.Errorf("exec %s: %w", p, kerr.EACCES)
	}
	img, err := loader.Parse(f, st.Size)
	if err != nil {
		f.Close()
		return fmt.Errorf("exec %s: %w", p, err)
	}
	if core.RunosNote(img) != NoteName {
		f.Close()
		return fmt.Errorf("exec %s: %w", p, &loader.FormatError{Reason: `not an xv6 program (no runos note "xv6")`})
	}
	if img.Interp != "" {
		f.Close()
		return fmt.Errorf("exec %s: %w", p, &loader.FormatError{Reason: "xv6 programs are static"})
	}
	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		f.Close()
		return err
	}
	m := mm.New(k.MemoryFile, as, k.Platform.MaxUserAddress())
	bias := uintptr(0)
	if img.Type == loader.ET_DYN {
		bias = loader.DefaultDynBase // a static-pie program
	}
	info, err := loader.Load(m, img, f, p, bias)
	if err != nil {
		m.Release()
		return fmt.Errorf("exec %s: %w", p, err)
	}
	// The file stays open: the mm reads its pages on demand.
	brk, _ := arch.PageRoundUp(info.End)
	m.SetBrkBase(brk)

	top := arch.PageRoundDown(k.Platform.MaxUserAddress()) - arch.PageSize
	if _, err := m.Mmap(mm.MmapOpts{Addr: top - stackSize, Length: stackSize, Fixed: true,
		Perms: platform.Perms{Read: true, Write: true}, Name: "[stack]"}); err != nil {
		m.Release()
		return err
	}
	sp, argvAddr, err := buildStack(m, top, argv)
	if err != nil {
		m.Release()
		return fmt.Errorf("exec %s: %w", p, err)
	}

	// Past this point the old program is gone.
	t.BeginExec()
	t.SetMM(m)
	t.State.Regs = arch.Registers{Rip: uint64(info.Entry), Rsp: uint64(sp),
		Rdi: uint64(len(argv)), Rsi: uint64(argvAddr),
		Cs: arch.UserCS, Ss: arch.UserSS, Eflags: arch.InitialEflags}
	t.State.FP.Reset()
	t.State.FPDirty = true
	t.Group().Exe = p
	t.Comm = path.Base(p)
	return nil
}

// buildStack copies the argument strings below top, then, 16-byte
// aligned, argc, the argv pointers and a NULL: rsp points at argc, as
// in the System V ABI (without envp or auxv). For convenience rdi and
// rsi also hold argc and argv, like xv6's a0 and a1.
func buildStack(m *mm.MM, top uintptr, argv []string) (sp, argvAddr uintptr, err error) {
	total := 0
	for _, a := range argv {
		total += len(a) + 1
	}
	if total+8*(len(argv)+2) > stackSize/2 {
		return 0, 0, kerr.E2BIG
	}
	sp = top
	strs := make([]uint64, len(argv))
	for i := len(argv) - 1; i >= 0; i-- {
		sp -= uintptr(len(argv[i]) + 1)
		if _, err := m.CopyOut(sp, append([]byte(argv[i]), 0)); err != nil {
			return 0, 0, err
		}
		strs[i] = uint64(sp)
	}
	words := append([]uint64{uint64(len(argv))}, strs...)
	words = append(words, 0)
	sp = (sp - uintptr(8*len(words))) &^ 15
	b := make([]byte, 8*len(words))
	for i, w := range words {
		le.PutUint64(b[8*i:], w)
	}
	if _, err := m.CopyOut(sp, b); err != nil {
		return 0, 0, err
	}
	return sp, sp + 8, nil
}
