package memfd

import (
	"testing"

	"github.com/runos-project/runos/fs/vfs"
	"github.com/runos-project/runos/kernel/kerr"
)

// TestAllocate checks fallocate(2) on a memfd and the seals that limit
// it, as shmem does (see memfd_create(2), "File sealing").
func TestAllocate(t *testing.T) {
	f := New("m", true)
	steps := []struct {
		name        string
		seal        int
		mode        vfs.AllocMode
		off, length int64
		want        error
		size        int64
	}{
		{"grow", 0, 0, 0, 8192, nil, 8192},
		{"keep size", 0, vfs.AllocKeepSize, 8192, 4096, nil, 8192},
		{"zero range", 0, vfs.AllocZeroRange, 0, 4096, kerr.EOPNOTSUPP, 8192},
		{"hole without keep size", 0, vfs.AllocPunchHole, 0, 4096, kerr.EOPNOTSUPP, 8192},
		{"hole", 0, vfs.AllocPunchHole | vfs.AllocKeepSize, 0, 4096, nil, 8192},
		{"hole when write-sealed", SealWrite, vfs.AllocPunchHole | vfs.AllocKeepSize, 0, 4096, kerr.EPERM, 8192},
		{"inside when grow-sealed", SealGrow, 0, 0, 4096, nil, 8192},
		{"past the end when grow-sealed", 0, vfs.AllocKeepSize, 8192, 1, kerr.EPERM, 8192},
	}
	for _, s := range steps {
		if s.seal != 0 {
			if err := f.AddSeals(s.seal); err != nil {
				t.Fatalf("%s: AddSeals: %v", s.name, err)
			}
		}
		if err := f.Allocate(s.mode, s.off, s.length); err != s.want {
			t.Errorf("%s: Allocate = %v, want %v", s.name, err, s.want)
		}
		if st, _ := f.Stat(); st.Size != s.size {
			t.Errorf("%s: size %d, want %d", s.name, st.Size, s.size)
		}
	}
}
