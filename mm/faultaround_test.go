package mm

import (
	"bytes"
	"testing"
)

// TestFaultAround checks which pages a fault fills ahead (faultaround.go):
// the unbacked private file pages of the faulting VMA within the aligned
// window, never a page beyond end of file, never anonymous memory.
func TestFaultAround(t *testing.T) {
	const base = 0x500000 // aligned to the window
	tests := []struct {
		name      string
		filePages float64 // 0: anonymous
		vmaPages  int
		fault     uintptr
		want      []uintptr // backed pages after the fault, as page indexes
	}{
		{name: "whole window", filePages: 40, vmaPages: 40, fault: 5,
			want: span(0, 16)},
		{name: "second window", filePages: 40, vmaPages: 40, fault: 17,
			want: span(16, 32)},
		{name: "cut at the VMA's end", filePages: 40, vmaPages: 6, fault: 0,
			want: span(0, 6)},
		{name: "not beyond end of file", filePages: 3.5, vmaPages: 8, fault: 1,
			want: span(0, 4)},
		{name: "anonymous: the page alone", vmaPages: 8, fault: 2,
			want: []uintptr{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			o := MmapOpts{Addr: base, Length: uintptr(tc.vmaPages) * pg, Perms: rx, Fixed: true}
			var data []byte
			if tc.filePages > 0 {
				data = make([]byte, int(tc.filePages*pg))
				for i := range data {
					data[i] = byte(i/pg + 1)
				}
				o.File, o.Name = &fakeFile{data: data}, "/bin/x"
			}
			e.mmap(o)
			e.touch(base + tc.fault*pg)
			var got []uintptr
			for i := range uintptr(tc.vmaPages) {
				if _, ok := e.m.pt.pages[base+i*pg]; ok {
					got = append(got, i)
				}
			}
			if !equalPages(got, tc.want) {
				t.Fatalf("backed pages %v, want %v", got, tc.want)
			}
			for _, i := range got {
				buf := make([]byte, pg)
				if _, err := e.m.CopyIn(base+i*pg, buf); err != nil {
					t.Fatal(err)
				}
				var want []byte
				if data != nil {
					want = make([]byte, pg)
					copy(want, data[min(int(i*pg), len(data)):])
				}
				if data != nil && !bytes.Equal(buf, want) {
					t.Errorf("page %d holds %x..., want %x...", i, buf[:4], want[:4])
				}
			}
			e.check()
		})
	}
}

// TestFaultAroundMapsRuns checks that the pages filled ahead are mapped in
// runs, not page by page: the point of it on ptrace.
func TestFaultAroundMapsRuns(t *testing.T) {
	e := newEnv(t, 0)
	e.mmap(MmapOpts{Addr: 0x500000, Length: 16 * pg, Perms: rx, Fixed: true,
		File: &fakeFile{data: make([]byte, 16*pg)}, Name: "/bin/x"})
	before := len(e.as.calls)
	e.touch(0x500000)
	// The faulting page, then the 15 others: fresh pages in address
	// order, contiguous in the memory file.
	if n := len(e.as.calls) - before; n != 2 {
		t.Errorf("%d Map calls for one fault with fault-around, want 2: %q", n, e.as.calls[before:])
	}
	e.check()
}

// TestFaultAroundKeepsCopyOnWrite checks that filling pages ahead in a
// child never makes a page that fork shared writable, in either process.
func TestFaultAroundKeepsCopyOnWrite(t *testing.T) {
	e := newEnv(t, 0)
	data := make([]byte, 32*pg)
	for i := range data {
		data[i] = byte(i / pg)
	}
	e.mmap(MmapOpts{Addr: 0x500000, Length: 32 * pg, Perms: rw, Fixed: true,
		File: &fakeFile{data: data}, Name: "/bin/x"})
	e.touch(0x500000) // fills pages 0-15
	c := e.fork()
	c.touch(0x510000) // the child fills 16-31, of its own
	c.guestWrite(0x501000, 0xee)
	e.guestWrite(0x502000, 0xdd)
	if got := e.guestRead(0x501000); got != 1 {
		t.Errorf("parent reads %#x at the page the child wrote, want 1", got)
	}
	if got := c.guestRead(0x502000); got != 2 {
		t.Errorf("child reads %#x at the page the parent wrote, want 2", got)
	}
	if _, ok := e.m.pt.pages[0x510000]; ok {
		t.Errorf("the child's fault-around backed a page of the parent")
	}
	checkAll(t, e, c)
}

func span(from, to uintptr) []uintptr {
	var s []uintptr
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func equalPages(a, b []uintptr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFaultAroundCacheWindow checks the wider window of a mapping of a
// cached file (faultAroundCachePages): a fault fills the cache's pages of
// the whole aligned window, within the VMA, and no page outside it.
func TestFaultAroundCacheWindow(t *testing.T) {
	const base = 0x800000 // aligned to the window
	f := newCachedFile(100)
	e := newEnv(t, 0)
	e.mmap(MmapOpts{Addr: base, Length: 100 * pg, Perms: rx, Fixed: true, File: f})
	e.touch(base + 70*pg)
	var got []uintptr
	for i := range uintptr(100) {
		if _, ok := e.m.pt.pages[base+i*pg]; ok {
			got = append(got, i)
		}
	}
	if want := span(faultAroundCachePages, 100); !equalPages(got, want) {
		t.Fatalf("backed pages %v, want %v", got, want)
	}
	if got, want := e.guestRead(base+99*pg), byte('a'+99); got != want {
		t.Errorf("page 99 reads %#x, want %#x", got, want)
	}
	e.check()
}
