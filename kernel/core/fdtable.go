package core

import (
	"sync"
	"sync/atomic"

	"github.com/runos-project/runos/fs"
	"github.com/runos-project/runos/kernel/kerr"
)

// MaxFDs is the size limit of a descriptor table (Linux's default
// fs.nr_open is 1048576).
const MaxFDs = 1 << 20

type fdEntry struct {
	d       *fs.FileDescription
	cloexec bool
}

// FDTable maps descriptor numbers to open file descriptions. Threads share
// one; fork copies it (CLONE_FILES shares it).
type FDTable struct {
	// users counts the tasks sharing the table; the last one out closes
	// every descriptor.
	users atomic.Int32

	mu    sync.Mutex
	files []fdEntry
	// Limit is RLIMIT_NOFILE's soft value: descriptors >= Limit cannot be
	// allocated.
	limit int
}

// NewFDTable returns an empty table with the default limit of 1024.
func NewFDTable() *FDTable {
	ft := &FDTable{limit: 1024}
	ft.users.Store(1)
	return ft
}

// Fork returns a copy for a new process: the same open file descriptions,
// each with one more reference, and the same close-on-exec flags.
func (ft *FDTable) Fork() *FDTable {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{limit: ft.limit, files: append([]fdEntry(nil), ft.files...)}
	n.users.Store(1)
	for _, e := range n.files {
		if e.d != nil {
			e.d.IncRef()
		}
	}
	return n
}

// Release drops one user; the last closes everything.
func (ft *FDTable) Release() {
	if ft.users.Add(-1) == 0 {
		ft.CloseAll()
	}
}

// Share adds a user (CLONE_FILES).
func (ft *FDTable) Share() { ft.users.Add(1) }

// CloseExec closes every descriptor marked close-on-exec (execve(2)).
func (ft *FDTable) CloseExec() {
	ft.mu.Lock()
	var closing []*fs.FileDescription
	for i, e := range ft.files {
		if e.d != nil && e.cloexec {
			closing = append(closing, e.d)
			ft.files[i] = fdEntry{}
		}
	}
	ft.mu.Unlock()
	for _, d := range closing {
		ft.drop(d)
	}
}

// SetLimit sets the highest descriptor number + 1 that may be allocated.
func (ft *FDTable) SetLimit(n int) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.limit = min(n, MaxFDs)
}

// Get returns the description behind fd with a reference the caller must
// drop with DecRef.
func (ft *FDTable) Get(fd int) (*fs.FileDescription, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fd < 0 || fd >= len(ft.files) || ft.files[fd].d == nil {
		return nil, kerr.EBADF
	}
	d := ft.files[fd].d
	d.IncRef()
	return d, nil
}

// Install puts d at fd, closing what was there (dup2 semantics). It takes
// over the caller's reference to d.
func (ft *FDTable) Install(fd int, d *fs.FileDescription, cloexec bool) {
	ft.mu.Lock()
	for fd >= len(ft.files) {
		ft.files = append(ft.files, fdEntry{})
	}
	old := ft.files[fd].d
	ft.files[fd] = fdEntry{d: d, cloexec: cloexec}
	ft.mu.Unlock()
	if old != nil {
		ft.drop(old)
	}
}

// Allocate puts d at the lowest free descriptor >= min (EMFILE if none
// below the limit, EINVAL if min is out of range). It takes over the
// caller's reference.
func (ft *FDTable) Allocate(d *fs.FileDescription, min int, cloexec bool) (int, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if min < 0 || min >= MaxFDs {
		return -1, kerr.EINVAL
	}
	for fd := min; fd < ft.limit; fd++ {
		if fd >= len(ft.files) {
			ft.files = append(ft.files, make([]fdEntry, fd+1-len(ft.files))...)
		}
		if ft.files[fd].d == nil {
			ft.files[fd] = fdEntry{d: d, cloexec: cloexec}
			return fd, nil
		}
	}
	return -1, kerr.EMFILE
}

// AllocatePair puts a and b at the two lowest free descriptors, a's
// first, as pipe(2) and socketpair(2) return them. It takes over the
// caller's references; on failure neither is left in the table and both
// are released.
func (ft *FDTable) AllocatePair(a, b *fs.FileDescription, cloexec bool) (fa, fb int, err error) {
	fa, err = ft.Allocate(a, 0, cloexec)
	if err != nil {
		a.DecRef()
		b.DecRef()
		return -1, -1, err
	}
	fb, err = ft.Allocate(b, 0, cloexec)
	if err != nil {
		ft.Close(fa)
		b.DecRef()
		return -1, -1, err
	}
	return fa, fb, nil
}

// Limit returns the allocation limit.
func (ft *FDTable) Limit() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.limit
}

// Close removes fd.
func (ft *FDTable) Close(fd int) error {
	ft.mu.Lock()
	if fd < 0 || fd >= len(ft.files) || ft.files[fd].d == nil {
		ft.mu.Unlock()
		return kerr.EBADF
	}
	d := ft.files[fd].d
	ft.files[fd] = fdEntry{}
	ft.mu.Unlock()
	return ft.drop(d)
}

// drop releases the table's reference to d, and with it the process's
// record locks on d's file (fcntl(2): closing any descriptor of a file
// releases the process's locks on it).
func (ft *FDTable) drop(d *fs.FileDescription) error {
	fs.ReleaseRecordLocks(ft, d)
	return d.DecRef()
}

// CloseOnExec reports fd's FD_CLOEXEC flag.
func (ft *FDTable) CloseOnExec(fd int) (bool, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fd < 0 || fd >= len(ft.files) || ft.files[fd].d == nil {
		return false, kerr.EBADF
	}
	return ft.files[fd].cloexec, nil
}

// SetCloseOnExec changes fd's FD_CLOEXEC flag.
func (ft *FDTable) SetCloseOnExec(fd int, on bool) error {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fd < 0 || fd >= len(ft.files) || ft.files[fd].d == nil {
		return kerr.EBADF
	}
	ft.files[fd].cloexec = on
	return nil
}

// CloseAll closes every descriptor (the last task of a process exits).
func (ft *FDTable) CloseAll() {
	ft.mu.Lock()
	files := ft.files
	ft.files = nil
	ft.mu.Unlock()
	for _, e := range files {
		if e.d != nil {
			ft.drop(e.d)
		}
	}
}
