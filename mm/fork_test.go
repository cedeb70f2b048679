package mm

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

const forkBase = uintptr(0x500000)

// forkedPair maps pages rw pages at forkBase in a parent, fills each with
// 'A', forks, and returns parent and child.
func forkedPair(t *testing.T, pages int) (parent, child *env) {
	t.Helper()
	p := newEnv(t, 0)
	p.fixed(forkBase, pages, rw)
	if _, err := p.m.CopyOut(forkBase, bytes.Repeat([]byte("A"), pages*pg)); err != nil {
		t.Fatal(err)
	}
	c := p.fork()
	checkAll(t, p, c)
	return p, c
}

func TestForkCopyOnWrite(t *testing.T) {
	const parent, child = 0, 1
	written := []uintptr{forkBase, forkBase + 2*pg} // pages both sides write
	tests := []struct {
		name      string
		writers   []int // who writes each written page, in turn
		wantBytes [2]byte
		wantNew   int // pages allocated per written page
	}{
		{name: "nobody writes", wantBytes: [2]byte{'A', 'A'}},
		{name: "parent writes", writers: []int{parent}, wantBytes: [2]byte{'P', 'A'}, wantNew: 1},
		{name: "child writes", writers: []int{child}, wantBytes: [2]byte{'A', 'C'}, wantNew: 1},
		{name: "parent then child", writers: []int{parent, child}, wantBytes: [2]byte{'P', 'C'}, wantNew: 1},
		{name: "child then parent", writers: []int{child, parent}, wantBytes: [2]byte{'P', 'C'}, wantNew: 1},
		{name: "each side twice", writers: []int{parent, parent, child, child}, wantBytes: [2]byte{'P', 'C'}, wantNew: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := forkedPair(t, 4)
			sides := [2]*env{p, c}
			before := p.mf.Allocated()
			copied := [2]int{}
			for _, w := range tc.writers {
				for _, va := range written {
					n := p.mf.Allocated()
					sides[w].guestWrite(va+7, "PC"[w])
					if p.mf.Allocated() > n {
						copied[w]++
					}
				}
				checkAll(t, p, c)
			}
			for w, n := range copied {
				if n > len(written) {
					t.Errorf("side %d copied %d pages for %d written", w, n, len(written))
				}
			}
			if got, want := p.mf.Allocated()-before, uint64(tc.wantNew*len(written))*pg; got != want {
				t.Errorf("Allocated grew by %d, want %d", got, want)
			}
			for w, e := range sides {
				for _, va := range written {
					if got := e.guestRead(va + 7); got != tc.wantBytes[w] {
						t.Errorf("side %d reads %q at %#x, want %q", w, got, va+7, tc.wantBytes[w])
					}
					if got := e.guestRead(va); got != 'A' {
						t.Errorf("side %d reads %q at %#x, want the untouched 'A'", w, got, va)
					}
				}
				if got := e.guestRead(forkBase + pg); got != 'A' {
					t.Errorf("side %d: unwritten page reads %q", w, got)
				}
			}
			checkAll(t, p, c)
		})
	}
}

func TestForkFaultAccess(t *testing.T) {
	known := func(write bool, present bool) platform.Event {
		ev := pf(forkBase)
		ev.AccessKnown, ev.Write, ev.Present = true, write, present
		return ev
	}
	tests := []struct {
		name       string
		vmaPerms   platform.Perms
		ev         platform.Event
		wantCode   FaultCode
		wantCopy   bool
		wantMapped platform.Perms
	}{
		{name: "ptrace present fault is a write", vmaPerms: rw, ev: presentPF(forkBase), wantCopy: true, wantMapped: rw},
		{name: "known write", vmaPerms: rw, ev: known(true, true), wantCopy: true, wantMapped: rw},
		{name: "known read keeps it read-only", vmaPerms: rw, ev: known(false, false), wantMapped: ro},
		{name: "read-only VMA is not copied", vmaPerms: ro, ev: presentPF(forkBase), wantCode: FaultAccErr, wantMapped: ro},
		{name: "known write to read-only VMA", vmaPerms: ro, ev: known(true, true), wantCode: FaultAccErr, wantMapped: ro},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.fixed(forkBase, 1, tc.vmaPerms)
			p.touch(forkBase)
			c := p.fork()
			before := p.mf.Allocated()
			if got := faultCode(c.m.HandleFault(tc.ev)); got != tc.wantCode {
				t.Fatalf("HandleFault = code %d, want %d", got, tc.wantCode)
			}
			if copied := p.mf.Allocated() > before; copied != tc.wantCopy {
				t.Errorf("copied = %v, want %v", copied, tc.wantCopy)
			}
			if got := c.as.pages[forkBase].perms; got != tc.wantMapped {
				t.Errorf("child page mapped %s, want %s", got, tc.wantMapped)
			}
			checkAll(t, p, c)
		})
	}
}

