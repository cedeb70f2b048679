package core

import "github.com/runos-project/runos/fs"

// CloseRange closes every open descriptor from first to last inclusive,
// or, with cloexec, only marks them close-on-exec (close_range(2)).
// Descriptors beyond the table are simply absent, so last may be huge.
func (ft *FDTable) CloseRange(first, last uint, cloexec bool) {
	ft.mu.Lock()
	var closing []*fs.FileDescription
	for fd := first; fd < uint(len(ft.files)) && fd <= last; fd++ {
		e := &ft.files[fd]
		if e.d == nil {
			continue
		}
		if cloexec {
			e.cloexec = true
			continue
		}
		closing = append(closing, e.d)
		*e = fdEntry{}
	}
	ft.mu.Unlock()
	for _, d := range closing {
		ft.drop(d)
	}
}

// UnshareFDs gives t a private copy of its descriptor table if other
// tasks share it (CLONE_FILES), as unshare(CLONE_FILES) and
// close_range(2)'s CLOSE_RANGE_UNSHARE do. Only t's own goroutine calls
// it, as for every change of t.fds.
func (t *Task) UnshareFDs() {
	if t.fds.users.Load() > 1 {
		old := t.fds
		t.fds = old.Fork()
		old.Release()
	}
}
