package mm

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
)

// copyEnv maps [0x500000, 0x502000) rw-, [0x502000, 0x503000) r--, then
// a hole at [0x503000, 0x504000).
func copyEnv(t *testing.T) *env {
	e := newEnv(t, 0)
	e.fixed(0x500000, 2, rw)
	e.fixed(0x502000, 1, ro)
	return e
}

func TestCopyOutIn(t *testing.T) {
	tests := []struct {
		name    string
		addr    uintptr
		n       int
		wantN   int
		wantErr error
	}{
		{name: "within a page", addr: 0x500010, n: 100, wantN: 100},
		{name: "across a page boundary", addr: 0x501000 - 10, n: 20, wantN: 20},
		{name: "into a read-only page", addr: 0x502000 - 10, n: 20, wantN: 10, wantErr: kerr.EFAULT},
		{name: "unmapped", addr: 0x400000, n: 1, wantN: 0, wantErr: kerr.EFAULT},
		{name: "beyond top", addr: testTop - 1, n: 2, wantN: 0, wantErr: kerr.EFAULT},
		{name: "address wraps", addr: ^uintptr(0), n: 2, wantN: 0, wantErr: kerr.EFAULT},
		{name: "empty", addr: 0, n: 0, wantN: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := copyEnv(t)
			src := bytes.Repeat([]byte{'a', 'b', 'c'}, tc.n)[:tc.n]
			n, err := e.m.CopyOut(tc.addr, src)
			if n != tc.wantN || !errors.Is(err, tc.wantErr) {
				t.Fatalf("CopyOut = %d, %v; want %d, %v", n, err, tc.wantN, tc.wantErr)
			}
			dst := make([]byte, tc.wantN)
			if n, err := e.m.CopyIn(tc.addr, dst); n != tc.wantN || err != nil || !bytes.Equal(dst, src[:tc.wantN]) {
				t.Fatalf("CopyIn of what was written = %d, %q, %v", n, dst, err)
			}
			e.check()
		})
	}
}

func TestCopyInPartial(t *testing.T) {
	e := copyEnv(t)
	if _, err := e.m.CopyOut(0x501ffc, []byte("wxyz")); err != nil {
		t.Fatal(err)
	}
	// Readable up to 0x503000; the hole follows.
	dst := make([]byte, 2*4096)
	n, err := e.m.CopyIn(0x501ffc, dst)
	if n != 4+4096 || !errors.Is(err, kerr.EFAULT) || string(dst[:4]) != "wxyz" {
		t.Fatalf("CopyIn = %d, %v (%q); want %d, EFAULT", n, err, dst[:4], 4+4096)
	}
	e.check()
}

