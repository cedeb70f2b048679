package ptrace

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
)

// watchdog kills the stub if a test hangs, so that a broken Interrupt makes
// Switch fail instead of the test run hanging. It is not a timing
// assertion: ten seconds is far more than any interrupt needs.
func watchdog(t *testing.T, g *guest) {
	timer := time.AfterFunc(10*time.Second, func() { unix.Kill(g.as.pid, unix.SIGKILL) })
	t.Cleanup(func() { timer.Stop() })
}

func TestInterruptSpinningGuest(t *testing.T) {
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), asm(insSpin))
	watchdog(t, g)
	go func() {
		time.Sleep(20 * time.Millisecond)
		g.ctx.Interrupt()
	}()
	g.switchTo(t, platform.EventInterrupt)
	if g.st.Regs.Rip != codeAddr {
		t.Errorf("rip %#x after interrupt, want the spin loop at %#x", g.st.Regs.Rip, codeAddr)
	}
	// Nothing is pending any more: the guest runs again until the next
	// interrupt.
	go func() {
		time.Sleep(20 * time.Millisecond)
		g.ctx.Interrupt()
	}()
	g.switchTo(t, platform.EventInterrupt)
}

func TestInterruptBeforeSwitch(t *testing.T) {
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), asm(movEax(39), insSyscall))
	watchdog(t, g)
	g.ctx.Interrupt()
	g.ctx.Interrupt() // twice is once
	g.switchTo(t, platform.EventInterrupt)
	if g.st.Regs.Rip != codeAddr {
		t.Errorf("rip moved to %#x: the guest ran", g.st.Regs.Rip)
	}
	g.switchTo(t, platform.EventSyscall)
}

// TestInterruptDuringInjection: an interrupt signal that arrives while the
// kernel injects a Map into the same stub thread is reported by the next
// Switch, and the injection still works.
func TestInterruptDuringInjection(t *testing.T) {
	runtime.LockOSThread()
	g := newGuest(t, DefaultOptions(), asm(insSyscall))
	watchdog(t, g)
	g.switchTo(t, platform.EventSyscall)
	// Queue the interrupt signal on the stopped stub thread, as a late
	// Interrupt would.
	t0 := g.ctx.cur
	if err := unix.Tgkill(g.as.pid, t0.tid, interruptSignal); err != nil {
		t.Fatalf("tgkill: %v", err)
	}
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, platform.Perms{Read: true}); err != nil {
		t.Fatalf("Map with a pending signal: %v", err)
	}
	g.switchTo(t, platform.EventInterrupt)
}
