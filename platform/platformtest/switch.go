package platformtest

import (
	"encoding/binary"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

// testSyscallStopAndResume: Switch stops after a syscall instruction with
// the registers it left, and the kernel's answer in rax reaches the guest.
func testSyscallStopAndResume(t *testing.T, s Spec) {
	code := Asm(MovEax(39), InsSyscall, InsMovRdiRax, MovEax(60), InsSyscall)
	g := NewGuest(t, s, code)

	g.SwitchTo(t, platform.EventSyscall)
	r := g.St.Regs
	if r.Rax != 39 || r.OrigRax != 39 {
		t.Errorf("first syscall: rax %d orig_rax %d, want 39", r.Rax, r.OrigRax)
	}
	if want := uint64(CodeAddr + 7); r.Rip != want || r.Rcx != want {
		t.Errorf("first syscall: rip %#x rcx %#x, want both %#x (after the instruction)", r.Rip, r.Rcx, want)
	}
	if r.Cs != arch.UserCS || r.Ss != arch.UserSS || r.Rsp != DataAddr+pageSize {
		t.Errorf("first syscall: cs %#x ss %#x rsp %#x, want %#x %#x %#x", r.Cs, r.Ss, r.Rsp, arch.UserCS, arch.UserSS, DataAddr+pageSize)
	}

	// The kernel answers 1234; the guest copies rax to rdi and makes
	// another call.
	g.St.Regs.Rax = 1234
	g.SwitchTo(t, platform.EventSyscall)
	r = g.St.Regs
	if r.Rax != 60 || r.Rdi != 1234 || r.Rip != CodeAddr+uint64(len(code)) {
		t.Errorf("second syscall: rax %d rdi %d rip %#x, want 60 1234 %#x", r.Rax, r.Rdi, r.Rip, CodeAddr+len(code))
	}
}

// testRegistersRoundTrip: every register the kernel sets reaches the guest
// and comes back unchanged, and the guest's fs and gs segments use the
// bases the kernel set (as a thread pointer does).
func testRegistersRoundTrip(t *testing.T, s Spec) {
	g := NewGuest(t, s, Asm(InsLoadFsRdi, InsLoadGsRsi, InsSyscall))
	const fsWord, gsWord = 0xf5f5f5f5_00000001, 0x95959595_00000002
	g.WriteMem(t, pageSize+0x40, fsWord)
	g.WriteMem(t, pageSize+0x80, gsWord)
	in := &g.St.Regs
	in.R8, in.R9, in.R10, in.R11 = 0x0808, 0x0909, 0x1010, 0x1111
	in.R12, in.R13, in.R14, in.R15 = 0x1212, 0x1313, 0x1414, 0x1515
	in.Rbx, in.Rbp, in.Rdx, in.Rsi, in.Rdi = 0xb0b0, 0xbbbb, 0xd0d0, 0x5151, 0xd1d1
	in.FsBase, in.GsBase = DataAddr+0x40, DataAddr+0x80
	want := *in
	g.SwitchTo(t, platform.EventSyscall)
	got := g.St.Regs

	// The syscall instruction itself writes rcx and r11 (return address
	// and flags), and moves rip; the loads put the words at fs:0 and
	// gs:0 in rdi and rsi.
	want.Rcx, want.R11, want.Rip = got.Rcx, got.R11, CodeAddr+uint64(len(InsLoadFsRdi)+len(InsLoadGsRsi)+len(InsSyscall))
	want.Rdi, want.Rsi = fsWord, gsWord
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

func testFPState(t *testing.T, s Spec) {
	t.Run("load", func(t *testing.T) {
		g := NewGuest(t, s, Asm(InsMovqRaxX0, InsMovRdiRax, InsSyscall))
		binary.LittleEndian.PutUint64(g.St.FP.Bytes[xmmOffset(0):], 0x1122334455667788)
		g.St.FPDirty = true
		g.SwitchTo(t, platform.EventSyscall)
		if g.St.Regs.Rdi != 0x1122334455667788 {
			t.Errorf("guest read xmm0 = %#x, want 0x1122334455667788", g.St.Regs.Rdi)
		}
		if g.St.FPDirty {
			t.Errorf("FPDirty still set after Switch")
		}
	})
	t.Run("pull", func(t *testing.T) {
		g := NewGuest(t, s, Asm(MovRax(0xcafef00d12345678), InsMovqX1Rax, InsSyscall))
		g.SwitchTo(t, platform.EventSyscall)
		if err := g.Ctx.PullFP(&g.St); err != nil {
			t.Fatalf("PullFP: %v", err)
		}
		if got := binary.LittleEndian.Uint64(g.St.FP.Bytes[xmmOffset(1):]); got != 0xcafef00d12345678 {
			t.Errorf("xmm1 after PullFP = %#x, want 0xcafef00d12345678", got)
		}
	})
	t.Run("two tasks on one context", func(t *testing.T) {
		// The live FPU state of one task must survive another task
		// running on the same Context in between.
		g := NewGuest(t, s, Asm(InsSyscall, InsMovqRaxX0, InsMovRdiRax, InsSyscall))
		a, b := NewState(), NewState()
		binary.LittleEndian.PutUint64(a.FP.Bytes[xmmOffset(0):], 0xaaaa)
		binary.LittleEndian.PutUint64(b.FP.Bytes[xmmOffset(0):], 0xbbbb)
		tasks := []struct {
			st   *arch.State
			want uint64
		}{{&a, 0xaaaa}, {&b, 0xbbbb}}
		for round := 0; round < 2; round++ {
			for i, task := range tasks {
				ev, err := g.Ctx.Switch(g.AS, task.st)
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
		g := NewGuest(t, s, Asm(MovRax(0x5eed), InsMovqX1Rax, MovEax(39), InsSyscall,
			InsMovqRaxX1, InsMovRdiRax, InsSyscall))
		g.SwitchTo(t, platform.EventSyscall)
		g.St.Regs.Rax = 0 // clobber rax: the value must come back from xmm1
		g.SwitchTo(t, platform.EventSyscall)
		if g.St.Regs.Rdi != 0x5eed {
			t.Errorf("xmm1 after a syscall stop = %#x, want 0x5eed", g.St.Regs.Rdi)
		}
	})
}
