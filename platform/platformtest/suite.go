// Package platformtest is the behaviour every platform must show, run by
// each platform's tests.
//
// A platform's test calls Run with a Spec: how to create the platform over
// a memory file, and the few facts in which platforms may differ (what
// MaxUserAddress is, whether a page fault says what the access was). Run
// runs every case of the platform.Platform contract as a subtest: syscall
// stops, the register file and FPU state, page faults and demand paging,
// exceptions, Map's argument checks, interrupts, threads sharing an address
// space, and an allocation-free syscall round trip. The Bench functions are
// the shared benchmark bodies.
//
// The package knows only the platform interfaces, never a concrete
// platform: what is special to one mechanism is tested in its own package.
package platformtest

import (
	"testing"

	"github.com/runos-project/runos/platform"
)

// Spec describes the platform under test to the suite.
type Spec struct {
	// New returns the platform under test over memFD, the memory file.
	// It skips tb (tb.Skip) where the platform cannot run on this host.
	New func(tb testing.TB, memFD int) platform.Platform

	// MaxUserAddress is what Platform.MaxUserAddress must return.
	MaxUserAddress uintptr

	// AccessKnown says whether page faults tell a read from a write or
	// a fetch (platform.Event.AccessKnown).
	AccessKnown bool

	// PageFaults are cases the platform adds to the page-fault table,
	// mostly for the memory it keeps for itself in every address space.
	PageFaults []PageFault
}

// PageFault is one case of the page-fault table: Code runs at CodeAddr
// with rdi = Addr, and must raise a #PF at Addr as described.
type PageFault struct {
	Name                  string
	Code                  []byte
	Addr                  uint64
	Present, Write, Fetch bool
}

// Run runs every case of the suite against the platform s describes, each
// as a subtest of t.
func Run(t *testing.T, s Spec) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, Spec)
	}{
		{"SyscallStopAndResume", testSyscallStopAndResume},
		{"RegistersRoundTrip", testRegistersRoundTrip},
		{"FPState", testFPState},
		{"PageFaults", testPageFaults},
		{"FaultMapRetry", testFaultMapRetry},
		{"Exceptions", testExceptions},
		{"MapRejectsBadRanges", testMapRejectsBadRanges},
		{"InterruptSpinningGuest", testInterruptSpinningGuest},
		{"InterruptBeforeSwitch", testInterruptBeforeSwitch},
		{"InterruptAfterSyscall", testInterruptAfterSyscall},
		{"ThreadsShareAddressSpace", testThreadsShareAddressSpace},
		{"SwitchDoesNotAllocate", testSwitchDoesNotAllocate},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, s) })
	}
}