func TestForkLastSharerRemapsWithoutCopy(t *testing.T) {
	p, c := forkedPair(t, 2)
	c.m.Release()
	before := p.mf.Allocated()
	p.guestWrite(forkBase, 'P')
	if p.mf.Allocated() != before {
		t.Errorf("write after the child exited copied the page")
	}
	checkAll(t, p)
}

func TestForkReadOnlyChildrenShareMemory(t *testing.T) {
	const size = 8 << 20
	p := newEnv(t, 0)
	p.fixed(forkBase, size/pg, rw)
	for va := forkBase; va < forkBase+size; va += pg {
		p.guestWrite(va, byte(va>>12))
	}
	parentSize := p.mf.Allocated()
	if parentSize != size {
		t.Fatalf("parent Allocated = %d, want %d", parentSize, size)
	}
	envs := []*env{p}
	buf := make([]byte, size)
	for i := 0; i < 10; i++ {
		c := p.fork()
		envs = append(envs, c)
		if _, err := c.m.CopyIn(forkBase, buf); err != nil {
			t.Fatal(err)
		}
		for va := forkBase; va < forkBase+size; va += 64 * pg {
			if got := c.guestRead(va); got != byte(va>>12) || buf[va-forkBase] != got {
				t.Fatalf("child %d reads %#x at %#x, want %#x", i, got, va, byte(va>>12))
			}
		}
		if got := c.m.ResidentPages(); got != size/pg {
			t.Errorf("child %d ResidentPages = %d, want %d", i, got, size/pg)
		}
	}
	if got := p.mf.Allocated(); got != parentSize {
		t.Errorf("Allocated with 10 reading children = %d, want the parent's %d", got, parentSize)
	}
	checkAll(t, envs...)
}

