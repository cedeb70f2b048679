package mm

import "github.com/runos-project/runos/kernel/kerr"

// commitCheck refuses, with ENOMEM, a new private writable anonymous
// mapping (or heap growth) larger than the memory the sandbox has left
// under its limit. It is the per-request heuristic of Linux's default
// overcommit mode (see proc(5), /proc/sys/vm/overcommit_memory = 0): an
// allocation that could never be backed fails at once; one that might be
// backed is allowed, and a fault that then finds no memory kills the
// process.
func (f *MemoryFile) commitCheck(length uintptr) error {
	if f.limit == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if uint64(length) > f.limit-min(f.allocated, f.limit) {
		return kerr.ENOMEM
	}
	return nil
}
