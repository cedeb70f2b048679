package mm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

// cachedFile is a file of a memory file system, as tmpfs's regular files
// are: its bytes are its page cache.
type cachedFile struct{ c PageCache }

func (f *cachedFile) ReadAt(p []byte, off int64) (int, error) { return f.c.ReadAt(p, off), nil }
func (f *cachedFile) PageCache() *PageCache                   { return &f.c }

// newCachedFile returns a file of pages pages, page i filled with byte 'a'+i.
func newCachedFile(pages int) *cachedFile {
	f := &cachedFile{}
	for i := range pages {
		f.c.WriteAt(bytes.Repeat([]byte{byte('a' + i)}, arch.PageSize), int64(i)*arch.PageSize)
	}
	return f
}

// mapFile maps pages pages of f at file offset 0.
func (e *env) mapFile(f Mappable, pages int, shared bool, p platform.Perms) uintptr {
	e.t.Helper()
	return e.mmap(MmapOpts{Length: uintptr(pages) * arch.PageSize, Perms: p, Shared: shared, File: f})
}

// fileByte reads the file's byte at off through read(2)'s path.
func fileByte(t *testing.T, f *cachedFile, off int64) byte {
	t.Helper()
	var b [1]byte
	if f.c.ReadAt(b[:], off) != 1 {
		t.Fatalf("ReadAt(%d): nothing read (size %d)", off, f.c.Size())
	}
	return b[0]
}

func TestPageCacheSharedMappingsAreCoherent(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(2)
	a := e.mapFile(f, 2, true, rw)
	b := e.mapFile(f, 2, true, rw)

	e.guestWrite(a+5, 'X')
	if got := e.guestRead(b + 5); got != 'X' {
		t.Errorf("second mapping reads %q after a store through the first, want 'X'", got)
	}
	if got := fileByte(t, f, 5); got != 'X' {
		t.Errorf("read(2) gets %q after a store through a mapping, want 'X'", got)
	}
	f.c.WriteAt([]byte("Y"), arch.PageSize+7)
	if got := e.guestRead(a + arch.PageSize + 7); got != 'Y' {
		t.Errorf("mapping reads %q after write(2), want 'Y'", got)
	}
	checkAll(t, e)

	// A forked child's stores reach the parent's read(2) and mappings.
	c := e.fork()
	c.guestWrite(b+arch.PageSize, 'Z')
	if got := fileByte(t, f, arch.PageSize); got != 'Z' {
		t.Errorf("read(2) gets %q after the child's store, want 'Z'", got)
	}
	if got := e.guestRead(a + arch.PageSize); got != 'Z' {
		t.Errorf("parent's mapping reads %q after the child's store, want 'Z'", got)
	}
	checkAll(t, e, c)

	// A second MM on the same memory file, mapping the file on its own.
	as := newFakeAS()
	other := &env{t, e.mf, as, New(e.mf, as, testTop)}
	t.Cleanup(other.m.Release)
	o := other.mapFile(f, 1, true, ro)
	if got := other.guestRead(o + 5); got != 'X' {
		t.Errorf("another process's mapping reads %q, want 'X'", got)
	}
	checkAll(t, e, c, other)

	// An exited child leaves the list of MMs truncation visits.
	c.m.Release()
	f.c.mu.Lock()
	_, listed := f.c.mappers[c.m]
	f.c.mu.Unlock()
	if listed {
		t.Error("a released MM is still listed as a mapper of a file others map")
	}
}

func TestPageCachePrivateMapping(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(1)
	p := e.mapFile(f, 1, false, rw)

	// Before its first store a private mapping sees the file change.
	if got := e.guestRead(p); got != 'a' {
		t.Fatalf("private mapping reads %q, want 'a'", got)
	}
	f.c.WriteAt([]byte("B"), 0)
	if got := e.guestRead(p); got != 'B' {
		t.Errorf("private mapping reads %q after write(2) and before any store, want 'B'", got)
	}
	e.guestWrite(p+1, 'P')
	checkAll(t, e)
	if got := fileByte(t, f, 1); got != 'a' {
		t.Errorf("read(2) gets %q after a private store, want 'a'", got)
	}
	f.c.WriteAt([]byte("C"), 0)
	if got := e.guestRead(p); got != 'B' {
		t.Errorf("private copy reads %q after a later write(2), want 'B' (its own copy)", got)
	}
	if got := e.guestRead(p + 1); got != 'P' {
		t.Errorf("private copy reads %q, want its store 'P'", got)
	}
	checkAll(t, e)
}

