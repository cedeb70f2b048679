package ptrace

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// Test guests come from the shared suite (platformtest), with its layout.
const (
	codeAddr     = platformtest.CodeAddr
	dataAddr     = platformtest.DataAddr
	unmappedAddr = platformtest.UnmappedAddr
)

// spec describes the ptrace platform with opts to the shared suite.
func spec(opts Options) platformtest.Spec {
	return platformtest.Spec{
		New: func(tb testing.TB, memFD int) platform.Platform {
			tb.Helper()
			p, err := NewWithOptions(memFD, opts)
			if err != nil {
				tb.Fatalf("New: %v", err)
			}
			return p
		},
		MaxUserAddress: stubCodeAddr,
		AccessKnown:    false, // a SIGSEGV does not say (see fault.go)
		PageFaults: []platformtest.PageFault{
			// The stub's code is mapped in every stub, read-only.
			{Name: "write to the stub's page", Code: platformtest.InsStoreRax, Addr: stubCodeAddr, Present: true, Write: true},
		},
	}
}

// TestConformance runs the behaviour every platform must show, with and
// without pinning stub threads to their tracer's CPU.
func TestConformance(t *testing.T) {
	for _, pin := range []bool{true, false} {
		t.Run(map[bool]string{false: "unpinned", true: "pinned"}[pin], func(t *testing.T) {
			platformtest.Run(t, spec(Options{PinCPUs: pin}))
		})
	}
}

// guest is a guest of the shared suite, with its platform, address space
// and Context also as their ptrace types, for the tests that look inside.
type guest struct {
	*platformtest.Guest
	p   *Platform
	as  *addressSpace
	ctx *Context
}

// newGuest builds a guest. It locks the calling goroutine to its thread,
// which becomes the tracer; clean-up runs on the same thread.
func newGuest(t testing.TB, opts Options, code []byte) *guest {
	t.Helper()
	g := platformtest.NewGuest(t, spec(opts), code)
	return &guest{Guest: g, p: g.Platform.(*Platform), as: g.AS.(*addressSpace), ctx: g.Ctx.(*Context)}
}

// newTestPlatform is a ptrace platform with the default options over a
// fresh memory file, closed when t ends.
func newTestPlatform(t testing.TB) *Platform {
	t.Helper()
	p, _ := platformtest.NewPlatform(t, spec(DefaultOptions()))
	return p.(*Platform)
}

// processGone reports whether pid no longer runs: it has vanished, or it
// is a zombie waiting for a parent (a zombie holds no memory and runs no
// code; whether it is collected depends on the host's init).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

// waitGone polls until pid is gone, for up to a generous 10 seconds.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if processGone(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("stub process %d still alive", pid)
}
