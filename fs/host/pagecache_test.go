package host

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/arch"
	"github.com/runos-project/runos/mm"
	"github.com/runos-project/runos/platform"
)

// nullAS is an address space that maps nothing: the tests reach guest
// memory through the mm's copy functions, which fault pages in as the
// guest would.
type nullAS struct{}

func (nullAS) Map(uintptr, uintptr, uint64, platform.Perms) error { return nil }
func (nullAS) Unmap(uintptr, uintptr) error                       { return nil }
func (nullAS) Release()                                           {}

var (
	ro = platform.Perms{Read: true}
	rw = platform.Perms{Read: true, Write: true}
)

// newMM returns an address space over a memory file of its own.
func newMM(t *testing.T) (*mm.MM, *mm.MemoryFile) {
	t.Helper()
	mf, err := mm.NewMemoryFile(0)
	if err != nil {
		t.Fatal(err)
	}
	m := mm.New(mf, nullAS{}, 1<<47-arch.PageSize)
	t.Cleanup(func() { m.Release(); mf.Close() })
	return m, mf
}

// mmapFile maps pages pages of f or fails the test.
func mmapFile(t *testing.T, m *mm.MM, f fs.File, pages int, shared bool, p platform.Perms) uintptr {
	t.Helper()
	a, err := m.Mmap(mm.MmapOpts{Length: uintptr(pages) * arch.PageSize, Perms: p, Shared: shared,
		File: f.(mm.Mappable), NoWrite: !p.Write})
	if err != nil {
		t.Fatalf("Mmap: %v", err)
	}
	return a
}

// peek is the guest's bytes at addr.
func peek(t *testing.T, m *mm.MM, addr uintptr, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := m.CopyIn(addr, b); err != nil {
		t.Fatalf("CopyIn(%#x): %v", addr, err)
	}
	return string(b)
}

func poke(t *testing.T, m *mm.MM, addr uintptr, s string) {
	t.Helper()
	if _, err := m.CopyOut(addr, []byte(s)); err != nil {
		t.Fatalf("CopyOut(%#x): %v", addr, err)
	}
}

// pagesOf writes a file of pages pages, page i filled with fill+i.
func pagesOf(t *testing.T, path string, pages int, fill byte) {
	t.Helper()
	var data []byte
	for i := range pages {
		data = append(data, bytes.Repeat([]byte{fill + byte(i)}, arch.PageSize)...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRootFilesShareOnePageCache(t *testing.T) {
	dir := t.TempDir()
	pagesOf(t, filepath.Join(dir, "lib.so"), 4, 'a')
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	m, mf := newMM(t)
	var addrs []uintptr
	for range 2 {
		f, err := root.Open("/lib.so", OpenRead)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, mmapFile(t, m, f, 4, false, ro))
	}
	if got := peek(t, m, addrs[0]+arch.PageSize, 1); got != "b" {
		t.Fatalf("first mapping reads %q, want b", got)
	}
	used := mf.Allocated()
	if got := peek(t, m, addrs[1]+arch.PageSize, 1); got != "b" {
		t.Fatalf("second mapping reads %q, want b", got)
	}
	if got := mf.Allocated(); got != used {
		t.Errorf("memory file grew from %d to %d bytes for a second mapping of one file, want one copy", used, got)
	}
	for _, a := range addrs {
		m.Munmap(a, 4*arch.PageSize)
	}
	if got := mf.Allocated(); got != 0 {
		t.Errorf("memory file holds %d bytes after the last mapping went, want 0", got)
	}
	st, err := os.Stat(filepath.Join(dir, "lib.so"))
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if e := mappedCache(fileKey{sys.Dev, sys.Ino}); e != nil {
		t.Errorf("the file's cache is still registered after its last mapping went")
	}
}

func TestRootFileChangedOnTheHost(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	pagesOf(t, path, 1, 'a')
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	m, _ := newMM(t)
	mapData := func() uintptr {
		f, err := root.Open("/data", OpenRead)
		if err != nil {
			t.Fatal(err)
		}
		return mmapFile(t, m, f, 1, true, ro)
	}
	old := mapData()
	if got := peek(t, m, old, 1); got != "a" {
		t.Fatalf("mapping reads %q, want a", got)
	}
	// A change in place while mapped (the size tells it): new mappings
	// read the file afresh, the old one keeps its page.
	pagesOf(t, path, 2, 'x')
	fresh := mapData()
	if got := peek(t, m, fresh, 1); got != "x" {
		t.Errorf("mapping made after the host changed the file reads %q, want x", got)
	}
	if got := peek(t, m, old, 1); got != "a" {
		t.Errorf("mapping made before the change reads %q, want its old a", got)
	}
	m.Munmap(old, arch.PageSize)
	m.Munmap(fresh, arch.PageSize)
	// Nothing mapped: nothing cached, so a later mapping is fresh too.
	pagesOf(t, path, 3, 'k')
	if got := peek(t, m, mapData(), 1); got != "k" {
		t.Errorf("mapping after the file was unmapped and changed reads %q, want k", got)
	}
}

func TestBindFileMappingCoherent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	pagesOf(t, path, 2, 'a')
	b, err := NewBind(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	n, err := b.Root().Lookup("data")
	if err != nil {
		t.Fatal(err)
	}
	f, err := n.Open(fs.OpenFlags{Read: true, Write: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hf := f.(*File)
	m, _ := newMM(t)
	a := mmapFile(t, m, f, 2, true, rw)

	poke(t, m, a+10, "store")
	buf := make([]byte, 5)
	if _, err := hf.ReadAt(buf, 10); err != nil || string(buf) != "store" {
		t.Errorf("pread after a store through the mapping = %q, %v; want store", buf, err)
	}
	if _, err := hf.WriteAt([]byte("write"), arch.PageSize+3); err != nil {
		t.Fatal(err)
	}
	if got := peek(t, m, a+arch.PageSize+3, 5); got != "write" {
		t.Errorf("mapping reads %q after pwrite, want write", got)
	}
	// The same through the file position, and a second open of the file.
	g, err := n.Open(fs.OpenFlags{Read: true, Write: true, Append: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Write([]byte("tail")); err != nil {
		t.Fatal(err)
	}
	poke(t, m, a+20, "late")
	if err := hf.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	host, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(host[20:24]) != "late" || string(host[2*arch.PageSize:]) != "tail" {
		t.Errorf("host file after fsync holds %q at 20 and %q at the end, want late and tail",
			host[20:24], host[2*arch.PageSize:])
	}
	// Shrinking the file unmaps what lies beyond its end.
	if err := n.Setattr(&vfs.SetAttr{Mask: vfs.AttrSize, Size: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CopyIn(a+arch.PageSize, make([]byte, 1)); err == nil {
		t.Errorf("CopyIn from a page truncated away succeeded")
	}
	poke(t, m, a+30, "gone")
	m.Munmap(a, 2*arch.PageSize)
	host, _ = os.ReadFile(path)
	if len(host) != 100 || string(host[30:34]) != "gone" {
		t.Errorf("host file after munmap: %d bytes, %q at 30; want 100 bytes, gone", len(host), host[30:34])
	}
}
