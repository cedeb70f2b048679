package loader

import (
	"bytes"
	"errors"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must
// fail only with format errors, and whatever it accepts must satisfy the
// invariants Load relies on. The committed corpus in
// testdata/fuzz/FuzzParse holds small synthetic headers.
func FuzzParse(f *testing.F) {
	f.Add(validTestFile().bytes())
	f.Add(validTestFile().withInterp("/lib64/ld-linux-x86-64.so.2").bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !errors.Is(err, kerr.ENOEXEC) {
				t.Fatalf("non-format error from in-memory input: %v", err)
			}
			return
		}
		if img.Type != ET_EXEC && img.Type != ET_DYN || len(img.Segments) == 0 {
			t.Fatalf("accepted bad image %+v", img)
		}
		var prevEnd uint64
		for i, s := range img.Segments {
			if s.Filesz > s.Memsz || s.Offset+s.Filesz > uint64(len(b)) || s.Offset+s.Filesz < s.Offset {
				t.Fatalf("segment %d %v has bad file range", i, s)
			}
			if s.End() > userTop || s.End() < s.Vaddr || s.Vaddr < prevEnd {
				t.Fatalf("segment %d %v out of place (previous end %#x)", i, s, prevEnd)
			}
			if s.Vaddr%pageSize != s.Offset%pageSize {
				t.Fatalf("segment %d %v incongruent", i, s)
			}
			prevEnd = s.End()
		}
		if len(img.Interp) > pathMax {
			t.Fatalf("interp of %d bytes", len(img.Interp))
		}
		// Loading at the default PIE base must not overflow either.
		var bias uintptr
		if img.Type == ET_DYN {
			bias = DefaultDynBase
		}
		m := &recordingMapper{}
		if _, err := Load(m, img, testMappable{}, "fuzz", bias); err != nil && !errors.Is(err, kerr.ENOMEM) {
			t.Fatalf("Load of a parsed image: %v", err)
		}
		for _, op := range m.ops {
			if o := op.Mmap; o != nil && (o.Addr%pageSize != 0 || o.Length%pageSize != 0 || o.Length == 0 || o.Offset%pageSize != 0) {
				t.Fatalf("bad mmap request %+v", *o)
			}
		}
	})
}
