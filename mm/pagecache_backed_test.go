package mm

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
)

// hostData is a host file's bytes, which live outside the memory file:
// the Backing of its page cache.
type hostData struct {
	mu       sync.Mutex
	data     []byte
	readOnly bool // a write-back would be a bug
}

// hostFile is an open host file as fs/host presents one: its mappings
// share a backed cache, and its reads see what they stored (read(2)
// writes the range back first).
type hostFile struct {
	*hostData
	cache *PageCache
}

func newHostFile(pages int) *hostFile {
	d := &hostData{}
	for i := range pages {
		d.data = append(d.data, bytes.Repeat([]byte{byte('a' + i)}, arch.PageSize)...)
	}
	return &hostFile{d, NewBackedPageCache(d, nil)}
}

func (f *hostFile) PageCache() *PageCache {
	f.cache.Reserve()
	return f.cache
}

func (f *hostFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.cache.Writeback(off, off+int64(len(p))); err != nil {
		return 0, err
	}
	return f.hostData.ReadAt(p, off)
}

func (f *hostData) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	return copy(p, f.data[off:]), nil
}

func (f *hostData) WriteAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readOnly {
		panic("write-back to a file no mapping can write")
	}
	if end := off + int64(len(p)); end > int64(len(f.data)) {
		f.data = append(f.data, make([]byte, end-int64(len(f.data)))...)
	}
	return copy(f.data[off:], p), nil
}

func (f *hostData) Size() (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.data)), nil
}

// at is the host file's byte at off, as a host reader sees it.
func (f *hostData) at(off int) byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.data[off]
}

// hostWrite is write(2) through runos: to the host file, then the cache.
func (f *hostFile) hostWrite(p []byte, off int64) {
	f.hostData.WriteAt(p, off)
	f.cache.Update(p, off)
}

func TestBackedCacheSharesPages(t *testing.T) {
	e := newEnv(t, 0)
	f := newHostFile(2)
	f.readOnly = true
	a := e.mmap(MmapOpts{Length: 2 * arch.PageSize, Perms: rx, File: f, NoWrite: true})
	b := e.mmap(MmapOpts{Length: 2 * arch.PageSize, Perms: ro, File: f, NoWrite: true, Shared: true})
	e.touch(a)
	used := e.mf.Allocated()
	e.touch(b)
	child := e.fork()
	child.touch(a + arch.PageSize)
	if got := e.mf.Allocated(); got != used {
		t.Errorf("memory file holds %d bytes after more mappings of the file touched its pages, want %d (one copy)", got, used)
	}
	if e.as.pages[a].off != e.as.pages[b].off || e.as.pages[a].off != child.as.pages[a].off {
		t.Errorf("mappings of one file map pages %#x, %#x and (child) %#x, want one page",
			e.as.pages[a].off, e.as.pages[b].off, child.as.pages[a].off)
	}
	if got := e.guestRead(b + arch.PageSize); got != 'b' {
		t.Errorf("second page reads %q, want 'b'", got)
	}
	checkAll(t, e, child)
	e.m.Munmap(a, 2*arch.PageSize)
	e.m.Munmap(b, 2*arch.PageSize)
	child.m.Release()
	if got := e.mf.Allocated(); got != 0 {
		t.Errorf("memory file holds %d bytes after the last mapping went, want 0", got)
	}
}

func TestBackedCachePrivateCopiesOnWrite(t *testing.T) {
	t.Run("writable from the start", func(t *testing.T) {
		// A data segment: its own page at first touch.
		e := newEnv(t, 0)
		f := newHostFile(1)
		s := e.mmap(MmapOpts{Length: arch.PageSize, Perms: rw, File: f, Shared: true})
		p := e.mmap(MmapOpts{Length: arch.PageSize, Perms: rw, File: f})
		e.guestWrite(s+3, 'S')
		e.guestWrite(p+1, 'P')
		if got := e.guestRead(p + 3); got != 'S' {
			t.Errorf("private mapping reads %q at first touch, want the shared store 'S'", got)
		}
		if got := e.guestRead(s + 1); got != 'a' {
			t.Errorf("shared mapping reads %q after a private store, want 'a'", got)
		}
		checkAll(t, e)
	})

	e := newEnv(t, 0)
	f := newHostFile(1)
	s := e.mmap(MmapOpts{Length: arch.PageSize, Perms: rw, File: f, Shared: true})
	// Read-only first, as a text segment whose relocations are
	// patched: it maps the cache's page until written.
	p := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, File: f})
	e.touch(s)
	e.touch(p)
	if e.as.pages[p].off != e.as.pages[s].off {
		t.Errorf("private and shared mappings map pages %#x and %#x, want the cache's one", e.as.pages[p].off, e.as.pages[s].off)
	}
	if err := e.m.Mprotect(p, arch.PageSize, rw); err != nil {
		t.Fatal(err)
	}
	e.guestWrite(p+1, 'P')
	if got := e.guestRead(s + 1); got != 'a' {
		t.Errorf("shared mapping reads %q after a private store, want 'a'", got)
	}
	e.guestWrite(s+2, 'S')
	if got := e.guestRead(p + 2); got != 'a' {
		t.Errorf("private copy reads %q after a shared store, want its own 'a'", got)
	}
	checkAll(t, e)
}

