package mm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
	"github.com/runos-project/runos/platform"
)

func pf(addr uintptr) platform.Event {
	return platform.Event{Kind: platform.EventFault, Vector: platform.VectorPageFault, Addr: addr}
}

func presentPF(addr uintptr) platform.Event {
	ev := pf(addr)
	ev.Present = true
	return ev
}

// faultCode returns the FaultCode of err, 0 for nil, -1 for other errors.
func faultCode(err error) FaultCode {
	var se *SegvError
	if err == nil {
		return 0
	}
	if errors.As(err, &se) {
		return se.Code
	}
	return -1
}

func TestHandleFault(t *testing.T) {
	tests := []struct {
		name   string
		events []platform.Event // all but the last must succeed
		want   FaultCode
	}{
		{name: "first touch", events: []platform.Event{pf(0x500123)}},
		{name: "below every VMA", events: []platform.Event{pf(0x400000)}, want: FaultMapErr},
		{name: "in a hole", events: []platform.Event{pf(0x503000)}, want: FaultMapErr},
		{name: "PROT_NONE", events: []platform.Event{pf(0x520000)}, want: FaultAccErr},
		{name: "repeat present fault on read-only page", events: []platform.Event{pf(0x510000), presentPF(0x510008)}, want: FaultAccErr},
		{name: "repeat present fault on writable page", events: []platform.Event{pf(0x500000), presentPF(0x500000)}, want: FaultAccErr},
		{name: "repeat non-present fault is a race, not an error", events: []platform.Event{pf(0x500000), pf(0x500000)}},
		{name: "known write to read-only", events: []platform.Event{{Kind: platform.EventFault, Addr: 0x510000, AccessKnown: true, Write: true}}, want: FaultAccErr},
		{name: "known fetch from non-exec", events: []platform.Event{{Kind: platform.EventFault, Addr: 0x500000, AccessKnown: true, Fetch: true}}, want: FaultAccErr},
		{name: "known read of read-only", events: []platform.Event{{Kind: platform.EventFault, Addr: 0x510000, AccessKnown: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.fixed(0x500000, 2, rw)
			e.fixed(0x510000, 1, ro)
			e.fixed(0x520000, 1, none)
			var err error
			for i, ev := range tc.events {
				err = e.m.HandleFault(ev)
				if i < len(tc.events)-1 && err != nil {
					t.Fatalf("setup fault %d: %v", i, err)
				}
			}
			if got := faultCode(err); got != tc.want {
				t.Fatalf("HandleFault = %v (code %d), want code %d", err, got, tc.want)
			}
			if se := (*SegvError)(nil); errors.As(err, &se) && se.Addr != tc.events[len(tc.events)-1].Addr {
				t.Errorf("SegvError.Addr = %#x, want the faulting address", se.Addr)
			}
			e.check()
		})
	}
}

func TestFaultBacksZeroedPageWithVMAPerms(t *testing.T) {
	e := newEnv(t, 0)
	e.fixed(0x500000, 1, rw)
	// Dirty a page, free it, and check the reused page comes back zero.
	e.touch(0x500000)
	if _, err := e.m.CopyOut(0x500000, bytes.Repeat([]byte{0xaa}, pg)); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Munmap(0x500000, pg); err != nil {
		t.Fatal(err)
	}
	e.fixed(0x600000, 1, rx)
	e.touch(0x600000)
	p, ok := e.as.pages[0x600000]
	if !ok || p.perms != rx {
		t.Fatalf("platform page = %+v, %v; want mapped r-x", p, ok)
	}
	if page := e.mf.page(p.off); !bytes.Equal(page, make([]byte, pg)) {
		t.Fatal("a freshly backed page is not zero")
	}
}

func TestStackGrowth(t *testing.T) {
	const stackTop = uintptr(0x7f0000000000)
	const stackBase = stackTop - 4*pg
	tests := []struct {
		name      string
		limit     uint64
		below     uintptr // VMA mapped under the stack, if non-zero
		belowPerm platform.Perms
		addr      uintptr
		want      FaultCode
		wantStart uintptr
	}{
		{name: "one page below", addr: stackBase - 8, wantStart: stackBase - pg},
		{name: "far below within limit", addr: stackTop - 8<<20, wantStart: stackTop - 8<<20},
		{name: "beyond the limit", addr: stackTop - 8<<20 - 1, want: FaultMapErr, wantStart: stackBase},
		{name: "smaller limit", limit: 64 << 10, addr: stackTop - 64<<10 - 1, want: FaultMapErr, wantStart: stackBase},
		{name: "guard gap to the VMA below", below: stackBase - 300*pg, belowPerm: rw,
			addr: stackBase - 46*pg, want: FaultMapErr, wantStart: stackBase},
		{name: "outside the guard gap", below: stackBase - 300*pg, belowPerm: rw,
			addr: stackBase - 43*pg, wantStart: stackBase - 43*pg},
		{name: "PROT_NONE below does not count", below: stackBase - 300*pg, belowPerm: none,
			addr: stackBase - 299*pg, wantStart: stackBase - 299*pg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			if tc.limit != 0 {
				e.m.SetStackLimit(tc.limit)
			}
			if tc.below != 0 {
				e.fixed(tc.below, 1, tc.belowPerm) // ends 299 pages below the stack
			}
			e.mmap(MmapOpts{Addr: stackBase, Length: 4 * pg, Perms: rw, Fixed: true, GrowsDown: true, Name: "[stack]"})
			err := e.m.HandleFault(pf(tc.addr))
			if got := faultCode(err); got != tc.want {
				t.Fatalf("HandleFault(%#x) = %v, want code %d", tc.addr, err, tc.want)
			}
			maps := e.m.Maps()
			if st := maps[len(maps)-1]; st.Start != tc.wantStart || st.End != stackTop || st.Name != "[stack]" {
				t.Errorf("stack = [%#x, %#x) %q, want [%#x, %#x)", st.Start, st.End, st.Name, tc.wantStart, stackTop)
			}
			e.check()
		})
	}
}

