package kvm

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// The tests run hand-assembled guest code. Layout of a test guest:
//
//	codeAddr      one r-x page: the code, memory file offset 0
//	dataAddr      one rw- page: data and stack, offset 1 page
//	roAddr        one r-- page, offset 2 pages
//	unmappedAddr  nothing (tests map offset 3 pages here)
const (
	codeAddr     = 0x400000
	dataAddr     = 0x600000
	roAddr       = 0x700000
	unmappedAddr = 0x800000

	memFilePages = 8
)

// Instruction encodings used by the tests.
var (
	insSyscall    = []byte{0x0f, 0x05}
	insMovRdiRax  = []byte{0x48, 0x89, 0xc7}             // mov rdi, rax
	insStoreRax   = []byte{0x48, 0x89, 0x07}             // mov [rdi], rax
	insLoadRax    = []byte{0x48, 0x8b, 0x07}             // mov rax, [rdi]
	insCallRdi    = []byte{0xff, 0xd7}                   // call rdi
	insMovqRaxX0  = []byte{0x66, 0x48, 0x0f, 0x7e, 0xc0} // movq rax, xmm0
	insMovqX1Rax  = []byte{0x66, 0x48, 0x0f, 0x6e, 0xc8} // movq xmm1, rax
	insMovqRaxX1  = []byte{0x66, 0x48, 0x0f, 0x7e, 0xc8} // movq rax, xmm1
	insRdfsbase   = []byte{0xf3, 0x48, 0x0f, 0xae, 0xc7} // rdfsbase rdi
	insUD2        = []byte{0x0f, 0x0b}
	insInt3       = []byte{0xcc}
	insHlt        = []byte{0xf4}
	insNop        = []byte{0x90}
	insDivByZero  = []byte{0x31, 0xc9, 0xf7, 0xf1} // xor ecx, ecx; div ecx
	insSpin       = []byte{0xeb, 0xfe}             // jmp .
	insGetpidLoop = []byte{0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}
)

// movEax is "mov eax, imm32".
func movEax(v uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{0xb8}, v)
}

// movRax is "mov rax, imm64".
func movRax(v uint64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{0x48, 0xb8}, v)
}

func asm(parts ...[]byte) []byte {
	var code []byte
	for _, p := range parts {
		code = append(code, p...)
	}
	return code
}

// newPlatform returns a platform over a fresh memory file, or skips the
// test where KVM cannot run here.
func newPlatform(t testing.TB) (*Platform, int) {
	t.Helper()
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skipf("kvm platform: /dev/kvm: %v", err)
	}
	fd, err := unix.MemfdCreate("runos-kvm-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatalf("memfd_create: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Ftruncate(fd, memFilePages*pageSize); err != nil {
		t.Fatalf("ftruncate: %v", err)
	}
	p, err := New(fd)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("kvm platform: /dev/kvm: %v", err)
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(p.Close)
	return p, fd
}

// guest is one test program: a platform, an address space with the layout
// above, a Context, and a task state ready to run the code.
type guest struct {
	p     *Platform
	memFD int
	as    *addressSpace
	ctx   *Context
	st    arch.State
}

// newGuest builds a guest. The calling goroutine must be locked to its
// thread (it owns the vCPU).
func newGuest(t testing.TB, code []byte) *guest {
	t.Helper()
	g := &guest{}
	g.p, g.memFD = newPlatform(t)
	if _, err := unix.Pwrite(g.memFD, code, 0); err != nil {
		t.Fatalf("pwrite code: %v", err)
	}
	as, err := g.p.NewAddressSpace()
	if err != nil {
		t.Fatalf("NewAddressSpace: %v", err)
	}
	g.as = as.(*addressSpace)
	t.Cleanup(as.Release)
	for _, m := range []struct {
		addr  uintptr
		off   uint64
		perms platform.Perms
	}{
		{codeAddr, 0, platform.Perms{Read: true, Exec: true}},
		{dataAddr, pageSize, platform.Perms{Read: true, Write: true}},
		{roAddr, 2 * pageSize, platform.Perms{Read: true}},
	} {
		if err := as.Map(m.addr, pageSize, m.off, m.perms); err != nil {
			t.Fatalf("Map %#x: %v", m.addr, err)
		}
	}
	ctx, err := g.p.NewContext()
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	g.ctx = ctx.(*Context)
	t.Cleanup(ctx.Release)
	g.st = newState()
	return g
}

func newState() arch.State {
	return arch.State{
		Regs: arch.Registers{
			Rip:    codeAddr,
			Rsp:    dataAddr + pageSize,
			Cs:     arch.UserCS,
			Ss:     arch.UserSS,
			Eflags: arch.InitialEflags,
		},
		FP:      arch.NewFPState(),
		FPDirty: true,
	}
}

// switchTo runs the guest and fails the test on error or on an event of
// another kind.
func (g *guest) switchTo(t testing.TB, want platform.EventKind) platform.Event {
	t.Helper()
	ev, err := g.ctx.Switch(g.as, &g.st)
	if err != nil {
		t.Fatalf("Switch: %v", err)
	}
	if ev.Kind != want {
		t.Fatalf("Switch = %+v (rip %#x), want a %v event", ev, g.st.Regs.Rip, want)
	}
	return ev
}

// readMem reads 8 bytes of the memory file.
func (g *guest) readMem(t testing.TB, off int64) uint64 {
	t.Helper()
	var b [8]byte
	if _, err := unix.Pread(g.memFD, b[:], off); err != nil {
		t.Fatalf("pread: %v", err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

func lock(t testing.TB) {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}
