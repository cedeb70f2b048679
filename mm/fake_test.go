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
		prev = v.end
	}
	for va, p := range m.pt.pages {
		if _, ok := m.vmas.find(va); !ok {
			return fmt.Errorf("backed page %#x outside every VMA", va)
		}
		if fp, ok := as.pages[va]; !ok || fp.off != p.off || fp.perms != p.mapped {
			return fmt.Errorf("page %#x: mm has %+v, platform has %+v (present %v)", va, p, fp, ok)
		}
	}
	if len(as.pages) != len(m.pt.pages) {
		return fmt.Errorf("platform maps %d pages, mm backs %d", len(as.pages), len(m.pt.pages))
	}
	if got, want := m.mf.Allocated(), uint64(len(m.pt.pages))*arch.PageSize; got != want {
		return fmt.Errorf("Allocated() = %d, want %d", got, want)
	}
	return nil
}
