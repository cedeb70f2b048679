package platformtest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/runos-project/runos/platform"
)

// watchdog ends the test binary if a Switch hangs, so that a broken
// Interrupt fails with a message instead of hanging the run until go
// test's own timeout. It is not a timing assertion: ten seconds is far
// more than any interrupt needs.
func watchdog(t *testing.T) {
	name := t.Name()
	timer := time.AfterFunc(10*time.Second, func() {
		panic(fmt.Sprintf("%s: Switch still running 10s after Interrupt", name))
	})
	t.Cleanup(func() { timer.Stop() })
}

func testInterruptSpinningGuest(t *testing.T, s Spec) {
	g := NewGuest(t, s, InsSpin)
	watchdog(t)
	for round := range 2 {
		// Nothing is pending after the first interrupt: the guest
		// runs again until the next one.
		go func() {
			time.Sleep(20 * time.Millisecond)
			g.Ctx.Interrupt()
		}()
		g.SwitchTo(t, platform.EventInterrupt)
		if g.St.Regs.Rip != CodeAddr {
			t.Errorf("round %d: rip %#x after interrupt, want the spin loop at %#x", round, g.St.Regs.Rip, CodeAddr)
		}
	}
}

func testInterruptBeforeSwitch(t *testing.T, s Spec) {
	g := NewGuest(t, s, Asm(MovEax(39), InsSyscall))
	watchdog(t)
	g.Ctx.Interrupt()
	g.Ctx.Interrupt() // twice is once
	g.SwitchTo(t, platform.EventInterrupt)
	if g.St.Regs.Rip != CodeAddr {
		t.Errorf("rip moved to %#x: the guest ran", g.St.Regs.Rip)
	}
	g.SwitchTo(t, platform.EventSyscall)
}

// testInterruptAfterSyscall: an interrupt between two Switches, while the
// guest is stopped at a syscall, leaves the guest's registers alone.
func testInterruptAfterSyscall(t *testing.T, s Spec) {
	g := NewGuest(t, s, Asm(MovEax(39), InsSyscall, InsMovRdiRax, InsSyscall))
	g.SwitchTo(t, platform.EventSyscall)
	g.St.Regs.Rax = 77
	g.Ctx.Interrupt()
	g.SwitchTo(t, platform.EventInterrupt)
	g.SwitchTo(t, platform.EventSyscall)
	if g.St.Regs.Rdi != 77 {
		t.Errorf("rdi %d, want the syscall result 77", g.St.Regs.Rdi)
	}
}

// testThreadsShareAddressSpace runs two Contexts, on two locked
// goroutines, in one address space: each stores its own value to the
// shared data page.
func testThreadsShareAddressSpace(t *testing.T, s Spec) {
	g := NewGuest(t, s, Asm(InsStoreRax, InsSyscall))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Locked for good: the thread ends with the goroutine.
			runtime.LockOSThread()
			ctx, err := g.Platform.NewContext()
			if err != nil {
				errs[i] = err
				return
			}
			defer ctx.Release()
			st := NewState()
			st.Regs.Rdi, st.Regs.Rax = DataAddr+8*uint64(i), 0x100+uint64(i)
			if ev, err := ctx.Switch(g.AS, &st); err != nil || ev.Kind != platform.EventSyscall {
				errs[i] = fmt.Errorf("Switch = %+v, %v", ev, err)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("context %d: %v", i, err)
		}
		if got := g.ReadMem(t, pageSize+8*int64(i)); got != 0x100+uint64(i) {
			t.Errorf("context %d stored %#x, want %#x", i, got, 0x100+i)
		}
	}
}
