package ptrace

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// watchdog kills the stub if a test hangs, so that a broken Interrupt makes
// Switch fail instead of the test run hanging. It is not a timing
// assertion: ten seconds is far more than any interrupt needs.
func watchdog(t *testing.T, g *guest) {
	timer := time.AfterFunc(10*time.Second, func() { unix.Kill(g.as.pid, unix.SIGKILL) })
	t.Cleanup(func() { timer.Stop() })
}

// TestInterruptDuringInjection: an interrupt signal that arrives while the
// kernel injects a Map into the same stub thread is reported by the next
// Switch, and the injection still works.
func TestInterruptDuringInjection(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
	watchdog(t, g)
	g.SwitchTo(t, platform.EventSyscall)
	// Queue the interrupt signal on the stopped stub thread, as a late
	// Interrupt would.
	t0 := g.ctx.cur
	if err := unix.Tgkill(g.as.pid, t0.tid, interruptSignal); err != nil {
		t.Fatalf("tgkill: %v", err)
	}
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, platform.Perms{Read: true}); err != nil {
		t.Fatalf("Map with a pending signal: %v", err)
	}
	g.SwitchTo(t, platform.EventInterrupt)
}
