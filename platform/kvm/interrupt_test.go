package kvm

import (
	"slices"
	"testing"
	"time"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// TestInterruptStorm interrupts a guest over and over while it faults or
// makes system calls. On PVM an interrupt often lands after the guest's
// instruction raised its exception and before the exception went through
// the IDT; Switch must then still report the fault (or the syscall), never
// deliver the queued exception at the trampoline's iretq.
func TestInterruptStorm(t *testing.T) {
	const codeAddr, unmappedAddr = platformtest.CodeAddr, platformtest.UnmappedAddr
	for _, tc := range []struct {
		name string
		code []byte
		want platform.EventKind
		rips []uint64 // where the guest may stop
	}{
		{"page faults", platformtest.InsStoreRax, platform.EventFault, []uint64{codeAddr}},
		{"system calls", platformtest.InsGetpidLoop, platform.EventSyscall, []uint64{codeAddr, codeAddr + 5, codeAddr + 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGuest(t, tc.code)
			g.St.Regs.Rdi = unmappedAddr
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
					g.Ctx.Interrupt()
					time.Sleep(20 * time.Microsecond)
				}
			}()
			defer func() { close(stop); <-done }()
			var counts [3]int
			for i := range 2000 {
				ev, err := g.Ctx.Switch(g.AS, &g.St)
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
				if !slices.Contains(tc.rips, g.St.Regs.Rip) {
					t.Fatalf("Switch %d (%v): rip %#x, want one of %#x", i, ev.Kind, g.St.Regs.Rip, tc.rips)
				}
				if ev.Kind == platform.EventFault && (ev.Vector != platform.VectorPageFault || ev.Addr != unmappedAddr) {
					t.Fatalf("Switch %d = %+v, want a #PF at %#x", i, ev, unmappedAddr)
				}
			}
			t.Logf("%d %v events, %d interrupts", counts[0], tc.want, counts[1])
		})
	}
}