func TestForkBatchesPlatformCalls(t *testing.T) {
	const pages = 64
	tests := []struct {
		name   string
		reused bool // pages come from the free list rather than fresh
	}{{name: "fresh pages"}, {name: "reused pages", reused: true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.fixed(forkBase, pages, rw)
			if tc.reused {
				for va := forkBase; va < forkBase+pages*pg; va += pg {
					p.touch(va)
				}
				if err := p.m.MadviseDontNeed(forkBase, pages*pg); err != nil {
					t.Fatal(err)
				}
			}
			for va := forkBase; va < forkBase+pages*pg; va += pg {
				p.touch(va)
			}
			p.as.calls = nil
			c := p.fork()
			want := []string{fmt.Sprintf("map %#x-%#x r--", forkBase, forkBase+pages*pg)}
			if !slicesEqual(p.as.calls, want) || !slicesEqual(c.as.calls, want) {
				t.Errorf("platform calls: parent %q, child %q; want %q each", p.as.calls, c.as.calls, want)
			}
			checkAll(t, p, c)
		})
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

func TestForkCopiesVMAState(t *testing.T) {
	p := newEnv(t, 0)
	p.m.SetBrkBase(0x800000)
	p.m.Brk(0x803000)
	p.m.SetStackLimit(64 * pg)
	p.fixed(0x500000, 2, rx)
	p.mmap(MmapOpts{Addr: 0x700000, Length: 4 * pg, Perms: rw, Fixed: true, GrowsDown: true, Name: "[stack]"})
	c := p.fork()
	if got, want := c.spans(), p.spans(); !slicesEqual(got, want) {
		t.Errorf("child maps %q, parent %q", got, want)
	}
	if got := c.m.Brk(0); got != 0x803000 {
		t.Errorf("child break = %#x, want 0x803000", got)
	}
	// The stack limit came along: growing to 64 pages works, beyond fails.
	if err := c.m.HandleFault(pf(0x700000 + 4*pg - 64*pg)); err != nil {
		t.Errorf("stack growth within the limit: %v", err)
	}
	if got := faultCode(c.m.HandleFault(pf(0x700000 + 4*pg - 65*pg))); got != FaultMapErr {
		t.Errorf("stack growth beyond the limit: code %d, want FaultMapErr", got)
	}
	checkAll(t, p, c)
}

func TestForkThenMprotectAndMremap(t *testing.T) {
	tests := []struct {
		name string
		op   func(t *testing.T, e *env) uintptr // returns where the data now is
	}{
		{name: "mprotect read-only and back", op: func(t *testing.T, e *env) uintptr {
			if err := e.m.Mprotect(forkBase, 4*pg, ro); err != nil {
				t.Fatal(err)
			}
			if err := e.m.Mprotect(forkBase, 4*pg, rw); err != nil {
				t.Fatal(err)
			}
			return forkBase
		}},
		{name: "mremap move", op: func(t *testing.T, e *env) uintptr {
			to, err := e.m.Mremap(forkBase, 4*pg, 8*pg, true, true, 0x900000)
			if err != nil {
				t.Fatal(err)
			}
			return to
		}},
	}
	for _, tc := range tests {
		for _, side := range []string{"parent", "child"} {
			t.Run(tc.name+" in "+side, func(t *testing.T) {
				p, c := forkedPair(t, 4)
				e, other := p, c
				if side == "child" {
					e, other = c, p
				}
				at := tc.op(t, e)
				checkAll(t, p, c) // no page became writable while shared
				before := p.mf.Allocated()
				e.guestWrite(at+pg, 'W')
				if p.mf.Allocated() != before+pg {
					t.Errorf("write after %s did not copy exactly one page", tc.name)
				}
				if got := other.guestRead(forkBase + pg); got != 'A' {
					t.Errorf("other side reads %q, want 'A'", got)
				}
				checkAll(t, p, c)
			})
		}
	}
}

func TestKernelWriteBreaksCoW(t *testing.T) {
	tests := []struct {
		name    string
		write   func(m *MM) error
		want    byte // the child's byte at forkBase+8 afterwards
		wantNew uint64
	}{
		{name: "CopyOut", write: func(m *MM) error { _, err := m.CopyOut(forkBase+8, []byte("K")); return err }, want: 'K', wantNew: pg},
		{name: "ZeroOut", write: func(m *MM) error { return m.ZeroOut(forkBase+8, 1) }, want: 0, wantNew: pg},
		{name: "Uint32At for writing", write: func(m *MM) error {
			w, err := m.Uint32At(forkBase+8, true)
			if err == nil {
				*w = 'U'
			}
			return err
		}, want: 'U', wantNew: pg},
		{name: "CopyIn does not copy", write: func(m *MM) error { _, err := m.CopyIn(forkBase+8, make([]byte, 1)); return err }, want: 'A'},
		{name: "Uint32At for reading does not copy", write: func(m *MM) error { _, err := m.Uint32At(forkBase+8, false); return err }, want: 'A'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := forkedPair(t, 1)
			before := p.mf.Allocated()
			if err := tc.write(c.m); err != nil {
				t.Fatal(err)
			}
			if got := p.mf.Allocated() - before; got != tc.wantNew {
				t.Errorf("Allocated grew by %d, want %d", got, tc.wantNew)
			}
			if got := c.guestRead(forkBase + 8); got != tc.want {
				t.Errorf("child reads %q, want %q", got, tc.want)
			}
			if got := p.guestRead(forkBase + 8); got != 'A' {
				t.Errorf("parent reads %q, want 'A'", got)
			}
			checkAll(t, p, c)
		})
	}
}