func TestPageCacheTruncate(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(3)
	s := e.mapFile(f, 3, true, rw)
	p := e.mapFile(f, 3, false, rw)
	for i := uintptr(0); i < 3; i++ {
		e.guestRead(s + i*arch.PageSize)
	}
	e.guestWrite(p+2*arch.PageSize, 'q') // a private copy beyond the new end

	f.c.Truncate(arch.PageSize + 10)
	checkAll(t, e)
	for _, va := range []uintptr{s + 2*arch.PageSize, p + 2*arch.PageSize} {
		if _, backed := e.as.pages[va]; backed {
			t.Errorf("page %#x beyond the new end is still mapped", va)
		}
		if code := faultCode(e.m.HandleFault(pf(va))); code != FaultBusErr {
			t.Errorf("fault beyond end of file at %#x: code %d, want FaultBusErr", va, code)
		}
	}
	var b [1]byte
	if _, err := e.m.CopyIn(s+2*arch.PageSize, b[:]); !errors.Is(err, kerr.EFAULT) {
		t.Errorf("CopyIn beyond end of file: %v, want EFAULT", err)
	}
	// The page holding the end stays, zeroed past it.
	if got := e.guestRead(s + arch.PageSize + 9); got != 'b' {
		t.Errorf("last byte reads %q, want 'b'", got)
	}
	if got := e.guestRead(s + arch.PageSize + 10); got != 0 {
		t.Errorf("byte past the end reads %q, want 0", got)
	}
	// Growing again reads zeros, not the old contents.
	f.c.Truncate(3 * arch.PageSize)
	if got := e.guestRead(s + 2*arch.PageSize); got != 0 {
		t.Errorf("regrown page reads %q, want 0", got)
	}
	checkAll(t, e)
}

// TestPageCacheTruncateBusyMM truncates while the MM's lock is held, as
// it is when the MM is in a fault waiting for the file system's lock that
// Truncate's caller holds: Truncate must not wait, and the pages go once
// the MM is free.
func TestPageCacheTruncateBusyMM(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(2)
	s := e.mapFile(f, 2, true, rw)
	e.guestRead(s + arch.PageSize)

	e.m.mu.Lock()
	f.c.Truncate(arch.PageSize) // would deadlock if it waited
	e.m.mu.Unlock()
	f.c.pending.Wait()
	if _, backed := e.as.pages[s+arch.PageSize]; backed {
		t.Error("page beyond the new end still mapped after the MM was free again")
	}
	if code := faultCode(e.m.HandleFault(pf(s + arch.PageSize))); code != FaultBusErr {
		t.Errorf("fault beyond end of file: code %d, want FaultBusErr", code)
	}
	checkAll(t, e)
}

func TestPageCacheLastUnmapFreesFrames(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(4)
	a := e.mapFile(f, 4, true, rw)
	for i := uintptr(0); i < 4; i++ {
		e.guestWrite(a+i*arch.PageSize, byte('A'+i))
	}
	c := e.fork()
	if err := e.m.Munmap(a, 4*arch.PageSize); err != nil {
		t.Fatal(err)
	}
	if e.mf.Allocated() == 0 {
		t.Fatal("pages freed while the child still maps the file")
	}
	c.m.Release()
	if got := e.mf.Allocated(); got != 0 {
		t.Errorf("Allocated() = %d after the last mapping went, want 0", got)
	}
	if f.c.mf != nil || len(f.c.frames) != 0 || len(f.c.mappers) != 0 {
		t.Errorf("cache still holds memory-file state: mf %p, %d frames, %d mappers", f.c.mf, len(f.c.frames), len(f.c.mappers))
	}
	for i := int64(0); i < 4; i++ {
		if got := fileByte(t, f, i*arch.PageSize); got != byte('A'+i) {
			t.Errorf("page %d reads %q after the last unmap, want %q", i, got, byte('A'+i))
		}
	}
	if got := f.c.Pages(); got != 4 {
		t.Errorf("Pages() = %d, want 4", got)
	}
}

func TestPageCacheSparse(t *testing.T) {
	var c PageCache
	c.WriteAt([]byte("xyz"), 3*arch.PageSize+1)
	tests := []struct {
		name string
		do   func()
		size int64
		data map[int64]bool // page index -> has data
	}{
		{"write", func() {}, 3*arch.PageSize + 4, map[int64]bool{0: false, 3: true}},
		{"allocate keeps size", func() { c.Allocate(0, arch.PageSize, true) }, 3*arch.PageSize + 4, map[int64]bool{0: true, 1: false}},
		{"allocate grows", func() { c.Allocate(4*arch.PageSize, 5*arch.PageSize, false) }, 5 * arch.PageSize, map[int64]bool{4: true}},
		{"punch whole page", func() { c.Zero(0, arch.PageSize) }, 5 * arch.PageSize, map[int64]bool{0: false, 3: true}},
		{"truncate", func() { c.Truncate(arch.PageSize) }, arch.PageSize, map[int64]bool{3: false, 4: false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.do()
			if got := c.Size(); got != tc.size {
				t.Errorf("Size() = %d, want %d", got, tc.size)
			}
			for idx, want := range tc.data {
				if got := c.HasPage(idx * arch.PageSize); got != want {
					t.Errorf("HasPage(page %d) = %v, want %v", idx, got, want)
				}
			}
		})
	}
	buf := make([]byte, 8)
	if n := c.ReadAt(buf, arch.PageSize-4); n != 4 || !bytes.Equal(buf[:4], make([]byte, 4)) {
		t.Errorf("ReadAt at the end = %d %q, want 4 zeros", n, buf[:n])
	}
}