func TestStackGrowsOnCopyOut(t *testing.T) {
	e := newEnv(t, 0)
	e.mmap(MmapOpts{Addr: 0x7f0000000000, Length: pg, Perms: rw, Fixed: true, GrowsDown: true})
	if n, err := e.m.CopyOut(0x7f0000000000-2*pg, []byte("x")); n != 1 || err != nil {
		t.Fatalf("CopyOut below the stack = %d, %v", n, err)
	}
	e.check()
}

func TestFileMapping(t *testing.T) {
	// Two and a half pages of file; the mapping covers four pages.
	data := make([]byte, 2*pg+pg/2)
	for i := range data {
		data[i] = byte(i % 251)
	}
	tests := []struct {
		name     string
		offset   uint64
		addr     uintptr // address in the mapping
		want     []byte  // nil: a bus error
		wantCopy error
	}{
		{name: "first page", addr: 0x500010, want: data[0x10:0x20]},
		{name: "with file offset", offset: pg, addr: 0x500010, want: data[pg+0x10 : pg+0x20]},
		{name: "partial last page reads file then zeros", addr: 0x502000 + pg/2 - 4,
			want: append(append([]byte{}, data[2*pg+pg/2-4:]...), 0, 0, 0, 0)},
		{name: "page beyond EOF", addr: 0x503000, wantCopy: kerr.EFAULT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 0)
			e.mmap(MmapOpts{Addr: 0x500000, Length: 4 * pg, Perms: ro, Fixed: true,
				File: &fakeFile{data: data}, Offset: tc.offset, Name: "/bin/x"})
			err := e.m.HandleFault(pf(tc.addr))
			if tc.want == nil {
				if faultCode(err) != FaultBusErr {
					t.Fatalf("HandleFault = %v, want a bus error", err)
				}
			} else if err != nil {
				t.Fatalf("HandleFault = %v", err)
			}
			buf := make([]byte, 8)
			if tc.want != nil {
				buf = make([]byte, len(tc.want))
			}
			_, err = e.m.CopyIn(tc.addr, buf)
			if !errors.Is(err, tc.wantCopy) || (tc.want != nil && !bytes.Equal(buf, tc.want)) {
				t.Fatalf("CopyIn = %x, %v; want %x, %v", buf, err, tc.want, tc.wantCopy)
			}
			e.check()
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	e := newEnv(t, 2*pg)
	// Each mapping fits in what is left when it is made; together they
	// do not, so the third page fails at fault time.
	e.fixed(0x500000, 2, rw)
	e.fixed(0x502000, 2, rw)
	e.touch(0x500000)
	e.touch(0x501000)
	if err := e.m.HandleFault(pf(0x502000)); !errors.Is(err, kerr.ENOMEM) {
		t.Fatalf("third page fault = %v, want ENOMEM", err)
	}
	if _, err := e.m.CopyOut(0x503000, []byte{1}); !errors.Is(err, kerr.ENOMEM) {
		t.Fatalf("CopyOut past the limit = %v, want ENOMEM", err)
	}
	if err := e.m.Munmap(0x500000, pg); err != nil {
		t.Fatal(err)
	}
	e.touch(0x502000) // room again
	e.check()
}

// TestMemoryLimitAtMmap: a private writable anonymous mapping, or heap
// growth, bigger than what the limit leaves fails at once with ENOMEM
// (the heuristic of Linux's default overcommit mode); read-only and
// PROT_NONE reservations are not counted.
func TestMemoryLimitAtMmap(t *testing.T) {
	e := newEnv(t, 2*pg)
	if _, err := e.m.Mmap(MmapOpts{Length: 3 * pg, Perms: rw}); !errors.Is(err, kerr.ENOMEM) {
		t.Fatalf("mmap of 3 pages under a 2-page limit = %v, want ENOMEM", err)
	}
	if _, err := e.m.Mmap(MmapOpts{Length: 64 * pg}); err != nil {
		t.Fatalf("PROT_NONE reservation of 64 pages = %v, want success", err)
	}
	e.m.SetBrkBase(0x600000)
	if got := e.m.Brk(0x600000 + 3*pg); got != 0x600000 {
		t.Fatalf("brk past the limit moved the break to %#x", got)
	}
	if got := e.m.Brk(0x600000 + pg); got != 0x600000+pg {
		t.Fatalf("brk within the limit = %#x", got)
	}
	e.check()
}
