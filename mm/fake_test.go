package mm

import (
	"fmt"
	"io"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/platform"
)

const testTop = uintptr(1<<47 - arch.PageSize)

// fakeAS is a platform.AddressSpace that records what the mm asks of it
// and keeps the resulting page mappings, so tests can compare them with
// the mm's own page table.
type fakeAS struct {
	pages    map[uintptr]fakePage
	calls    []string
	released bool
}

type fakePage struct {
	off   uint64
	perms platform.Perms
}

func newFakeAS() *fakeAS { return &fakeAS{pages: make(map[uintptr]fakePage)} }

func (a *fakeAS) Map(addr, length uintptr, off uint64, p platform.Perms) error {
	if addr&arch.PageMask != 0 || length&arch.PageMask != 0 || off&arch.PageMask != 0 || length == 0 {
		return fmt.Errorf("fakeAS: unaligned Map(%#x, %#x, %#x)", addr, length, off)
	}
	a.calls = append(a.calls, fmt.Sprintf("map %#x-%#x %s", addr, addr+length, p))
	for k := uintptr(0); k < length; k += arch.PageSize {
		a.pages[addr+k] = fakePage{off + uint64(k), p}
	}
	return nil
}

func (a *fakeAS) Unmap(addr, length uintptr) error {
	a.calls = append(a.calls, fmt.Sprintf("unmap %#x-%#x", addr, addr+length))
	for va := range a.pages {
		if va >= addr && va < addr+length {
			delete(a.pages, va)
		}
	}
	return nil
}

func (a *fakeAS) Release() { a.released = true }

// fakeFile is a Mappable over a byte slice, ending at len(data).
type fakeFile struct{ data []byte }

