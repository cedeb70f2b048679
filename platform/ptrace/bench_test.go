package ptrace

import (
	"runtime"
	"testing"

	"github.com/runos-project/runos/platform"
)

// getpid answers the guest's getpid loop (insGetpidLoop) once.
func (g *guest) answerGetpid(tb testing.TB) {
	ev, err := g.ctx.Switch(g.as, &g.st)
	if err != nil || ev.Kind != platform.EventSyscall || g.st.Regs.Rax != 39 {
		tb.Fatalf("Switch = %+v, %v (rax %d)", ev, err, g.st.Regs.Rax)
	}
	g.st.Regs.Rax = 4242
}

// TestSwitchDoesNotAllocate guards the hot path: a syscall round trip
// must not allocate, or the garbage collector joins every system call.
func TestSwitchDoesNotAllocate(t *testing.T) {
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), insGetpidLoop)
	g.answerGetpid(t) // creates the stub thread, loads the FPU state
	if n := testing.AllocsPerRun(200, func() { g.answerGetpid(t) }); n != 0 {
		t.Errorf("Switch allocates %v times per round trip, want 0", n)
	}
}

// BenchmarkSwitchGetpid measures one guest system call: Switch returns
// EventSyscall, the "kernel" sets the result, and the next Switch resumes.
func BenchmarkSwitchGetpid(b *testing.B) {
	for _, pin := range []bool{true, false} {
		b.Run(map[bool]string{false: "unpinned", true: "pinned"}[pin], func(b *testing.B) {
			runtime.LockOSThread()
			g := newGuest(b, Options{PinCPUs: pin}, insGetpidLoop)
			g.answerGetpid(b)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				g.answerGetpid(b)
			}
		})
	}
}

// BenchmarkMapFastPath measures Map from the thread that traces a stub
// thread of the address space: the page-fault path.
func BenchmarkMapFastPath(b *testing.B) {
	runtime.LockOSThread()
	g := newGuest(b, DefaultOptions(), insGetpidLoop)
	g.answerGetpid(b)
	rw := platform.Perms{Read: true, Write: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, rw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapViaPrimary measures Map from a thread that traces no stub
// thread of the address space: a hand-off to its primary goroutine.
func BenchmarkMapViaPrimary(b *testing.B) {
	runtime.LockOSThread()
	g := newGuest(b, DefaultOptions(), insGetpidLoop)
	// As if a Context had entered: otherwise Map is only queued (see
	// addressSpace.pending).
	g.as.mu.Lock()
	g.as.entered = true
	g.as.mu.Unlock()
	rw := platform.Perms{Read: true, Write: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, rw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewAddressSpace measures what every fork and exec pays for a
// fresh stub process: exec of the stub, its clean-up, and its release.
func BenchmarkNewAddressSpace(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := newTestPlatform(b)
	for i := 0; i < b.N; i++ {
		as, err := p.NewAddressSpace()
		if err != nil {
			b.Fatal(err)
		}
		as.Release()
	}
}