func TestPageCacheNoWrite(t *testing.T) {
	e := newEnv(t, 0)
	f := newCachedFile(1)
	a := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, Shared: true, File: f, NoWrite: true})
	if err := e.m.Mprotect(a, arch.PageSize, rw); !errors.Is(err, kerr.EACCES) {
		t.Errorf("mprotect(PROT_WRITE) of a shared mapping of a read-only file: %v, want EACCES", err)
	}
	p := e.mmap(MmapOpts{Length: arch.PageSize, Perms: ro, File: f, NoWrite: true})
	if err := e.m.Mprotect(p, arch.PageSize, rw); err != nil {
		t.Errorf("mprotect(PROT_WRITE) of a private mapping: %v, want success", err)
	}
}

func TestMincoreAndMsync(t *testing.T) {
	e := newEnv(t, 0)
	f := &cachedFile{}
	f.c.WriteAt([]byte("x"), 0)
	f.c.Truncate(3 * arch.PageSize) // pages 1 and 2 are holes
	fa := e.mapFile(f, 3, true, rw)
	e.fixed(0x600000, 2, rw)
	e.touch(0x601000)
	e.fixed(0x603000, 1, rw) // a hole at 0x602000

	tests := []struct {
		name  string
		addr  uintptr
		pages int
		want  []byte
		err   error
	}{
		{"file: data resident, holes not", fa, 3, []byte{1, 0, 0}, nil},
		{"anonymous: touched only", 0x600000, 2, []byte{0, 1}, nil},
		{"stops at a hole", 0x600000, 4, []byte{0, 1}, kerr.ENOMEM},
		{"unaligned", 0x600001, 1, nil, kerr.EINVAL},
	}
	for _, tc := range tests {
		t.Run("mincore/"+tc.name, func(t *testing.T) {
			vec := make([]byte, tc.pages)
			n, err := e.m.Mincore(tc.addr, vec)
			if !errors.Is(err, tc.err) || err == nil && tc.err != nil {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
			if !bytes.Equal(vec[:n], tc.want) {
				t.Errorf("vec = %v, want %v", vec[:n], tc.want)
			}
		})
	}
	e.guestWrite(fa+arch.PageSize, 'y')
	vec := make([]byte, 3)
	if _, err := e.m.Mincore(fa, vec); err != nil || !bytes.Equal(vec, []byte{1, 1, 0}) {
		t.Errorf("after a store: vec = %v (%v), want [1 1 0]", vec, err)
	}

	msync := []struct {
		name         string
		addr, length uintptr
		want         error
	}{
		{"mapped", 0x600000, 2 * arch.PageSize, nil},
		{"length rounds up", 0x600000, 1, nil},
		{"zero length", 0x602000, 0, nil},
		{"hole", 0x600000, 4 * arch.PageSize, kerr.ENOMEM},
		{"unaligned", 0x600800, 10, kerr.EINVAL},
		{"wraps", 0x600000, ^uintptr(0) - 0x1000, kerr.ENOMEM},
	}
	for _, tc := range msync {
		t.Run("msync/"+tc.name, func(t *testing.T) {
			if err := e.m.Msync(tc.addr, tc.length, true); !errors.Is(err, tc.want) || err != nil && tc.want == nil {
				t.Errorf("Msync(%#x, %#x) = %v, want %v", tc.addr, tc.length, err, tc.want)
			}
		})
	}
}

func TestPageCacheOtherMemoryFile(t *testing.T) {
	e1, e2 := newEnv(t, 0), newEnv(t, 0)
	f := newCachedFile(1)
	e1.mapFile(f, 1, true, rw)
	if _, err := e2.m.Mmap(MmapOpts{Length: arch.PageSize, Perms: rw, Shared: true, File: f}); !errors.Is(err, kerr.ENODEV) {
		t.Errorf("mapping through a second memory file: %v, want ENODEV", err)
	}
}