func TestSharedAnonymous(t *testing.T) {
	shared := MmapOpts{Addr: forkBase, Length: 4 * pg, Perms: rw, Fixed: true, Shared: true}
	tests := []struct {
		name string
		run  func(t *testing.T, p, c *env)
	}{
		{name: "writes visible both ways", run: func(t *testing.T, p, c *env) {
			p.guestWrite(forkBase, 'P')
			c.guestWrite(forkBase+pg, 'C')
			c.guestWrite(forkBase+3*pg, 'c') // a page nobody had touched
			if got := c.guestRead(forkBase); got != 'P' {
				t.Errorf("child reads %q, want the parent's 'P'", got)
			}
			if got := p.guestRead(forkBase + pg); got != 'C' {
				t.Errorf("parent reads %q, want the child's 'C'", got)
			}
			if got := p.guestRead(forkBase + 3*pg); got != 'c' {
				t.Errorf("parent reads %q, want the child's 'c'", got)
			}
		}},
		{name: "survives munmap in one side", run: func(t *testing.T, p, c *env) {
			if err := p.m.Munmap(forkBase, 4*pg); err != nil {
				t.Fatal(err)
			}
			c.guestWrite(forkBase+2*pg, 'C')
			if got := c.guestRead(forkBase); got != 'S' {
				t.Errorf("child reads %q after the parent's munmap, want 'S'", got)
			}
		}},
		{name: "freed after both unmap", run: func(t *testing.T, p, c *env) {
			for _, e := range []*env{p, c} {
				if err := e.m.Munmap(forkBase, 4*pg); err != nil {
					t.Fatal(err)
				}
			}
			if got := p.mf.Allocated(); got != 0 {
				t.Errorf("Allocated = %d after both unmapped, want 0", got)
			}
		}},
		{name: "MADV_DONTNEED keeps the content", run: func(t *testing.T, p, c *env) {
			if err := c.m.MadviseDontNeed(forkBase, 4*pg); err != nil {
				t.Fatal(err)
			}
			if got := c.guestRead(forkBase); got != 'S' {
				t.Errorf("child reads %q after MADV_DONTNEED, want 'S'", got)
			}
		}},
		{name: "split by mprotect stays shared", run: func(t *testing.T, p, c *env) {
			if err := p.m.Mprotect(forkBase+pg, pg, ro); err != nil {
				t.Fatal(err)
			}
			c.guestWrite(forkBase+2*pg, 'C')
			if got := p.guestRead(forkBase + 2*pg); got != 'C' {
				t.Errorf("parent reads %q, want 'C'", got)
			}
		}},
		{name: "mremap move stays shared", run: func(t *testing.T, p, c *env) {
			to, err := c.m.Mremap(forkBase, 4*pg, 8*pg, true, true, 0x900000)
			if err != nil {
				t.Fatal(err)
			}
			c.guestWrite(to+pg, 'C')
			c.guestWrite(to+6*pg, 'G') // the grown part, beyond the parent's
			if got := p.guestRead(forkBase + pg); got != 'C' {
				t.Errorf("parent reads %q, want 'C'", got)
			}
		}},
		{name: "mremap duplicate shares within one process", run: func(t *testing.T, p, c *env) {
			dup, err := p.m.Mremap(forkBase, 0, 4*pg, true, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			p.guestWrite(dup+pg, 'D')
			for _, at := range []struct {
				e  *env
				va uintptr
			}{{p, forkBase + pg}, {c, forkBase + pg}} {
				if got := at.e.guestRead(at.va); got != 'D' {
					t.Errorf("reads %q at %#x, want 'D'", got, at.va)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.mmap(shared)
			p.guestWrite(forkBase, 'S')
			c := p.fork()
			before := p.mf.Allocated()
			tc.run(t, p, c)
			checkAll(t, p, c)
			if p.mf.Allocated() > before+2*pg {
				t.Errorf("Allocated grew from %d to %d: shared pages were copied", before, p.mf.Allocated())
			}
			p.m.Release()
			c.m.Release()
			if got := p.mf.Allocated(); got != 0 {
				t.Errorf("Allocated = %d after both released, want 0", got)
			}
		})
	}
}

func TestFileMappingsAcrossFork(t *testing.T) {
	file := &fakeFile{data: bytes.Repeat([]byte("F"), 2*pg)}
	tests := []struct {
		name      string
		shared    bool
		wantChild byte // what the child reads after the parent writes 'P'
	}{
		{name: "MAP_SHARED is shared", shared: true, wantChild: 'P'},
		{name: "MAP_PRIVATE is copied on write", shared: false, wantChild: 'F'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.mmap(MmapOpts{Addr: forkBase, Length: 2 * pg, Perms: rw, Fixed: true, Shared: tc.shared, File: file})
			p.touch(forkBase)
			c := p.fork()
			p.guestWrite(forkBase, 'P')
			if got := c.guestRead(forkBase); got != tc.wantChild {
				t.Errorf("child reads %q, want %q", got, tc.wantChild)
			}
			// The page nobody touched before fork is filled from the file.
			if got := c.guestRead(forkBase + pg); got != 'F' {
				t.Errorf("child reads %q from the second page, want 'F'", got)
			}
			if file.data[0] != 'F' {
				t.Errorf("the file itself was written")
			}
			checkAll(t, p, c)
		})
	}
}

func TestMadviseFork(t *testing.T) {
	file := &fakeFile{data: make([]byte, 4*pg)}
	const (
		anon     = uintptr(0x500000) // 4 private anonymous pages, 'A'
		shared   = uintptr(0x600000) // 4 shared anonymous pages
		fileMap  = uintptr(0x700000) // 4 private file pages
		hole     = uintptr(0x504000) // unmapped, just above anon
		nVMAsAll = 3
	)
	type advice struct {
		addr, length uintptr
		advice       Advice
	}
	tests := []struct {
		name      string
		advices   []advice
		wantErr   error // of the last advice
		wantChild []string
		wantByte  map[uintptr]byte // child's bytes; a missing VMA faults
		wantSpans int              // parent VMAs afterwards
	}{
		{name: "DONTFORK drops the range in the child",
			advices:   []advice{{anon + pg, pg, AdviceDontFork}},
			wantChild: []string{"0x500000-0x501000 rw-", "0x502000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantByte:  map[uintptr]byte{anon: 'A', anon + 2*pg: 'A'},
			wantSpans: 5},
		{name: "DOFORK undoes it and merges back",
			advices:   []advice{{anon + pg, pg, AdviceDontFork}, {anon, 4 * pg, AdviceDoFork}},
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantByte:  map[uintptr]byte{anon + pg: 'A'},
			wantSpans: nVMAsAll},
		{name: "DONTFORK on shared and file mappings",
			advices:   []advice{{shared, 4 * pg, AdviceDontFork}, {fileMap, 4 * pg, AdviceDontFork}},
			wantChild: []string{"0x500000-0x504000 rw-"},
			wantSpans: nVMAsAll},
		{name: "WIPEONFORK zero-fills the child",
			advices:   []advice{{anon + 2*pg, 2 * pg, AdviceWipeOnFork}},
			wantChild: []string{"0x500000-0x502000 rw-", "0x502000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantByte:  map[uintptr]byte{anon + pg: 'A', anon + 2*pg: 0, anon + 3*pg: 0},
			wantSpans: 4},
		{name: "KEEPONFORK undoes it",
			advices:   []advice{{anon, 4 * pg, AdviceWipeOnFork}, {anon, 4 * pg, AdviceKeepOnFork}},
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantByte:  map[uintptr]byte{anon + 3*pg: 'A'},
			wantSpans: nVMAsAll},
		{name: "WIPEONFORK on shared memory is EINVAL",
			advices: []advice{{shared, pg, AdviceWipeOnFork}}, wantErr: kerr.EINVAL,
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: nVMAsAll},
		{name: "WIPEONFORK on a file mapping is EINVAL",
			advices: []advice{{fileMap, pg, AdviceWipeOnFork}}, wantErr: kerr.EINVAL,
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: nVMAsAll},
		{name: "hole is ENOMEM but the mapped part is advised",
			advices: []advice{{anon + 3*pg, 2 * pg, AdviceDontFork}}, wantErr: kerr.ENOMEM,
			wantChild: []string{"0x500000-0x503000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: 4},
		{name: "unaligned address is EINVAL",
			advices: []advice{{anon + 1, pg, AdviceDontFork}}, wantErr: kerr.EINVAL,
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: nVMAsAll},
		{name: "unknown advice is EINVAL",
			advices: []advice{{anon, pg, Advice(99)}}, wantErr: kerr.EINVAL,
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: nVMAsAll},
		{name: "zero length does nothing",
			advices:   []advice{{hole, 0, AdviceDontFork}},
			wantChild: []string{"0x500000-0x504000 rw-", "0x600000-0x604000 rw-", "0x700000-0x704000 rw-"},
			wantSpans: nVMAsAll},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.fixed(anon, 4, rw)
			p.mmap(MmapOpts{Addr: shared, Length: 4 * pg, Perms: rw, Fixed: true, Shared: true})
			p.mmap(MmapOpts{Addr: fileMap, Length: 4 * pg, Perms: rw, Fixed: true, File: file})
			if _, err := p.m.CopyOut(anon, bytes.Repeat([]byte("A"), 4*pg)); err != nil {
				t.Fatal(err)
			}
			var err error
			for i, a := range tc.advices {
				err = p.m.Madvise(a.addr, a.length, a.advice)
				if i < len(tc.advices)-1 && err != nil {
					t.Fatalf("advice %d: %v", i, err)
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Madvise = %v, want %v", err, tc.wantErr)
			}
			if got := len(p.m.Maps()); got != tc.wantSpans {
				t.Errorf("parent has %d VMAs, want %d: %q", got, tc.wantSpans, p.spans())
			}
			c := p.fork()
			if got := c.spans(); !slicesEqual(got, tc.wantChild) {
				t.Errorf("child maps\n%q\nwant\n%q", got, tc.wantChild)
			}
			for va, want := range tc.wantByte {
				if got := c.guestRead(va); got != want {
					t.Errorf("child reads %q at %#x, want %q", got, va, want)
				}
			}
			if got := p.guestRead(anon + 3*pg); got != 'A' {
				t.Errorf("parent reads %q, want 'A'", got)
			}
			// A second fork sees the same advice (it stays on the VMAs,
			// and WIPEONFORK is inherited by the child).
			g := c.fork()
			if got := g.spans(); !slicesEqual(got, tc.wantChild) {
				t.Errorf("grandchild maps %q, want %q", got, tc.wantChild)
			}
			checkAll(t, p, c, g)
		})
	}
}

func TestForkRelease(t *testing.T) {
	file := &fakeFile{data: bytes.Repeat([]byte("F"), 4*pg)}
	tests := []struct {
		name        string
		childFirst  bool
		childWrites bool
	}{
		{name: "child then parent", childFirst: true},
		{name: "parent then child"},
		{name: "child wrote, child then parent", childFirst: true, childWrites: true},
		{name: "child wrote, parent then child", childWrites: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newEnv(t, 0)
			p.fixed(0x500000, 4, rw)
			p.mmap(MmapOpts{Addr: 0x600000, Length: 4 * pg, Perms: rw, Fixed: true, Shared: true})
			p.mmap(MmapOpts{Addr: 0x700000, Length: 4 * pg, Perms: rw, Fixed: true, Shared: true, File: file})
			p.fixed(0x800000, 4, rw)
			if err := p.m.Madvise(0x800000, 2*pg, AdviceWipeOnFork); err != nil {
				t.Fatal(err)
			}
			if err := p.m.Madvise(0x802000, 2*pg, AdviceDontFork); err != nil {
				t.Fatal(err)
			}
			for _, base := range []uintptr{0x500000, 0x600000, 0x700000, 0x800000} {
				for va := base; va < base+4*pg; va += pg {
					p.guestWrite(va, 'P')
				}
			}
			c := p.fork()
			if tc.childWrites {
				for _, va := range []uintptr{0x500000, 0x600000, 0x700000, 0x800000} {
					c.guestWrite(va+pg, 'C')
				}
			}
			first, second := p, c
			if tc.childFirst {
				first, second = c, p
			}
			first.m.Release()
			if !first.as.released {
				t.Errorf("platform address space not released")
			}
			checkAll(t, second)
			if got := second.guestRead(0x600000); got != 'P' {
				t.Errorf("shared page reads %q after the other side went", got)
			}
			second.m.Release()
			if got := p.mf.Allocated(); got != 0 {
				t.Errorf("Allocated = %d after both released, want 0", got)
			}
			if err := checkRefs(p.mf); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestForkOfReleasedMM(t *testing.T) {
	p := newEnv(t, 0)
	p.m.Release()
	as := newFakeAS()
	if _, err := p.m.Fork(as); err == nil {
		t.Fatal("Fork of a released MM succeeded")
	}
	if as.released {
		t.Error("failed Fork released the caller's address space")
	}
}

// failingAS fails every Map after the first ok ones.
type failingAS struct {
	*fakeAS
	ok int
}

func (a *failingAS) Map(addr, length uintptr, off uint64, p platform.Perms) error {
	if a.ok == 0 {
		return errors.New("injected failure")
	}
	a.ok--
	return a.fakeAS.Map(addr, length, off, p)
}

func TestForkPlatformFailureUndoes(t *testing.T) {
	p, _ := forkedPair(t, 4)
	p.fixed(0x600000, 1, rw)
	p.touch(0x600000)
	before := p.mf.Allocated()
	as := &failingAS{fakeAS: newFakeAS(), ok: 1}
	if _, err := p.m.Fork(as); err == nil {
		t.Fatal("Fork succeeded with a failing platform")
	}
	if as.released {
		t.Error("failed Fork released the caller's address space")
	}
	if p.mf.Allocated() != before {
		t.Errorf("Allocated %d, want %d", p.mf.Allocated(), before)
	}
	p.guestWrite(0x600000, 'P') // unshared again: no copy
	if p.mf.Allocated() != before {
		t.Errorf("write after failed fork copied a page")
	}
}

// forkBytes sizes BenchmarkFork1GiB; -mm.forkbytes=1073741824 for the real thing.
var forkBytes = flag.Int64("mm.forkbytes", 64<<20, "bytes the parent touches in BenchmarkFork1GiB")

// countingAS is a platform address space that only counts calls, so the
// benchmark measures the mm, not the fake platform's bookkeeping.
type countingAS struct{ maps, unmaps int }

func (a *countingAS) Map(addr, length uintptr, off uint64, p platform.Perms) error {
	a.maps++
	return nil
}
func (a *countingAS) Unmap(addr, length uintptr) error { a.unmaps++; return nil }
func (a *countingAS) Release()                         {}

// BenchmarkFork1GiB forks a parent with -mm.forkbytes of touched private
// memory (64 MiB by default, to stay quick) and releases the child; it
// reports the platform calls per fork, the number ptrace would pay ~20 µs
// each for.
func BenchmarkFork1GiB(b *testing.B) {
	mf, err := NewMemoryFile(0)
	if err != nil {
		b.Fatal(err)
	}
	defer mf.Close()
	pas := &countingAS{}
	p := New(mf, pas, testTop)
	defer p.Release()
	size := uintptr(*forkBytes) &^ arch.PageMask
	addr, err := p.Mmap(MmapOpts{Length: size, Perms: rw})
	if err != nil {
		b.Fatal(err)
	}
	for va := addr; va < addr+size; va += arch.PageSize {
		if err := p.HandleFault(pf(va)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	calls := 0
	for b.Loop() {
		pas.maps = 0
		cas := &countingAS{}
		c, err := p.Fork(cas)
		if err != nil {
			b.Fatal(err)
		}
		calls += pas.maps + cas.maps
		c.Release()
	}
	b.ReportMetric(float64(calls)/float64(b.N), "platform-calls/op")
}

// TestForkConcurrentCoWBreaks has parent and child break the same shared
// pages at the same time (each MM under its own lock): whichever way the
// races go, each side ends up with its own data and one page per side.
func TestForkConcurrentCoWBreaks(t *testing.T) {
	const pages = 256
	p, c := forkedPair(t, pages)
	before := p.mf.Allocated()
	done := make(chan error, 2)
	for i, e := range []*env{p, c} {
		go func() {
			data := bytes.Repeat([]byte{"PC"[i]}, pg)
			for va := forkBase; va < forkBase+pages*pg; va += pg {
				if _, err := e.m.CopyOut(va, data); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := p.mf.Allocated(); got != before+pages*pg {
		t.Errorf("Allocated = %d, want %d (one page per side)", got, before+pages*pg)
	}
	for i, e := range []*env{p, c} {
		buf := make([]byte, pages*pg)
		if _, err := e.m.CopyIn(forkBase, buf); err != nil {
			t.Fatal(err)
		}
		if want := bytes.Repeat([]byte{"PC"[i]}, pages*pg); !bytes.Equal(buf, want) {
			t.Errorf("side %d does not read back its own data", i)
		}
	}
	checkAll(t, p, c)
}
