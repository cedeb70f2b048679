package ptrace

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runos-project/runos/platform"
	"github.com/runos-project/runos/platform/platformtest"
)

// TestQueuedMapsRunInOrder checks the queue of a fresh address space and
// its batches: more Maps than one table holds, an Unmap between them, and
// a Map over an earlier one. After the first Switch the stub's mappings
// must be exactly what was asked, in order.
func TestQueuedMapsRunInOrder(t *testing.T) {
	for _, n := range []int{1, 2, 3, tableEntries, 2*tableEntries + 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
			ro := platform.Perms{Read: true}
			rw := platform.Perms{Read: true, Write: true}
			// n pages at unmappedAddr, every other one of them a
			// separate mapping; then the first unmapped, the second
			// remapped read-write.
			for i := range n {
				addr := unmappedAddr + uintptr(2*i)*pageSize
				if err := g.as.Map(addr, pageSize, 3*pageSize, ro); err != nil {
					t.Fatalf("Map %#x: %v", addr, err)
				}
			}
			if err := g.as.Unmap(unmappedAddr, pageSize); err != nil {
				t.Fatalf("Unmap: %v", err)
			}
			if n > 1 {
				if err := g.as.Map(unmappedAddr+2*pageSize, pageSize, 3*pageSize, rw); err != nil {
					t.Fatalf("Map: %v", err)
				}
			}
			if g.as.entered {
				t.Fatalf("address space entered before any Switch")
			}
			if ev, err := g.ctx.Switch(g.as, &g.St); err != nil || ev.Kind != platform.EventSyscall {
				t.Fatalf("Switch = %+v, %v", ev, err)
			}
			maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", g.as.pid))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(maps)), "\n") {
				f := strings.Fields(line)
				var start uint64
				fmt.Sscanf(f[0], "%x", &start)
				if start >= unmappedAddr && start < stubCodeAddr {
					got = append(got, f[0]+" "+f[1][:3])
				}
			}
			var want []string
			for i := 1; i < n; i++ {
				addr := unmappedAddr + uintptr(2*i)*pageSize
				perms := "r--"
				if i == 1 {
					perms = "rw-"
				}
				want = append(want, fmt.Sprintf("%08x-%08x %s", addr, addr+pageSize, perms))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("stub mappings above %#x:\n%s\nwant\n%s", unmappedAddr, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// After the first entry, Map is synchronous again.
			if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, ro); err != nil {
				t.Fatalf("Map after entry: %v", err)
			}
			if len(g.as.pending) != 0 {
				t.Errorf("%d calls queued after entry", len(g.as.pending))
			}
		})
	}
}

// TestMapBatch checks BeginMapBatch and EndMapBatch on the fast path (the
// Context's own thread, after its first Switch): the calls wait until
// EndMapBatch, then take effect in order; a failing call is reported.
func TestMapBatch(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
	if ev, err := g.ctx.Switch(g.as, &g.St); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("Switch = %+v, %v", ev, err)
	}
	stubMaps := func() string {
		maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", g.as.pid))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(string(maps)), "\n") {
			f := strings.Fields(line)
			var start uint64
			fmt.Sscanf(f[0], "%x", &start)
			if start >= unmappedAddr && start < stubCodeAddr {
				got = append(got, f[0]+" "+f[1][:3])
			}
		}
		return strings.Join(got, "\n")
	}
	ro := platform.Perms{Read: true}
	rw := platform.Perms{Read: true, Write: true}
	g.as.BeginMapBatch()
	for i := range 3 {
		if err := g.as.Map(unmappedAddr+uintptr(2*i)*pageSize, pageSize, 3*pageSize, ro); err != nil {
			t.Fatalf("Map %d: %v", i, err)
		}
	}
	if err := g.as.Unmap(unmappedAddr, pageSize); err != nil {
		t.Fatalf("Unmap: %v", err)
	}
	if err := g.as.Map(unmappedAddr+2*pageSize, pageSize, 3*pageSize, rw); err != nil {
		t.Fatalf("Map: %v", err)
	}
	if got := stubMaps(); got != "" {
		t.Errorf("stub mappings before EndMapBatch:\n%s", got)
	}
	if err := g.as.EndMapBatch(); err != nil {
		t.Fatalf("EndMapBatch: %v", err)
	}
	want := fmt.Sprintf("%08x-%08x rw-\n%08x-%08x r--",
		unmappedAddr+2*pageSize, unmappedAddr+3*pageSize, unmappedAddr+4*pageSize, unmappedAddr+5*pageSize)
	if got := stubMaps(); got != want {
		t.Errorf("stub mappings after EndMapBatch:\n%s\nwant\n%s", got, want)
	}

	// A call that fails (a misaligned MAP_FIXED address, which Map
	// would refuse, so injected directly) is EndMapBatch's error.
	g.as.BeginMapBatch()
	if _, err := g.as.inject(unix.SYS_MMAP, [6]uintptr{unmappedAddr + 1, pageSize, 1, 0x11, stubMemFD, 0}); err != nil {
		t.Fatalf("inject in a batch: %v", err)
	}
	if err := g.as.EndMapBatch(); err == nil {
		t.Errorf("EndMapBatch of a failing call: no error")
	}
	// Outside a batch, Map is synchronous again.
	if err := g.as.Map(unmappedAddr, pageSize, 3*pageSize, ro); err != nil {
		t.Fatalf("Map after the batch: %v", err)
	}
}