func (f *fakeFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type env struct {
	t  testing.TB
	mf *MemoryFile
	as *fakeAS
	m  *MM
}

func newEnv(t testing.TB, limit uint64) *env {
	t.Helper()
	mf, err := NewMemoryFile(limit)
	if err != nil {
		t.Fatal(err)
	}
	as := newFakeAS()
	m := New(mf, as, testTop)
	t.Cleanup(func() {
		m.Release()
		mf.Close()
	})
	return &env{t, mf, as, m}
}

var (
	rw   = platform.Perms{Read: true, Write: true}
	ro   = platform.Perms{Read: true}
	rx   = platform.Perms{Read: true, Exec: true}
	none = platform.Perms{}
)

// mmap maps or fails the test.
func (e *env) mmap(o MmapOpts) uintptr {
	e.t.Helper()
	a, err := e.m.Mmap(o)
	if err != nil {
		e.t.Fatalf("Mmap(%+v): %v", o, err)
	}
	return a
}

// fixed maps pages pages at addr with perms p.
func (e *env) fixed(addr uintptr, pages int, p platform.Perms) {
	e.t.Helper()
	e.mmap(MmapOpts{Addr: addr, Length: uintptr(pages) * arch.PageSize, Perms: p, Fixed: true})
}

// touch backs a page by faulting it as the guest would.
func (e *env) touch(addr uintptr) {
	e.t.Helper()
	if err := e.m.HandleFault(platform.Event{Kind: platform.EventFault, Vector: platform.VectorPageFault, Addr: addr}); err != nil {
		e.t.Fatalf("fault at %#x: %v", addr, err)
	}
}

// spans renders the VMAs as "start-end perms" for comparisons.
func (e *env) spans() []string {
	var s []string
	for _, v := range e.m.Maps() {
		s = append(s, fmt.Sprintf("%#x-%#x %s", v.Start, v.End, v.Perms))
	}
	return s
}

// check verifies the invariants every operation must keep.
func (e *env) check() {
	e.t.Helper()
	if err := checkInvariants(e.m, e.as); err != nil {
		e.t.Fatal(err)
	}
}

func checkInvariants(m *MM, as *fakeAS) error {
	if err := checkMM(m, as); err != nil {
		return err
	}
	return checkRefs(m.mf, m)
}

// checkMM verifies the invariants of one MM and its platform mirror: VMAs
// sorted, aligned, non-overlapping and within [mmapMin, top); every
// backed page inside a VMA, mirrored exactly in the platform, mapped with
// its VMA's permissions (less Write only for a private page), never
// writable while fork shares it, and, in a shared mapping, the page its
// object holds.
func checkMM(m *MM, as *fakeAS) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var prev uintptr
	for i, v := range m.vmas {
		if v.start&arch.PageMask != 0 || v.end&arch.PageMask != 0 || v.start >= v.end {
			return fmt.Errorf("VMA %d [%#x, %#x) malformed", i, v.start, v.end)
		}
		if v.start < prev {
			return fmt.Errorf("VMA %d [%#x, %#x) overlaps or is out of order (previous end %#x)", i, v.start, v.end, prev)
		}
		if v.start < mmapMin || v.end > m.top {
			return fmt.Errorf("VMA %d [%#x, %#x) outside [%#x, %#x)", i, v.start, v.end, mmapMin, m.top)
		}
		if v.obj != nil && (!v.shared || v.cache != nil) || v.shared && v.obj == nil && v.cache == nil {
			return fmt.Errorf("VMA %d [%#x, %#x): shared %v but object %p, cache %p", i, v.start, v.end, v.shared, v.obj, v.cache)
		}
		if v.wipeOnFork && (v.shared || v.file != nil) {
			return fmt.Errorf("VMA %d [%#x, %#x): MADV_WIPEONFORK on a shared or file mapping", i, v.start, v.end)
		}
		prev = v.end
	}
	for va, p := range m.pt.pages {
		i, ok := m.vmas.find(va)
		if !ok {
			return fmt.Errorf("backed page %#x outside every VMA", va)
		}
		if fp, ok := as.pages[va]; !ok || fp.off != p.off || fp.perms != p.mapped {
			return fmt.Errorf("page %#x: mm has %+v, platform has %+v (present %v)", va, p, fp, ok)
		}
		v := &m.vmas[i]
		lessWrite := v.perms
		lessWrite.Write = false
		if p.mapped != v.perms && (v.shared || p.mapped != lessWrite) {
			return fmt.Errorf("page %#x mapped %s in a %s VMA (shared %v)", va, p.mapped, v.perms, v.shared)
		}
		if refs := m.mf.refCount(p.off); !v.shared && refs > 1 && p.mapped.Write {
			return fmt.Errorf("private page %#x (offset %#x) writable with %d references", va, p.off, refs)
		}
		if v.obj != nil {
			v.obj.mu.Lock()
			off, ok := v.obj.pages[v.fileOffset(va)]
			v.obj.mu.Unlock()
			if !ok || off != p.off {
				return fmt.Errorf("shared page %#x at offset %#x, its object has %#x (present %v)", va, p.off, off, ok)
			}
		}
		if v.cache != nil {
			v.cache.mu.Lock()
			off, ok := v.cache.frames[pageIndex(int64(v.fileOffset(va)))]
			v.cache.mu.Unlock()
			// A shared mapping maps the cache's page; a private one
			// maps it without Write, or a copy of its own.
			if v.shared && (!ok || off != p.off) || !v.shared && ok && off == p.off && p.mapped.Write {
				return fmt.Errorf("cached page %#x at offset %#x mapped %s, the cache has %#x (present %v)", va, p.off, p.mapped, off, ok)
			}
		}
	}
	if len(as.pages) != len(m.pt.pages) {
		return fmt.Errorf("platform maps %d pages, mm backs %d", len(as.pages), len(m.pt.pages))
	}
	return nil
}

