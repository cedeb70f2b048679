package linux_test

import (
	"runtime"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/core"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/personality/linux"
	"github.com/runos-project/runos/platform"
)

// Linux x86-64 syscall numbers the fake guest makes (see syscall(2) and
// arch/x86/entry/syscalls/syscall_64.tbl).
const (
	nrGetpid    = 39
	nrExitGroup = 231
)

// fakePlatform runs no guest code: its one Context makes up the traps.
type fakePlatform struct{ ctx *fakeContext }

func (p *fakePlatform) Name() string                                    { return "fake" }
func (p *fakePlatform) NewAddressSpace() (platform.AddressSpace, error) { return fakeAS{}, nil }
func (p *fakePlatform) NewContext() (platform.Context, error)           { return p.ctx, nil }
func (p *fakePlatform) MaxUserAddress() uintptr                         { return 1 << 47 }
func (p *fakePlatform) Close()                                          {}

type fakeAS struct{}

func (fakeAS) Map(addr, length uintptr, off uint64, perms platform.Perms) error { return nil }
func (fakeAS) Unmap(addr, length uintptr) error                                 { return nil }
func (fakeAS) Release()                                                         {}

// fakeContext is a guest that calls getpid n times and then exit_group.
// Each Switch returns at once with a syscall trap, so what is measured is
// the kernel's side alone: the task loop, the personality's decode, the
// table lookup, the handler and the write of the result. It checks that
// each getpid returned the pid.
//
// Its first Switch tells the benchmark (ready) and waits (start), so that
// the timer covers the steady state only; its last tells it again (done)
// and waits (ack) before the exit, which is not part of the path.
type fakeContext struct {
	n, served, wrong int
	pid              uint64
	ready, start     chan struct{}
	done, ack        chan struct{}
}

func newFakeContext(n int) *fakeContext {
	return &fakeContext{
		n:     n,
		ready: make(chan struct{}), start: make(chan struct{}),
		done: make(chan struct{}), ack: make(chan struct{}),
	}
}

func (c *fakeContext) Switch(as platform.AddressSpace, st *arch.State) (platform.Event, error) {
	r := &st.Regs
	if c.served == 0 {
		c.ready <- struct{}{}
		<-c.start
	} else if r.Rax != c.pid {
		c.wrong++
	}
	if c.served == c.n {
		c.done <- struct{}{}
		<-c.ack
		r.Rax, r.Rdi = nrExitGroup, 0
	} else {
		r.Rax = nrGetpid
	}
	c.served++
	r.Rip += 2 // past the 2-byte syscall instruction, as after a trap
	return platform.Event{Kind: platform.EventSyscall}, nil
}

func (c *fakeContext) PullFP(st *arch.State) error { return nil }
func (c *fakeContext) Interrupt()                  {}
func (c *fakeContext) Release()                    {}

// dispatch runs n getpid traps through a fresh kernel's task loop and the
// real Linux table. Between the ready and done handshakes, measure runs
// around exactly n traps; dispatch returns how many results were wrong.
func dispatch(tb testing.TB, n int, begin, end func()) int {
	tb.Helper()
	mf, err := mm.NewMemoryFile(0)
	if err != nil {
		tb.Fatal(err)
	}
	defer mf.Close()
	ctx := newFakeContext(n)
	plat := &fakePlatform{ctx: ctx}
	k := core.NewKernel(core.Config{Platform: plat, MemoryFile: mf})
	as, _ := plat.NewAddressSpace()
	t := core.NewTestTask(k, linux.New(), mm.New(mf, as, plat.MaxUserAddress()))
	ctx.pid = uint64(t.Group().PID())
	go t.RunForTest()

	<-ctx.ready
	begin()
	ctx.start <- struct{}{}
	<-ctx.done
	end()
	ctx.ack <- struct{}{}
	if st := k.Wait(t.Group()); st.Code != 0 || st.Signal != 0 {
		tb.Fatalf("fake guest ended with %+v, want exit code 0", st)
	}
	return ctx.wrong
}

// BenchmarkDispatchGetpid measures the in-kernel path of one guest system
// call, trap → dispatch → return, with the platform taken out: one op is
// one getpid through the task loop (signal checks, Switch), Linux.Syscall
// and the table. Run it with -benchmem: the path must not allocate.
func BenchmarkDispatchGetpid(b *testing.B) {
	b.ReportAllocs()
	if wrong := dispatch(b, b.N, b.ResetTimer, b.StopTimer); wrong != 0 {
		b.Fatalf("%d of %d getpid calls returned a wrong pid", wrong, b.N)
	}
}

// TestDispatchDoesNotAllocate checks, without timing anything, that the
// steady-state trap path allocates nothing: over 10000 getpid traps, the
// whole process may allocate less than once per hundred traps (the slack
// is for the runtime and the test framework, not for the path).
func TestDispatchDoesNotAllocate(t *testing.T) {
	const n = 10000
	var before, after runtime.MemStats
	wrong := dispatch(t, n,
		func() { runtime.ReadMemStats(&before) },
		func() { runtime.ReadMemStats(&after) })
	if wrong != 0 {
		t.Errorf("%d of %d getpid calls returned a wrong pid", wrong, n)
	}
	if allocs := after.Mallocs - before.Mallocs; allocs >= n/100 {
		t.Errorf("%d allocations in %d traps, want none per trap", allocs, n)
	}
}
