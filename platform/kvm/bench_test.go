package kvm

import (
	"testing"

	"github.com/runos-project/runos/platform"
)

// answerGetpid answers the guest's getpid loop (insGetpidLoop) once. A
// signal to the thread (the Go runtime sends SIGURG to preempt) may cut a
// run short with an EventInterrupt, which the platform allows at any
// time; the guest then simply runs on.
func (g *guest) answerGetpid(tb testing.TB) {
	ev, err := g.ctx.Switch(g.as, &g.st)
	for err == nil && ev.Kind == platform.EventInterrupt {
		ev, err = g.ctx.Switch(g.as, &g.st)
	}
	if err != nil || ev.Kind != platform.EventSyscall || g.st.Regs.Rax != 39 {
		tb.Fatalf("Switch = %+v, %v (rax %d)", ev, err, g.st.Regs.Rax)
	}
	g.st.Regs.Rax = 4242
}

// TestSwitchDoesNotAllocate guards the hot path: a syscall round trip
// must not allocate, or the garbage collector joins every system call.
func TestSwitchDoesNotAllocate(t *testing.T) {
	lock(t)
	g := newGuest(t, insGetpidLoop)
	g.answerGetpid(t)
	if n := testing.AllocsPerRun(50, func() { g.answerGetpid(t) }); n != 0 {
		t.Errorf("Switch allocates %v times per round trip, want 0", n)
	}
}

// BenchmarkSwitchGetpid measures one guest system call: Switch returns
// EventSyscall, the "kernel" sets the result, and the next Switch resumes.
func BenchmarkSwitchGetpid(b *testing.B) {
	lock(b)
	g := newGuest(b, insGetpidLoop)
	g.answerGetpid(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		g.answerGetpid(b)
	}
}

// BenchmarkMap measures Map of one fresh page followed by Unmap (which
// zaps it).
func BenchmarkMapUnmap(b *testing.B) {
	lock(b)
	g := newGuest(b, insGetpidLoop)
	rw := platform.Perms{Read: true, Write: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, rw); err != nil {
			b.Fatal(err)
		}
		g.as.Unmap(unmappedAddr, pageSize)
	}
}