// checkRefs verifies the reference counts of mf, given every MM that uses
// it: each page's count equals the page-table entries plus shared-object
// slots referring to it, each object's user count equals the VMAs
// referring to it, and Allocated counts each page with references once.
func checkRefs(mf *MemoryFile, mms ...*MM) error {
	want := make(map[uint64]uint32)
	users := make(map[*sharedObject]int)
	cacheUsers := make(map[*PageCache]int)
	for _, m := range mms {
		m.mu.Lock()
		for _, p := range m.pt.pages {
			want[p.off]++
		}
		for _, v := range m.vmas {
			if v.obj != nil {
				users[v.obj]++
			}
			if v.cache != nil {
				cacheUsers[v.cache]++
				v.cache.mu.Lock()
				_, ok := v.cache.mappers[m]
				v.cache.mu.Unlock()
				if !ok {
					m.mu.Unlock()
					return fmt.Errorf("page cache %p does not list an MM that maps it", v.cache)
				}
			}
		}
		m.mu.Unlock()
	}
	for c, n := range cacheUsers {
		c.mu.Lock()
		if c.users != n {
			c.mu.Unlock()
			return fmt.Errorf("page cache %p has %d users, %d VMAs refer to it", c, c.users, n)
		}
		for _, off := range c.frames {
			want[off]++
		}
		c.mu.Unlock()
	}
	for o, n := range users {
		o.mu.Lock()
		if o.users != n {
			o.mu.Unlock()
			return fmt.Errorf("shared object %p has %d users, %d VMAs refer to it", o, o.users, n)
		}
		for _, off := range o.pages {
			want[off]++
		}
		o.mu.Unlock()
	}
	mf.mu.Lock()
	defer mf.mu.Unlock()
	var inUse uint64
	for i, got := range mf.refs {
		off := uint64(i) * arch.PageSize
		if got != want[off] {
			return fmt.Errorf("page %#x has %d references, want %d", off, got, want[off])
		}
		if got > 0 {
			inUse++
		}
	}
	if len(want) != int(inUse) {
		return fmt.Errorf("%d pages referred to, %d have references", len(want), inUse)
	}
	if mf.allocated != inUse*arch.PageSize {
		return fmt.Errorf("Allocated() = %d, want %d (%d pages)", mf.allocated, inUse*arch.PageSize, inUse)
	}
	return nil
}

// fork forks e's MM into a fresh fake address space.
func (e *env) fork() *env {
	e.t.Helper()
	as := newFakeAS()
	c, err := e.m.Fork(as)
	if err != nil {
		e.t.Fatalf("Fork: %v", err)
	}
	e.t.Cleanup(c.Release)
	return &env{e.t, e.mf, as, c}
}

// guestWrite stores b at va as the guest's CPU would under ptrace: a fault
// (Present if the page is mapped, access unknown) whenever the platform
// mapping does not allow the write, then a store through the mapping.
func (e *env) guestWrite(va uintptr, b byte) {
	e.t.Helper()
	page := arch.PageRoundDown(va)
	for tries := 0; ; tries++ {
		fp, ok := e.as.pages[page]
		if ok && fp.perms.Write {
			e.mf.mapping[fp.off+uint64(va-page)] = b
			return
		}
		if tries == 2 {
			e.t.Fatalf("write to %#x still not allowed after %d faults (mapped %v %s)", va, tries, ok, fp.perms)
		}
		ev := pf(va)
		ev.Present = ok
		if err := e.m.HandleFault(ev); err != nil {
			e.t.Fatalf("write fault at %#x: %v", va, err)
		}
	}
}

// guestRead loads the byte at va as the guest's CPU would.
func (e *env) guestRead(va uintptr) byte {
	e.t.Helper()
	page := arch.PageRoundDown(va)
	fp, ok := e.as.pages[page]
	if !ok {
		e.touch(va)
		fp = e.as.pages[page]
	}
	if !fp.perms.Read {
		e.t.Fatalf("read of %#x: page mapped %s", va, fp.perms)
	}
	return e.mf.mapping[fp.off+uint64(va-page)]
}

// checkAll checks every MM of a family and their shared reference counts.
func checkAll(t testing.TB, envs ...*env) {
	t.Helper()
	mms := make([]*MM, len(envs))
	for i, e := range envs {
		if err := checkMM(e.m, e.as); err != nil {
			t.Fatalf("MM %d: %v", i, err)
		}
		mms[i] = e.m
	}
	if err := checkRefs(envs[0].mf, mms...); err != nil {
		t.Fatal(err)
	}
}
