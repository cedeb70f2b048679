package fs

import (
	"math"
	"testing"

	"github.com/runos-project/runos/kernel/kerr"
)

// statFile is a File that only has an identity, for the lock table.
type statFile struct{ ino uint64 }

func (f statFile) Read([]byte) (int, error)           { return 0, nil }
func (f statFile) Write([]byte) (int, error)          { return 0, nil }
func (f statFile) ReadAt([]byte, int64) (int, error)  { return 0, nil }
func (f statFile) WriteAt([]byte, int64) (int, error) { return 0, nil }
func (f statFile) Seek(int64, int) (int64, error)     { return 0, nil }
func (f statFile) Stat() (Stat, error)                { return Stat{Dev: 99, Ino: f.ino}, nil }
func (f statFile) Close() error                       { return nil }

func TestRecordLocks(t *testing.T) {
	type step struct {
		owner      int // 1 or 2: two processes
		typ        LockType
		start, end int64
		wantErr    error
	}
	cases := []struct {
		name  string
		steps []step
		// probe is a write lock by owner 2 over [probe, probe]: what
		// TestRecordLock reports.
		probe     int64
		wantFound bool
		wantRange [2]int64
	}{
		{"free", nil, 5, false, [2]int64{}},
		{"conflict", []step{{1, LockExclusive, 0, 9, nil}}, 5, true, [2]int64{0, 9}},
		{"readers share", []step{{1, LockShared, 0, 9, nil}, {2, LockShared, 5, 20, nil}}, 30, false, [2]int64{}},
		{"writer refused", []step{{1, LockShared, 0, 9, nil}, {2, LockExclusive, 5, 20, kerr.EAGAIN}}, 30, false, [2]int64{}},
		{"merge adjacent", []step{{1, LockExclusive, 0, 9, nil}, {1, LockExclusive, 10, 19, nil}}, 15, true, [2]int64{0, 19}},
		{"split by unlock", []step{{1, LockExclusive, 0, 29, nil}, {1, LockUnlock, 10, 19, nil}}, 25, true, [2]int64{20, 29}},
		{"hole after split", []step{{1, LockExclusive, 0, 29, nil}, {1, LockUnlock, 10, 19, nil}}, 15, false, [2]int64{}},
		{"to end of file", []step{{1, LockExclusive, 100, math.MaxInt64, nil}}, 1 << 40, true, [2]int64{100, math.MaxInt64}},
		{"downgrade splits", []step{{1, LockExclusive, 0, 29, nil}, {1, LockShared, 10, 19, nil}}, 5, true, [2]int64{0, 9}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewFileDescription(statFile{uint64(1000 + i)}, "", FlagRead|FlagWrite)
			defer d.DecRef()
			owners := map[int]any{1: new(int), 2: new(int)}
			for _, s := range c.steps {
				_, err := d.SetRecordLock(owners[s.owner], s.owner, RecordLock{Type: s.typ, Start: s.start, End: s.end}, false)
				if err != s.wantErr {
					t.Fatalf("step %+v: got %v, want %v", s, err, s.wantErr)
				}
			}
			l, found, err := d.TestRecordLock(owners[2], RecordLock{Type: LockExclusive, Start: c.probe, End: c.probe})
			if err != nil || found != c.wantFound || found && (l.Start != c.wantRange[0] || l.End != c.wantRange[1]) {
				t.Errorf("probe %d: got %+v found %v err %v, want found %v range %v", c.probe, l, found, err, c.wantFound, c.wantRange)
			}
			ReleaseRecordLocks(owners[1], d)
			ReleaseRecordLocks(owners[2], d)
		})
	}
	if n := recordOwners.Load(); n != 0 {
		t.Errorf("classic locks left counted: %d", n)
	}
}

func TestFlockReleasedOnLastClose(t *testing.T) {
	a := NewFileDescription(statFile{1}, "", FlagRead)
	b := NewFileDescription(statFile{1}, "", FlagRead)
	defer b.DecRef()
	if _, err := a.Flock(LockExclusive); err != nil {
		t.Fatal(err)
	}
	a.IncRef() // a dup
	if _, err := b.Flock(LockShared); err != kerr.EAGAIN {
		t.Fatalf("second description: got %v, want EAGAIN", err)
	}
	a.DecRef()
	if _, err := b.Flock(LockShared); err != kerr.EAGAIN {
		t.Fatalf("after closing a dup: got %v, want EAGAIN", err)
	}
	a.DecRef()
	if _, err := b.Flock(LockShared); err != nil {
		t.Fatalf("after the last close: %v", err)
	}
}
