package platformtest

import (
	"encoding/binary"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// The suite runs hand-assembled guest code. Layout of a test guest:
//
//	CodeAddr      one r-x page: the code, memory file offset 0
//	DataAddr      one rw- page: data and stack, offset 1 page
//	ROAddr        one r-- page, offset 2 pages
//	UnmappedAddr  nothing (tests map offset 3 pages or more here)
const (
	CodeAddr     = 0x400000
	DataAddr     = 0x600000
	ROAddr       = 0x700000
	UnmappedAddr = 0x800000

	// MemFilePages is the size of the memory file, in pages.
	MemFilePages = 8

	pageSize = arch.PageSize
)

// Instruction encodings for test guests.
var (
	InsSyscall    = []byte{0x0f, 0x05}
	InsMovRdiRax  = []byte{0x48, 0x89, 0xc7}                         // mov rdi, rax
	InsStoreRax   = []byte{0x48, 0x89, 0x07}                         // mov [rdi], rax
	InsLoadRax    = []byte{0x48, 0x8b, 0x07}                         // mov rax, [rdi]
	InsCallRdi    = []byte{0xff, 0xd7}                               // call rdi
	InsMovqRaxX0  = []byte{0x66, 0x48, 0x0f, 0x7e, 0xc0}             // movq rax, xmm0
	InsMovqX1Rax  = []byte{0x66, 0x48, 0x0f, 0x6e, 0xc8}             // movq xmm1, rax
	InsMovqRaxX1  = []byte{0x66, 0x48, 0x0f, 0x7e, 0xc8}             // movq rax, xmm1
	InsLoadFsRdi  = []byte{0x64, 0x48, 0x8b, 0x3c, 0x25, 0, 0, 0, 0} // mov rdi, fs:[0]
	InsLoadGsRsi  = []byte{0x65, 0x48, 0x8b, 0x34, 0x25, 0, 0, 0, 0} // mov rsi, gs:[0]
	InsUD2        = []byte{0x0f, 0x0b}
	InsInt3       = []byte{0xcc}
	InsHlt        = []byte{0xf4}
	InsNop        = []byte{0x90}
	InsDivByZero  = []byte{0x31, 0xc9, 0xf7, 0xf1} // xor ecx, ecx; div ecx
	InsSpin       = []byte{0xeb, 0xfe}             // jmp .
	InsGetpidLoop = []byte{0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}
)

// MovEax is "mov eax, imm32".
func MovEax(v uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{0xb8}, v)
}

// MovRax is "mov rax, imm64".
func MovRax(v uint64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{0x48, 0xb8}, v)
}

// Asm concatenates instructions into one piece of code.
func Asm(parts ...[]byte) []byte {
	var code []byte
	for _, p := range parts {
		code = append(code, p...)
	}
	return code
}

// NewPlatform creates a memory file of MemFilePages pages and the platform
// under test over it, closed when tb ends. It returns the platform and the
// memory file's descriptor.
func NewPlatform(tb testing.TB, s Spec) (platform.Platform, int) {
	tb.Helper()
	fd, err := unix.MemfdCreate("runos-platformtest", unix.MFD_CLOEXEC)
	if err != nil {
		tb.Fatalf("memfd_create: %v", err)
	}
	tb.Cleanup(func() { unix.Close(fd) })
	if err := unix.Ftruncate(fd, MemFilePages*pageSize); err != nil {
		tb.Fatalf("ftruncate: %v", err)
	}
	p := s.New(tb, fd)
	tb.Cleanup(p.Close)
	return p, fd
}

// Guest is one test program: a platform, an address space with the layout
// above, a Context, and a task state ready to run the code.
type Guest struct {
	Platform platform.Platform
	MemFD    int
	AS       platform.AddressSpace
	Ctx      platform.Context
	St       arch.State
}

