package kvm

import (
	"encoding/binary"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

func TestSyscallStopAndResume(t *testing.T) {
	lock(t)
	code := asm(movEax(39), insSyscall, insMovRdiRax, movEax(60), insSyscall)
	g := newGuest(t, code)

	g.switchTo(t, platform.EventSyscall)
	r := g.st.Regs
	if r.Rax != 39 || r.OrigRax != 39 {
		t.Errorf("first syscall: rax %d orig_rax %d, want 39", r.Rax, r.OrigRax)
	}
	if want := uint64(codeAddr + 7); r.Rip != want || r.Rcx != want {
		t.Errorf("first syscall: rip %#x rcx %#x, want both %#x (after the instruction)", r.Rip, r.Rcx, want)
	}
	if r.Cs != arch.UserCS || r.Ss != arch.UserSS || r.Rsp != dataAddr+pageSize {
		t.Errorf("first syscall: cs %#x ss %#x rsp %#x", r.Cs, r.Ss, r.Rsp)
	}

	// The kernel answers 1234; the guest copies rax to rdi and makes
	// another call.
	g.st.Regs.Rax = 1234
	g.switchTo(t, platform.EventSyscall)
	r = g.st.Regs
	if r.Rax != 60 || r.Rdi != 1234 || r.Rip != codeAddr+uint64(len(code)) {
		t.Errorf("second syscall: rax %d rdi %d rip %#x, want 60 1234 %#x", r.Rax, r.Rdi, r.Rip, codeAddr+len(code))
	}
}

func TestRegistersRoundTrip(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(insRdfsbase, insSyscall))
	in := &g.st.Regs
	in.R8, in.R9, in.R10, in.R11 = 0x0808, 0x0909, 0x1010, 0x1111
	in.R12, in.R13, in.R14, in.R15 = 0x1212, 0x1313, 0x1414, 0x1515
	in.Rbx, in.Rbp, in.Rdx, in.Rsi, in.Rdi = 0xb0b0, 0xbbbb, 0xd0d0, 0x5151, 0xd1d1
	in.FsBase, in.GsBase = 0x12345000, 0x23456000
	want := *in
	g.switchTo(t, platform.EventSyscall)
	got := g.st.Regs

	// The syscall instruction itself writes rcx and r11 (return address
	// and flags), and moves rip; rdfsbase put fs_base in rdi.
	want.Rcx, want.R11, want.Rip = got.Rcx, got.R11, codeAddr+7
	want.Rdi = 0x12345000
	want.Rax, want.OrigRax = 0, 0
	want.Eflags = got.Eflags
	if got != want {
		t.Errorf("registers after a syscall stop:\n got %+v\nwant %+v", got, want)
	}
	if got.Rcx != got.Rip || got.R11&0x202 != 0x202 {
		t.Errorf("rcx %#x r11 %#x: want rcx = rip and r11 = flags", got.Rcx, got.R11)
	}
}

// xmmOffset is where xmm n lives in the XSAVE (FXSAVE) image.
func xmmOffset(n int) int { return 160 + 16*n }

func TestFPState(t *testing.T) {
	t.Run("load", func(t *testing.T) {
		lock(t)
		g := newGuest(t, asm(insMovqRaxX0, insMovRdiRax, insSyscall))
		binary.LittleEndian.PutUint64(g.st.FP.Bytes[xmmOffset(0):], 0x1122334455667788)
		g.st.FPDirty = true
		g.switchTo(t, platform.EventSyscall)
		if g.st.Regs.Rdi != 0x1122334455667788 {
			t.Errorf("guest read xmm0 = %#x, want 0x1122334455667788", g.st.Regs.Rdi)
		}
		if g.st.FPDirty {
			t.Errorf("FPDirty still set after Switch")
		}
	})
	t.Run("pull", func(t *testing.T) {
		lock(t)
		g := newGuest(t, asm(movRax(0xcafef00d12345678), insMovqX1Rax, insSyscall))
		g.switchTo(t, platform.EventSyscall)
		if err := g.ctx.PullFP(&g.st); err != nil {
			t.Fatalf("PullFP: %v", err)
		}
		if got := binary.LittleEndian.Uint64(g.st.FP.Bytes[xmmOffset(1):]); got != 0xcafef00d12345678 {
			t.Errorf("xmm1 after PullFP = %#x, want 0xcafef00d12345678", got)
		}
	})
	t.Run("two tasks on one context", func(t *testing.T) {
		// The live FPU state of one task must survive another task
		// running on the same Context in between.
		lock(t)
		g := newGuest(t, asm(insSyscall, insMovqRaxX0, insMovRdiRax, insSyscall))
		a, b := newState(), newState()
		binary.LittleEndian.PutUint64(a.FP.Bytes[xmmOffset(0):], 0xaaaa)
		binary.LittleEndian.PutUint64(b.FP.Bytes[xmmOffset(0):], 0xbbbb)
		tasks := []struct {
			st   *arch.State
			want uint64
		}{{&a, 0xaaaa}, {&b, 0xbbbb}}
		for round := 0; round < 2; round++ {
			for i, task := range tasks {
				ev, err := g.ctx.Switch(g.as, task.st)
				if err != nil || ev.Kind != platform.EventSyscall {
					t.Fatalf("round %d task %d: Switch = %+v, %v", round, i, ev, err)
				}
				if round == 1 && task.st.Regs.Rdi != task.want {
					t.Errorf("task %d saw xmm0 = %#x, want %#x", i, task.st.Regs.Rdi, task.want)
				}
			}
		}
	})
	t.Run("kept across syscall stops", func(t *testing.T) {
		lock(t)
		g := newGuest(t, asm(movRax(0x5eed), insMovqX1Rax, movEax(39), insSyscall,
			insMovqRaxX1, insMovRdiRax, insSyscall))
		g.switchTo(t, platform.EventSyscall)
		g.st.Regs.Rax = 0 // clobber rax: the value must come back from xmm1
		g.switchTo(t, platform.EventSyscall)
		if g.st.Regs.Rdi != 0x5eed {
			t.Errorf("xmm1 after a syscall stop = %#x, want 0x5eed", g.st.Regs.Rdi)
		}
	})
}
