package kvm

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/runos-project/runos/platform"
)

func TestInterruptSpinningGuest(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(insSpin))
	for round := range 2 {
		// Nothing is pending after the first interrupt: the guest
		// runs again until the next one.
		go func() {
			time.Sleep(20 * time.Millisecond)
			g.ctx.Interrupt()
		}()
		g.switchTo(t, platform.EventInterrupt)
		if g.st.Regs.Rip != codeAddr {
			t.Errorf("round %d: rip %#x after interrupt, want the spin loop at %#x", round, g.st.Regs.Rip, codeAddr)
		}
	}
}

func TestInterruptBeforeSwitch(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(movEax(39), insSyscall))
	g.ctx.Interrupt()
	g.ctx.Interrupt() // twice is once
	g.switchTo(t, platform.EventInterrupt)
	if g.st.Regs.Rip != codeAddr {
		t.Errorf("rip moved to %#x: the guest ran", g.st.Regs.Rip)
	}
	g.switchTo(t, platform.EventSyscall)
}

// TestInterruptAfterSyscall: an interrupt between two Switches, when the
// vCPU waits in the trampoline, leaves the guest's registers alone.
func TestInterruptAfterSyscall(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(movEax(39), insSyscall, insMovRdiRax, insSyscall))
	g.switchTo(t, platform.EventSyscall)
	g.st.Regs.Rax = 77
	g.ctx.Interrupt()
	g.switchTo(t, platform.EventInterrupt)
	g.switchTo(t, platform.EventSyscall)
	if g.st.Regs.Rdi != 77 {
		t.Errorf("rdi %d, want the syscall result 77", g.st.Regs.Rdi)
	}
}

// TestThreadsShareAddressSpace runs two Contexts, on two locked
// goroutines, in one address space: each stores its own value to the
// shared data page.
func TestThreadsShareAddressSpace(t *testing.T) {
	lock(t)
	g := newGuest(t, asm(insStoreRax, insSyscall))
	var wg sync.WaitGroup
	errs := make([]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lock(t)
			ctx, err := g.p.NewContext()
			if err != nil {
				errs[i] = err.Error()
				return
			}
			defer ctx.Release()
			st := newState()
			st.Regs.Rdi, st.Regs.Rax = dataAddr+8*uint64(i), 0x100+uint64(i)
			ev, err := ctx.Switch(g.as, &st)
			if err != nil || ev.Kind != platform.EventSyscall {
				errs[i] = "Switch: " + ev.Kind.String()
				if err != nil {
					errs[i] = err.Error()
				}
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("context %d: %s", i, e)
		}
		if got := g.readMem(t, pageSize+8*int64(i)); got != 0x100+uint64(i) {
			t.Errorf("context %d stored %#x, want %#x", i, got, 0x100+i)
		}
	}
}

// TestInterruptStorm interrupts a guest over and over while it faults or
// makes system calls. On PVM an interrupt often lands after the guest's
// instruction raised its exception and before the exception went through
// the IDT; Switch must then still report the fault (or the syscall), never
// deliver the queued exception at the trampoline's iretq.
func TestInterruptStorm(t *testing.T) {
	for _, tc := range []struct {
		name string
		code []byte
		want platform.EventKind
		rips []uint64 // where the guest may stop
	}{
		{"page faults", insStoreRax, platform.EventFault, []uint64{codeAddr}},
		{"system calls", insGetpidLoop, platform.EventSyscall, []uint64{codeAddr, codeAddr + 5, codeAddr + 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lock(t)
			g := newGuest(t, tc.code)
			g.st.Regs.Rdi = unmappedAddr
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
					}
					g.ctx.Interrupt()
					time.Sleep(20 * time.Microsecond)
				}
			}()
			defer func() { close(stop); <-done }()
			var counts [3]int
			for i := range 2000 {
				ev, err := g.ctx.Switch(g.as, &g.st)
				if err != nil {
					t.Fatalf("Switch %d: %v", i, err)
				}
				switch ev.Kind {
				case tc.want:
					counts[0]++
				case platform.EventInterrupt:
					counts[1]++
				default:
					t.Fatalf("Switch %d = %+v, want %v or an interrupt", i, ev, tc.want)
				}
				if !slices.Contains(tc.rips, g.st.Regs.Rip) {
					t.Fatalf("Switch %d (%v): rip %#x, want one of %#x", i, ev.Kind, g.st.Regs.Rip, tc.rips)
				}
				if ev.Kind == platform.EventFault && (ev.Vector != platform.VectorPageFault || ev.Addr != unmappedAddr) {
					t.Fatalf("Switch %d = %+v, want a #PF at %#x", i, ev, unmappedAddr)
				}
			}
			t.Logf("%d %v events, %d interrupts", counts[0], tc.want, counts[1])
		})
	}
}
