package core

import (
	"testing"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// closeCounter is a file that counts its closes, so a test can see that
// a description's last reference went.
type closeCounter struct{ closed *int }

func (closeCounter) Read([]byte) (int, error)           { return 0, nil }
func (closeCounter) Write(p []byte) (int, error)        { return len(p), nil }
func (closeCounter) ReadAt([]byte, int64) (int, error)  { return 0, kerr.ESPIPE }
func (closeCounter) WriteAt([]byte, int64) (int, error) { return 0, kerr.ESPIPE }
func (closeCounter) Seek(int64, int) (int64, error)     { return 0, kerr.ESPIPE }
func (closeCounter) Stat() (fs.Stat, error)             { return fs.Stat{}, nil }
func (c closeCounter) Close() error                     { *c.closed++; return nil }

// TestAllocatePair checks that AllocatePair hands out the two lowest free
// descriptors in order, and that when the table fills up between the two
// it leaves nothing behind and releases both descriptions.
func TestAllocatePair(t *testing.T) {
	tests := []struct {
		name           string
		limit, used    int // the table's limit, and descriptors 0..used-1 taken first
		wantA, wantB   int
		wantErr        error
		wantClosedPair int // closes of the pair's files after the call
	}{
		{name: "empty table", limit: 1024, used: 0, wantA: 0, wantB: 1},
		{name: "after stdio", limit: 1024, used: 3, wantA: 3, wantB: 4},
		{name: "room for one", limit: 4, used: 3, wantA: -1, wantB: -1, wantErr: kerr.EMFILE, wantClosedPair: 2},
		{name: "room for none", limit: 3, used: 3, wantA: -1, wantB: -1, wantErr: kerr.EMFILE, wantClosedPair: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := NewFDTable()
			ft.SetLimit(tc.limit)
			var other, pair int
			for i := 0; i < tc.used; i++ {
				if _, err := ft.Allocate(fs.NewFileDescription(closeCounter{&other}, "x", fs.FlagRead), 0, false); err != nil {
					t.Fatal(err)
				}
			}
			a := fs.NewFileDescription(closeCounter{&pair}, "a", fs.FlagRead)
			b := fs.NewFileDescription(closeCounter{&pair}, "b", fs.FlagWrite)
			fa, fb, err := ft.AllocatePair(a, b, true)
			if fa != tc.wantA || fb != tc.wantB || err != tc.wantErr {
				t.Fatalf("AllocatePair = %d, %d, %v; want %d, %d, %v", fa, fb, err, tc.wantA, tc.wantB, tc.wantErr)
			}
			if pair != tc.wantClosedPair || other != 0 {
				t.Errorf("closes after AllocatePair: pair %d, others %d; want %d, 0", pair, other, tc.wantClosedPair)
			}
			if err != nil {
				if _, err := ft.Allocate(fs.NewFileDescription(closeCounter{&other}, "y", fs.FlagRead), 0, false); tc.limit > tc.used && err != nil {
					t.Errorf("the descriptor the failed pair took is still in use: %v", err)
				}
				return
			}
			if on, err := ft.CloseOnExec(fa); err != nil || !on {
				t.Errorf("CloseOnExec(%d) = %v, %v; want true", fa, on, err)
			}
			if d, err := ft.Get(fb); err != nil || d != b {
				t.Errorf("Get(%d) is not the second description (%v)", fb, err)
			} else {
				d.DecRef()
			}
			ft.CloseAll()
			if pair != 2 {
				t.Errorf("closes after CloseAll: %d; want 2", pair)
			}
		})
	}
}