// NewGuest builds a guest running code. It locks the calling goroutine to
// its thread for good, as a Context requires (the thread traces the stub,
// or owns the vCPU); the thread ends with the goroutine, after the
// clean-ups, which run on it.
func NewGuest(tb testing.TB, s Spec, code []byte) *Guest {
	tb.Helper()
	runtime.LockOSThread()
	g := &Guest{}
	g.Platform, g.MemFD = NewPlatform(tb, s)
	if _, err := unix.Pwrite(g.MemFD, code, 0); err != nil {
		tb.Fatalf("pwrite code: %v", err)
	}
	as, err := g.Platform.NewAddressSpace()
	if err != nil {
		tb.Fatalf("NewAddressSpace: %v", err)
	}
	g.AS = as
	tb.Cleanup(as.Release)
	for _, m := range []struct {
		addr  uintptr
		off   uint64
		perms platform.Perms
	}{
		{CodeAddr, 0, platform.Perms{Read: true, Exec: true}},
		{DataAddr, pageSize, platform.Perms{Read: true, Write: true}},
		{ROAddr, 2 * pageSize, platform.Perms{Read: true}},
	} {
		if err := as.Map(m.addr, pageSize, m.off, m.perms); err != nil {
			tb.Fatalf("Map %#x: %v", m.addr, err)
		}
	}
	ctx, err := g.Platform.NewContext()
	if err != nil {
		tb.Fatalf("NewContext: %v", err)
	}
	g.Ctx = ctx
	tb.Cleanup(ctx.Release)
	g.St = NewState()
	return g
}

// NewState is a fresh task state at CodeAddr, with its stack at the top of
// the data page and the initial FPU state to load.
func NewState() arch.State {
	return arch.State{
		Regs: arch.Registers{
			Rip:    CodeAddr,
			Rsp:    DataAddr + pageSize,
			Cs:     arch.UserCS,
			Ss:     arch.UserSS,
			Eflags: arch.InitialEflags,
		},
		FP:      arch.NewFPState(),
		FPDirty: true,
	}
}

// SwitchTo runs the guest and fails the test on error or on an event of
// another kind.
func (g *Guest) SwitchTo(tb testing.TB, want platform.EventKind) platform.Event {
	tb.Helper()
	ev, err := g.Ctx.Switch(g.AS, &g.St)
	if err != nil {
		tb.Fatalf("Switch: %v", err)
	}
	if ev.Kind != want {
		tb.Fatalf("Switch = %+v (rip %#x), want a %v event", ev, g.St.Regs.Rip, want)
	}
	return ev
}

// ReadMem reads 8 bytes of the memory file at off.
func (g *Guest) ReadMem(tb testing.TB, off int64) uint64 {
	tb.Helper()
	var b [8]byte
	if _, err := unix.Pread(g.MemFD, b[:], off); err != nil {
		tb.Fatalf("pread: %v", err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

// WriteMem writes v as 8 bytes of the memory file at off.
func (g *Guest) WriteMem(tb testing.TB, off int64, v uint64) {
	tb.Helper()
	if _, err := unix.Pwrite(g.MemFD, binary.LittleEndian.AppendUint64(nil, v), off); err != nil {
		tb.Fatalf("pwrite: %v", err)
	}
}

// AnswerGetpid answers the guest's getpid loop (InsGetpidLoop) once. A
// signal to the thread (the Go runtime sends SIGURG to preempt) may cut a
// run short with an EventInterrupt, which the platform interface allows at
// any time; the guest then simply runs on.
func (g *Guest) AnswerGetpid(tb testing.TB) {
	ev, err := g.Ctx.Switch(g.AS, &g.St)
	for err == nil && ev.Kind == platform.EventInterrupt {
		ev, err = g.Ctx.Switch(g.AS, &g.St)
	}
	if err != nil || ev.Kind != platform.EventSyscall || g.St.Regs.Rax != 39 {
		tb.Fatalf("Switch = %+v, %v (rax %d)", ev, err, g.St.Regs.Rax)
	}
	g.St.Regs.Rax = 4242
}
