package ptrace

import (
	"bytes"
	"encoding/binary"
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

// TestBatchTablesIsolated checks that an address space's batches are not
// visible to another one: after a batch of Maps in one (its queue, run at
// the first Switch), the table page still holds them, and the same bytes
// must appear nowhere in what the other stub maps at tableAddr. The two
// stubs map different pages of the table file.
func TestBatchTablesIsolated(t *testing.T) {
	g := newGuest(t, DefaultOptions(), platformtest.InsSyscall)
	other, err := g.p.NewAddressSpace()
	if err != nil {
		t.Fatalf("NewAddressSpace: %v", err)
	}
	defer other.Release()
	b := other.(*addressSpace)

	// A batch of a few Maps at an address no stub's own clean-up uses.
	addr := uintptr(unmappedAddr + 37*pageSize)
	for i := range 3 {
		if err := g.as.Map(addr+uintptr(i)*pageSize, pageSize, 3*pageSize, platform.Perms{Read: true}); err != nil {
			t.Fatalf("Map: %v", err)
		}
	}
	if ev, err := g.ctx.Switch(g.as, &g.St); err != nil || ev.Kind != platform.EventSyscall {
		t.Fatalf("Switch = %+v, %v", ev, err)
	}
	entry := make([]byte, 24) // nr, address, length of the first Map
	binary.LittleEndian.PutUint64(entry, unix.SYS_MMAP)
	binary.LittleEndian.PutUint64(entry[8:], uint64(addr))
	binary.LittleEndian.PutUint64(entry[16:], pageSize)

	// tables returns what stub pid maps at tableAddr (read through
	// /proc/PID/mem, as ptrace(2) allows its tracer's process) and the
	// file offset of that mapping.
	tables := func(pid int) (mem []byte, offset string) {
		t.Helper()
		maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(maps), "\n") {
			f := strings.Fields(line)
			var start, end uint64
			if len(f) < 3 || !strings.HasPrefix(f[0], fmt.Sprintf("%x-", tableAddr)) {
				continue
			}
			fmt.Sscanf(f[0], "%x-%x", &start, &end)
			fd, err := unix.Open(fmt.Sprintf("/proc/%d/mem", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			mem = make([]byte, end-start)
			if n, err := unix.Pread(fd, mem, int64(start)); err != nil || n != len(mem) {
				t.Fatalf("read stub %d's tables: %d bytes, %v", pid, n, err)
			}
			return mem, f[2]
		}
		t.Fatalf("stub %d maps nothing at %#x:\n%s", pid, tableAddr, maps)
		return nil, ""
	}
	memA, offA := tables(g.as.pid)
	memB, offB := tables(b.pid)
	if !bytes.Contains(memA, entry) {
		t.Fatalf("the batch's first entry is not in its own stub's tables")
	}
	if bytes.Contains(memB, entry) {
		t.Errorf("another address space's stub sees the batch in its tables")
	}
	if offA == offB {
		t.Errorf("both stubs map their tables from file offset %s", offA)
	}
	if len(memB) != groupSize {
		t.Errorf("a stub maps %d bytes of tables, want %d", len(memB), groupSize)
	}
}

// TestTableGroups checks the groups of the table file: every address
// space its own, a released one's reused, cleared, and none handed out
// twice at once.
func TestTableGroups(t *testing.T) {
	tf, err := newTableFile()
	if err != nil {
		t.Fatal(err)
	}
	defer tf.close()
	var tgs [40]tableGroup
	seen := map[int]bool{}
	for i := range tgs {
		tgs[i].g = tf.alloc()
		if tgs[i].g < 0 || seen[tgs[i].g] {
			t.Fatalf("alloc %d = %d", i, tgs[i].g)
		}
		seen[tgs[i].g] = true
	}
	// Both tables of a group, then none; a released group with a batch
	// running goes back only when the batch ends.
	tg := &tgs[3]
	s0, s1, s2 := tg.take(), tg.take(), tg.take()
	if s0 != 0 || s1 != 1 || s2 != -1 {
		t.Errorf("take, take, take = %d, %d, %d; want 0, 1, -1", s0, s1, s2)
	}
	tf.group(tg.g)[s1*pageSize] = 0xaa
	tg.put(tf, s0)
	tg.close(tf)
	if s := tg.take(); s != -1 {
		t.Errorf("take after close = %d", s)
	}
	if len(tf.free) != 0 {
		t.Errorf("group freed while a batch runs")
	}
	tg.put(tf, s1)
	if len(tf.free) != 1 || tf.free[0] != tg.g {
		t.Fatalf("free list %v after the last batch, want [%d]", tf.free, tg.g)
	}
	if g := tf.alloc(); g != tg.g {
		t.Errorf("alloc = %d, want the freed group %d", g, tg.g)
	} else if tf.group(g)[s1*pageSize] != 0 {
		t.Errorf("a reused group still holds its last batch")
	}
	tf.release(tg.g)
	for i := range tgs {
		if i != 3 {
			tgs[i].close(tf)
		}
	}
}
