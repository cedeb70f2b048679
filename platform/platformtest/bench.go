package platformtest

import (
	"runtime"
	"testing"

	"github.com/runos-project/runos/platform"
)

// testSwitchDoesNotAllocate guards the hot path: a syscall round trip
// must not allocate, or the garbage collector joins every system call.
func testSwitchDoesNotAllocate(t *testing.T, s Spec) {
	g := NewGuest(t, s, InsGetpidLoop)
	g.AnswerGetpid(t) // the first entry sets up the vehicle and loads the FPU state
	if n := testing.AllocsPerRun(100, func() { g.AnswerGetpid(t) }); n != 0 {
		t.Errorf("Switch allocates %v times per round trip, want 0", n)
	}
}

// BenchSwitchGetpid measures one guest system call: Switch returns
// EventSyscall, the "kernel" sets the result, and the next Switch resumes.
func BenchSwitchGetpid(b *testing.B, s Spec) {
	g := NewGuest(b, s, InsGetpidLoop)
	g.AnswerGetpid(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		g.AnswerGetpid(b)
	}
}

// BenchMapUnmap measures Map of one page followed by Unmap, from the
// thread that runs the guest (the page-fault path), after the guest ran.
func BenchMapUnmap(b *testing.B, s Spec) {
	g := NewGuest(b, s, InsGetpidLoop)
	g.AnswerGetpid(b)
	rw := platform.Perms{Read: true, Write: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := g.AS.Map(UnmappedAddr, pageSize, 3*pageSize, rw); err != nil {
			b.Fatal(err)
		}
		if err := g.AS.Unmap(UnmappedAddr, pageSize); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchNewAddressSpace measures what every fork and exec pays for a fresh
// address space, and its release.
func BenchNewAddressSpace(b *testing.B, s Spec) {
	// Locked as in NewGuest: a platform may tie the new address space
	// to the calling thread (ptrace: its tracer).
	runtime.LockOSThread()
	p, _ := NewPlatform(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		as, err := p.NewAddressSpace()
		if err != nil {
			b.Fatal(err)
		}
		as.Release()
	}
}
