package core

import "sync"

// FileID names a file independently of its paths: device and inode.
type FileID struct{ Dev, Ino uint64 }

// writers counts the open file descriptions that may write each file, so
// that execve can refuse a program some process is still writing (ETXTBSY,
// see execve(2)).
type writers struct {
	mu sync.Mutex
	n  map[FileID]int
}

// OpenedForWrite records a description that may write id, and returns the
// function that forgets it when the description is closed.
func (k *Kernel) OpenedForWrite(id FileID) (release func()) {
	w := &k.writers
	w.mu.Lock()
	if w.n == nil {
		w.n = map[FileID]int{}
	}
	w.n[id]++
	w.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			if w.n[id]--; w.n[id] <= 0 {
				delete(w.n, id)
			}
			w.mu.Unlock()
		})
	}
}

// BeingWritten reports whether some open file description may write id.
func (k *Kernel) BeingWritten(id FileID) bool {
	w := &k.writers
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[id] > 0
}
