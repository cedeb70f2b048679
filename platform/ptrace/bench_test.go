package ptrace

import (
	"testing"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// The shared benchmark bodies are the suite's; see platformtest.

// BenchmarkSwitchGetpid measures one guest system call, with and without
// pinning.
func BenchmarkSwitchGetpid(b *testing.B) {
	for _, pin := range []bool{true, false} {
		b.Run(map[bool]string{false: "unpinned", true: "pinned"}[pin], func(b *testing.B) {
			platformtest.BenchSwitchGetpid(b, spec(Options{PinCPUs: pin}))
		})
	}
}

func BenchmarkMapUnmap(b *testing.B) { platformtest.BenchMapUnmap(b, spec(DefaultOptions())) }

// BenchmarkNewAddressSpace measures what every fork and exec pays for a
// fresh stub process: exec of the stub, its clean-up, and its release.
func BenchmarkNewAddressSpace(b *testing.B) {
	platformtest.BenchNewAddressSpace(b, spec(DefaultOptions()))
}

// BenchmarkMapFastPath measures Map from the thread that traces a stub
// thread of the address space: the page-fault path.
func BenchmarkMapFastPath(b *testing.B) {
	g := newGuest(b, DefaultOptions(), platformtest.InsGetpidLoop)
	g.AnswerGetpid(b)
	benchMap(b, g)
}

// BenchmarkMapViaPrimary measures Map from a thread that traces no stub
// thread of the address space: a hand-off to its primary goroutine.
func BenchmarkMapViaPrimary(b *testing.B) {
	g := newGuest(b, DefaultOptions(), platformtest.InsGetpidLoop)
	// As if a Context had entered: otherwise Map is only queued (see
	// addressSpace.pending).
	g.as.mu.Lock()
	g.as.entered = true
	g.as.mu.Unlock()
	benchMap(b, g)
}

// benchMap measures Map of one page over itself.
func benchMap(b *testing.B, g *guest) {
	rw := platform.Perms{Read: true, Write: true}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, rw); err != nil {
			b.Fatal(err)
		}
	}
}