func TestCopyInString(t *testing.T) {
	tests := []struct {
		name    string
		write   string // written so that its end touches the read-only page
		maxLen  int
		want    string
		wantErr error
	}{
		{name: "simple", write: "hello\x00", maxLen: 256, want: "hello"},
		{name: "empty", write: "\x00", maxLen: 1, want: ""},
		{name: "NUL just fits", write: "abc\x00", maxLen: 4, want: "abc"},
		{name: "too long", write: "abcd\x00", maxLen: 4, wantErr: kerr.ENAMETOOLONG},
		{name: "across pages", write: strings.Repeat("p", 5000) + "\x00", maxLen: 8192, want: strings.Repeat("p", 5000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := copyEnv(t)
			addr := uintptr(0x502000 - len(tc.write))
			if _, err := e.m.CopyOut(addr, []byte(tc.write)); err != nil {
				t.Fatal(err)
			}
			got, err := e.m.CopyInString(addr, tc.maxLen)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("CopyInString = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	t.Run("runs into a hole", func(t *testing.T) {
		e := copyEnv(t)
		// The read-only page is all zeros once backed: fill nothing and
		// read from the hole's edge instead.
		if _, err := e.m.CopyInString(0x503000-1, 10); err != nil {
			t.Fatalf("the last read-only byte is a NUL: %v", err)
		}
		if _, err := e.m.CopyInString(0x503000, 10); !errors.Is(err, kerr.EFAULT) {
			t.Fatalf("CopyInString in the hole = %v, want EFAULT", err)
		}
	})
}

func TestZeroOut(t *testing.T) {
	e := copyEnv(t)
	if _, err := e.m.CopyOut(0x500000, bytes.Repeat([]byte{7}, 2*4096)); err != nil {
		t.Fatal(err)
	}
	if err := e.m.ZeroOut(0x500ff0, 0x20); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0x40)
	e.m.CopyIn(0x500fe0, buf)
	want := append(append(bytes.Repeat([]byte{7}, 0x10), make([]byte, 0x20)...), bytes.Repeat([]byte{7}, 0x10)...)
	if !bytes.Equal(buf, want) {
		t.Fatalf("after ZeroOut: %v", buf)
	}
	if err := e.m.ZeroOut(0x501ff0, 0x20); !errors.Is(err, kerr.EFAULT) {
		t.Fatalf("ZeroOut into read-only = %v, want EFAULT", err)
	}
	e.check()
}

func TestZeroOutLeavesUntouchedAnonymousUnbacked(t *testing.T) {
	e := newEnv(t, 0)
	e.fixed(0x500000, 16, rw)
	if err := e.m.ZeroOut(0x500000, 16*4096); err != nil {
		t.Fatal(err)
	}
	if got := e.mf.Allocated(); got != 0 {
		t.Fatalf("Allocated = %d, want 0", got)
	}
}

func TestUint32At(t *testing.T) {
	e := copyEnv(t)
	if _, err := e.m.CopyOut(0x500100, []byte{1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	p, err := e.m.Uint32At(0x500100, true)
	if err != nil || atomic.LoadUint32(p) != 1 {
		t.Fatalf("Uint32At = %v, %v", p, err)
	}
	atomic.AddUint32(p, 41)
	buf := make([]byte, 4)
	e.m.CopyIn(0x500100, buf)
	if buf[0] != 42 {
		t.Fatalf("guest sees %v after the atomic add, want 42", buf)
	}
	for _, tc := range []struct {
		addr  uintptr
		write bool
		want  error
	}{
		{0x500102, false, kerr.EINVAL},
		{0x502000, true, kerr.EFAULT},
		{0x503000, false, kerr.EFAULT},
	} {
		if _, err := e.m.Uint32At(tc.addr, tc.write); !errors.Is(err, tc.want) {
			t.Errorf("Uint32At(%#x, %v) = %v, want %v", tc.addr, tc.write, err, tc.want)
		}
	}
	if _, err := e.m.Uint32At(0x502000, false); err != nil {
		t.Errorf("read of read-only word: %v", err)
	}
}

func TestReleaseFreesEverything(t *testing.T) {
	mf, err := NewMemoryFile(0)
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	as := newFakeAS()
	m := New(mf, as, testTop)
	a, _ := m.Mmap(MmapOpts{Length: 10 * 4096, Perms: rw})
	m.CopyOut(a, make([]byte, 10*4096))
	m.Release()
	if mf.Allocated() != 0 || !as.released {
		t.Fatalf("after Release: Allocated %d, platform released %v", mf.Allocated(), as.released)
	}
	m.Release() // idempotent
}

func BenchmarkCopyIn(b *testing.B) {
	e := newEnv(b, 0)
	a := e.mmap(MmapOpts{Length: 16 * 4096, Perms: rw})
	buf := make([]byte, 4096)
	if _, err := e.m.CopyOut(a, make([]byte, 16*4096)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Unaligned, so each copy spans two pages.
		if _, err := e.m.CopyIn(a+uintptr(i%8)*4096+100, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyOut(b *testing.B) {
	e := newEnv(b, 0)
	a := e.mmap(MmapOpts{Length: 16 * 4096, Perms: rw})
	buf := make([]byte, 4096)
	b.SetBytes(4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := e.m.CopyOut(a+uintptr(i%8)*4096+100, buf); err != nil {
			b.Fatal(err)
		}
	}
}