func TestBackedCacheWriteBack(t *testing.T) {
	tests := []struct {
		name string
		// flush is what should bring the store to the host file.
		flush func(e *env, f *hostFile, addr uintptr) error
	}{
		{"msync MS_SYNC", func(e *env, f *hostFile, addr uintptr) error {
			return e.m.Msync(addr, arch.PageSize, true)
		}},
		{"fsync", func(e *env, f *hostFile, addr uintptr) error {
			return f.cache.Writeback(0, 1<<62)
		}},
		{"munmap", func(e *env, f *hostFile, addr uintptr) error {
			return e.m.Munmap(addr, 2*arch.PageSize)
		}},
		{"exit", func(e *env, f *hostFile, addr uintptr) error {
			e.m.Release()
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			f := newHostFile(2)
			a := e.mmap(MmapOpts{Length: 2 * arch.PageSize, Perms: rw, File: f, Shared: true})
			e.guestWrite(a+arch.PageSize+3, 'W')
			if err := e.m.Msync(a, arch.PageSize, false); err != nil {
				t.Fatalf("Msync(MS_ASYNC): %v", err)
			}
			if got := f.at(arch.PageSize + 3); got != 'b' {
				t.Fatalf("host file holds %q before any write-back, want 'b'", got)
			}
			if err := tc.flush(e, f, a); err != nil {
				t.Fatalf("flush: %v", err)
			}
			if tc.name == "msync MS_SYNC" {
				// Only the range asked for: the store is in the second page.
				if got := f.at(arch.PageSize + 3); got != 'b' {
					t.Fatalf("msync of the first page wrote the second back")
				}
				if err := e.m.Msync(a, 2*arch.PageSize, true); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.at(arch.PageSize + 3); got != 'W' {
				t.Errorf("host file holds %q after %s, want 'W'", got, tc.name)
			}
			if size, _ := f.Size(); size != 2*arch.PageSize {
				t.Errorf("write-back changed the size to %d", size)
			}
		})
	}
}

func TestBackedCacheWriteUpdatesMappings(t *testing.T) {
	e := newEnv(t, 0)
	f := newHostFile(2)
	a := e.mmap(MmapOpts{Length: 2 * arch.PageSize, Perms: rw, File: f, Shared: true})
	e.touch(a)
	f.hostWrite([]byte("xy"), arch.PageSize-1) // across the page boundary
	if got := e.guestRead(a + arch.PageSize - 1); got != 'x' {
		t.Errorf("mapping reads %q after write(2), want 'x'", got)
	}
	if got := e.guestRead(a + arch.PageSize); got != 'y' {
		t.Errorf("mapping reads %q in a page touched after write(2), want 'y'", got)
	}
}

func TestBackedCacheEndOfFile(t *testing.T) {
	e := newEnv(t, 0)
	f := newHostFile(2)
	a := e.mmap(MmapOpts{Length: 4 * arch.PageSize, Perms: rw, File: f, Shared: true})
	if code := faultCode(e.m.HandleFault(pf(a + 2*arch.PageSize))); code != FaultBusErr {
		t.Errorf("fault beyond end of file: code %d, want FaultBusErr", code)
	}
	e.touch(a + arch.PageSize)
	f.mu.Lock()
	f.data = f.data[:100]
	f.mu.Unlock()
	f.cache.Truncate(100)
	if code := faultCode(e.m.HandleFault(pf(a + arch.PageSize))); code != FaultBusErr {
		t.Errorf("fault on a page truncated away: code %d, want FaultBusErr", code)
	}
	if got := e.guestRead(a + 200); got != 0 {
		t.Errorf("byte beyond the new end of file reads %q, want 0", got)
	}
	checkAll(t, e)
}

func TestBackedCacheReadOnlyNeverWritesBack(t *testing.T) {
	e := newEnv(t, 0)
	f := newHostFile(1)
	f.readOnly = true
	a := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, File: f, Shared: true, NoWrite: true})
	e.touch(a)
	if err := e.m.Msync(a, arch.PageSize, true); err != nil {
		t.Fatalf("Msync: %v", err)
	}
	if err := e.m.Munmap(a, arch.PageSize); err != nil {
		t.Fatal(err)
	}
}

// failingData fails every write-back.
type failingData struct{ *hostData }

func (failingData) WriteAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestBackedCacheWriteBackErrorIsEIO(t *testing.T) {
	e := newEnv(t, 0)
	d := newHostFile(1).hostData
	f := &hostFile{d, NewBackedPageCache(failingData{d}, nil)}
	a := e.mmap(MmapOpts{Length: arch.PageSize, Perms: rw, File: f, Shared: true})
	e.guestWrite(a, 'x')
	if err := e.m.Msync(a, arch.PageSize, true); !errors.Is(err, kerr.EIO) {
		t.Errorf("Msync with a failing write-back = %v, want EIO", err)
	}
}

func TestBackedCacheGoesIdleWithItsLastMapping(t *testing.T) {
	e := newEnv(t, 0)
	d := newHostFile(1).hostData
	idle := 0
	f := &hostFile{d, nil}
	f.cache = NewBackedPageCache(d, func() { idle++ })
	a := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, File: f, Shared: true})
	b := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, File: f})
	// A data segment does not keep the cache: its reservation is dropped.
	c := e.mmap(MmapOpts{Length: arch.PageSize, Perms: rw, File: f})
	child := e.fork()
	e.m.Munmap(a, arch.PageSize)
	e.m.Munmap(b, arch.PageSize)
	if idle != 0 || f.cache.Idle() {
		t.Fatalf("cache went idle (%d calls) while the child still maps it", idle)
	}
	f.cache.Reserve() // an mmap in progress
	child.m.Release()
	if idle != 0 {
		t.Fatalf("cache went idle while a mapping had reserved it")
	}
	f.cache.unreserve()
	if idle != 1 || !f.cache.Idle() {
		t.Errorf("onIdle called %d times after the last mapping and reservation went, want 1", idle)
	}
	e.m.Munmap(c, arch.PageSize)
	if idle != 1 {
		t.Errorf("onIdle called %d times, want 1", idle)
	}
}
